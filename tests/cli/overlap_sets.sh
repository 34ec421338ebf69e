#!/usr/bin/env bash
# overlap_sets.sh LANGQUANT_BIN
#
# `overlap -s group:NAME` ranks by a group's Fisher set. The set name holds ':', and the plan
# selector it builds (by=fisher:FILE:group:NAME) used to be split at its last ':', reading the
# file as "FILE:group" (no such file). Checks, on the default model, that group and language sets
# are read from the file and that a group's ranking is not a language's.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 LANGQUANT_BIN" >&2; exit 2; }
BIN=$(realpath "$1")
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lq-overlap.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
M=$REPO/models/default
"$BIN" fisher -m "$M" -c "$REPO/data/sample" -l en,ar,hi -g lr=ar,hi --max-sentences 4 -o "$WORK/f.safetensors" -t 1 -q
for sets in group:lr ar max,group:lr; do
  "$BIN" overlap -m "$M" -f "$WORK/f.safetensors" -s "$sets" -k 1 -o "$WORK/$sets.json" > "$WORK/$sets.txt"
  python3 - "$WORK/$sets.json" "$sets" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["sets"] == sys.argv[2] and j["schema_version"] == 1, j
r = j["results"][0]
assert r["k_percent"] == 1 and r["selected"] > 0 and 0 <= r["fraction"] <= 1, r
PY
done
# group:lr ranks by the group's own set: its selection differs from the language ar's.
if cmp -s "$WORK/group:lr.txt" "$WORK/ar.txt" && cmp -s "$WORK/group:lr.json" "$WORK/ar.json"; then
  echo "FAIL: -s group:lr gave the same result as -s ar" >&2
  exit 1
fi
# A set the file lacks is refused, naming it.
if "$BIN" overlap -m "$M" -f "$WORK/f.safetensors" -s group:nope -k 1 2> "$WORK/err"; then
  echo "FAIL: an unknown group was accepted" >&2
  exit 1
fi
grep -q "group:nope" "$WORK/err" || { echo "FAIL: error does not name the set: $(cat "$WORK/err")" >&2; exit 1; }
echo "overlap sets: group:NAME, languages and max read from the Fisher file"

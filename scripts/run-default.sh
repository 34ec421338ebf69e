#!/usr/bin/env bash
# The main job on the embedded defaults: installs and builds (scripts/setup.sh), then runs the
# full analysis on the default model (models/default, trained by `langquant train`: see its
# MODEL_CARD.md) and the project's own 14-language parallel sample corpus (data/sample):
#   1. eval: full precision and the seeds' protection strategies over int4, per language
#   2. stats: per-layer weight statistics and int4 quantization error
#   3. sweep: the seeds' per-layer MLP sweep (resumable: results go to a SQLite file)
#   4. predict: which weight statistic predicts the measured per-layer criticality
#   5. report: a self-contained HTML report with charts, and Markdown
# Results go to build/default-results/ (report.html is the place to start).
# Usage: scripts/run-default.sh [--model DIR] [--corpus DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
model=models/default corpus=data/sample
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --corpus) corpus="$2"; shift 2 ;;
    *) echo "run-default: unknown option $1 (use --model DIR, --corpus DIR)" >&2; exit 2 ;;
  esac
done
scripts/setup.sh --no-python
LQ=build/apps/cli/langquant
out=build/default-results
mkdir -p "$out"
lr=(--group lr=ar,he,hi,ko,el,tr,vi)

echo "== 1/5 eval: strategies over int4 ($model on $corpus)"
"$LQ" eval --model "$model" --corpus "$corpus" "${lr[@]}" --base int4 --out "$out/eval.json" --quiet \
  --plan none --plan layer0 --plan L0+L11 --plan L0+L11+ln_f+biases --plan mlp-only --plan attn-only \
  --plan embeddings-only --plan odd-layers --plan even-layers --plan magnitude-5 --plan random-5 >/dev/null
echo "== 2/5 stats"
"$LQ" stats --model "$model" --format int4 --out "$out/stats.json" --quiet >/dev/null
echo "== 3/5 sweep: per-layer MLP"
"$LQ" sweep --recipe per-layer-mlp --model "$model" --corpus "$corpus" "${lr[@]}" --db "$out/sweep.sqlite" \
  --out "$out/sweep.json" --quiet >/dev/null
echo "== 4/5 predict"
"$LQ" predict --stats "$out/stats.json" --sweep "$out/sweep.json" --objective delta_bpb_gap \
  --out "$out/predict.json" --md "$out/predict.md" >/dev/null
echo "== 5/5 report"
"$LQ" report "$out/eval.json" "$out/sweep.json" --stats "$out/stats.json" --html "$out/report.html" \
  --md "$out/report.md" >/dev/null
cat "$out/eval.md"
echo
echo "results in $out: report.html (charts), report.md, eval.json/.md/.csv, stats.json, sweep.json, predict.md"

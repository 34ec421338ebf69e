#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang with -fsanitize=fuzzer,address,undefined) and
# runs each for SECONDS on its committed seed corpus, one target at a time with one job. Prints
# executions per target and fails on any crash, sanitizer report, leak, timeout or
# out-of-memory; the input that caused it is kept in $BUILD/fuzz-artifacts/.
# New inputs the fuzzer finds go to $BUILD/fuzz-work/<name>/ (kept between runs, never into
# the committed corpus; copy a finding's regression input to tests/fuzz/corpus/<name>/ by hand).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default 60 s; TARGET e.g. fuzz_plan)
# Environment: LQ_FUZZ_PRESET  fuzz (build-fuzz, default) or asan (build-asan, with unit tests)
#              LQ_FUZZ_TIMEOUT seconds one input may take before it counts as a hang (default 10)
#              LQ_FUZZ_RSS_MB  memory limit of a target (default 2048)
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-60}"
[ "$#" -gt 0 ] && shift
preset="${LQ_FUZZ_PRESET:-fuzz}"
build="build-$preset"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}"
export CCACHE_NOHASHDIR=1  # debug builds in other folders (build-asan) share compiled objects
export OMP_NUM_THREADS=1

cmake --preset "$preset" >/dev/null
mkdir -p "$build"
if ! cmake --build "$build" -j"$(nproc)" --target fuzz_all >"$build/fuzz-build.log" 2>&1; then
  grep -E 'error' "$build/fuzz-build.log" | head -20; tail -5 "$build/fuzz-build.log"
  echo "fuzz: build failed (log: $build/fuzz-build.log)" >&2
  exit 1
fi

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(grep . "$build/tests/fuzz/fuzz_targets.txt"); fi

mkdir -p "$build/fuzz-artifacts"
failed=()
summary=()
for t in "${targets[@]}"; do
  name="${t#fuzz_}"
  seeds="tests/fuzz/corpus/$name"
  [ -d "$seeds" ] || seeds="tests/fuzz/corpus/${name%_*}"  # fuzz_encode_gpt2 -> corpus/encode
  work="$build/fuzz-work/$name"
  log="$build/fuzz-work/$name.log"
  mkdir -p "$work"
  args=(-max_total_time="$secs" -timeout="${LQ_FUZZ_TIMEOUT:-10}" -rss_limit_mb="${LQ_FUZZ_RSS_MB:-2048}"
        -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name-")
  [ -f "tests/fuzz/dict/$name.dict" ] && args+=(-dict="tests/fuzz/dict/$name.dict")
  echo "fuzz: $t for ${secs}s (seeds $seeds)"
  rc=0
  "$build/tests/fuzz/$t" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  execs="${execs:-0}"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); last lines of $log:"
    grep -E 'ERROR|SUMMARY|fuzz finding|runtime error|Test unit written|^==' "$log" | head -20 || true
    tail -5 "$log"
  fi
  summary+=("$(printf '%-24s %12s execs %9s/s  %s' "$t" "$execs" "$((execs / (secs > 0 ? secs : 1)))" \
    "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)")")
done

echo "fuzz summary (${secs}s per target, $build):"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} (inputs in $build/fuzz-artifacts/)" >&2
  exit 1
fi

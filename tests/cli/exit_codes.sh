#!/usr/bin/env bash
# exit_codes.sh LANGQUANT_BIN
#
# The exit codes langquant documents (README "Exit codes", `langquant --help`): 0 ok, 1 bad input,
# 2 usage, 3 target not met (search, recommend; the plan is still written), 130 interrupted (no
# half-written output left). Each case runs the real binary on models/default and data/sample.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 LANGQUANT_BIN" >&2; exit 2; }
BIN=$(realpath "$1")
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
M=$REPO/models/default
C=$REPO/data/sample
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lq-exit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
failures=0

# expect CODE NAME ARGS...: runs langquant ARGS, requires exit CODE.
expect() {
  local want=$1 name=$2; shift 2
  local rc=0
  "$BIN" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want: langquant $*" >&2
    sed 's/^/  stderr: /' "$WORK/$name.err" | head -5 >&2
    failures=$((failures + 1))
  else
    echo "ok   $name: exit $rc"
  fi
}
# check NAME CONDITION-DESCRIPTION: records a failure when the previous test command failed.
check() { if [ "$1" -ne 0 ]; then echo "FAIL $2" >&2; failures=$((failures + 1)); else echo "ok   $2"; fi; }

# 0: help, version, a command that works.
expect 0 help --help
grep -q "^  eval  *Per-language quality" "$WORK/help.out"; check $? "--help lists eval with its one-line summary"
grep -q "^Exit codes: 0 ok; 1 bad input" "$WORK/help.out"; check $? "--help documents the exit codes"
# A command missing from the summary table falls back to its description's first sentence, which
# can run for several lines; every summary must stay one short line.
! awk '/^Subcommands:/ { on = 1; next } on && /^$/ { on = 0 } on && length($0) > 120' "$WORK/help.out" | grep -q .
check $? "--help: every command's summary fits one line of 120 characters"
expect 0 eval-help eval --help
grep -q "FLORES-style folder" "$WORK/eval-help.out"; check $? "eval --help keeps the full description"
expect 0 version --version
expect 0 inspect inspect "$M"

# 1: bad input (a file or value langquant rejects), one line on stderr.
expect 1 no-model inspect "$WORK/no-such-model"
[ "$(wc -l < "$WORK/no-model.err")" -eq 1 ]; check $? "bad input is one line on stderr"
expect 1 bad-target search -m "$M" -c "$C" --target 'speed<=1' -o "$WORK/x.toml" -q
[ ! -e "$WORK/x.toml" ]; check $? "bad input leaves no output"

# 2: usage (CLI11's own codes are 105-114; all map to 2).
expect 2 no-command
expect 2 unknown-command frobnicate
expect 2 unknown-option eval --bogus
expect 2 missing-required eval -c "$C"
expect 2 bad-number eval -m "$M" -c "$C" --bootstrap=-3

# 3: search and recommend miss an unreachable target (max_kl <= 0), still write the best plan.
S=(-m "$M" -c "$C" --langs en,ar --target 'max_kl<=0' --budget 0.05 --race-start 8 --bootstrap 20 -t 1 -q)
expect 3 search-missed search "${S[@]}" --groups norms --race-bootstrap 20 -o "$WORK/search.toml"
grep -q "NOT met" "$WORK/search.toml" && grep -q "^Target met: NO" "$WORK/search-missed.out"
check $? "search writes the plan and says NOT met"
expect 3 recommend-missed recommend "${S[@]}" --groups layers -o "$WORK/recommend.toml"
grep -q "NOT met" "$WORK/recommend.toml"; check $? "recommend writes the plan and says NOT met"
# ... and exit 0 when the target is met (a bound above the base plan's max_kl).
expect 0 search-met search "${S[@]/max_kl<=0/max_kl<=5}" --groups norms --race-bootstrap 20 -o "$WORK/met.toml"

# 130: SIGINT during a long eval; no output is left, not even a temporary file.
mkdir "$WORK/int"
"$BIN" eval -m "$M" -c "$C" -p none -p layer0 -p first3 --bootstrap 200000 -o "$WORK/int/e.json" -t 1 -q \
  > /dev/null 2> "$WORK/int.err" &
pid=$!
sleep 3
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 130 ] && grep -q "interrupted" "$WORK/int.err"; check $? "SIGINT exits 130 (got $rc: $(tail -1 "$WORK/int.err"))"
# (A --resume progress file beside the output may stay: it is how the run continues, not output.)
left=$(cd "$WORK/int" && ls -A | grep -E '^e\.(json|md|csv)($|\.tmp\.)' | tr '\n' ' ')
[ -z "$left" ]; check $? "an interrupted run leaves no output or temporary file ($left)"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)" >&2; exit 1; fi
echo "exit codes: all cases as documented"

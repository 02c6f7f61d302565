# lib.sh: the check harness of the shell tests that count their checks (cli_tests.sh,
# fault_tests.sh, robust_tests.sh, tokenize_tests.sh), sourced with the script's arguments:
#     . "$(dirname "$0")/lib.sh" "$@"          # ARDIFF (the program)
# Sets `set -u`, ARDIFF_TUNE=off, bin (the program), src ($ARDIFF_SOURCE_DIR, required), the
# counters pass and fail, and a temporary folder $tmp removed on exit (a script that must clean
# up more sets its own EXIT trap, which then removes $tmp too). Helpers:
#   ok                      one check passed
#   bad MESSAGE             one check failed: "FAIL: MESSAGE" on standard error
#   expect DESC COMMAND...  a check: COMMAND must succeed
#   same DESC GOT WANT      a check: GOT must equal WANT
#   says TEXT PATTERN       (a condition, not a check) TEXT is one line and matches PATTERN
#   summary NAME            prints "NAME: P passed, F failed"; succeeds only if none failed
#                           (the last line of each script, so its exit status)
# shellcheck shell=bash disable=SC2034  # bin, src: for the scripts that source this
set -u
# the devices' type-default kernel variants, the same in every fresh cache folder: no tuning at
# first use (runtime/ocl/tune.h; tune_tests.sh tests it)
export ARDIFF_TUNE=off
bin=$1
src=${ARDIFF_SOURCE_DIR:?}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect() {
  local d=$1; shift
  if "$@"; then ok; else bad "$d"; fi
}
same() {
  if [ "$2" == "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
says() { [ -n "$1" ] && [ "$(wc -l <<<"$1")" = 1 ] && grep -q -- "$2" <<<"$1"; }
summary() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

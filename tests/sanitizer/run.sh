#!/usr/bin/env bash
# run.sh: the ctest suite on an ASan + UBSan build (docs/fuzzing.md, "Sanitizers").
#   bash tests/sanitizer/run.sh [BUILD_DIR]       # default build-asan
# Builds with -DARDIFF_SANITIZE=ON (every target: -fsanitize=address,undefined,
# -fno-sanitize-recover=all), then runs ctest. Fails when a test fails OR when any sanitizer
# wrote a report: reports go to files (log_path), so one inside a process whose failure a test
# expected (a CLI run that must exit 1) or ignored still fails the run. Leaks are reported
# (LeakSanitizer) except those suppressed in lsan.supp: the OpenCL implementation's own, each
# with its reason there.
# ARDIFF_SAN_EXCLUDE: a ctest -E regex of tests to leave out (default: train_e2e, see below);
# ARDIFF_SAN_TESTS: a ctest -R regex, to run only those (while iterating).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-asan}
HERE=$PWD/tests/sanitizer
# train_e2e trains two models in Python (minutes) before one `ardiff generate` on each; that
# generate path runs under the sanitizers in bundled_models and official_e2e already.
EXCLUDE=${ARDIFF_SAN_EXCLUDE-^train_e2e$}

# clang: its UBSan reports follow log_path (gcc's go to standard error whatever UBSAN_OPTIONS
# says, where a test that captures it would hide them)
command -v clang >/dev/null || { echo "sanitizer: clang not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
export CC=clang  # also for install_pkgconfig's consumer program
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DARDIFF_SANITIZE=ON -DARDIFF_WERROR="${ARDIFF_WERROR:-OFF}" -DARDIFF_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

reports=$(mktemp -d)
# abort_on_error=0 + exitcode 1 (the defaults) keep core dumps away; halt at the first report.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/asan"
export LSAN_OPTIONS="suppressions=$HERE/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export ARDIFF_CACHE_DIR=${ARDIFF_CACHE_DIR:-$(mktemp -d)/ardiff-cache}
# PoCL's own kernel cache cold, as on a fresh CI machine (its leaks show only then: lsan.supp)
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$(mktemp -d)}

# PoCL only: ocl-icd loads every ICD of /etc/OpenCL/vendors into every process, and Mesa's
# rusticl (mesa-opencl-icd, installed for the device tests of tests/run.sh) leaks 200 bytes at
# start-up even when it exposes no device, from frames LSan cannot name (no pattern can suppress
# them). The sanitizer run needs PoCL alone; the device tests on rusticl run in tests/run.sh.
icd=${ARDIFF_SAN_ICD:-/etc/OpenCL/vendors/pocl.icd}
[ -f "$icd" ] || { echo "sanitizer: $icd not found (Debian: apt-get install pocl-opencl-icd)" >&2; exit 1; }
vendors=$(mktemp -d)
cp "$icd" "$vendors/"
export OCL_ICD_VENDORS=$vendors

status=0
(cd "$BUILD" && ctest --output-on-failure -j1 ${EXCLUDE:+-E "$EXCLUDE"} \
   ${ARDIFF_SAN_TESTS:+-R "$ARDIFF_SAN_TESTS"}) || status=1
if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizer: $(ls "$reports" | wc -l) report file(s):" >&2
  for f in "$reports"/*; do echo "---- $f" >&2; cat "$f" >&2; done
  status=1
fi
rm -rf "$reports" "$vendors"
[ $status -eq 0 ] && echo "sanitizer: ctest passed with no ASan/UBSan/LSan report" \
                  || echo "sanitizer: FAILED" >&2
exit $status

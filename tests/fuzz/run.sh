#!/usr/bin/env bash
# run.sh: the libFuzzer harnesses (docs/fuzzing.md). For each harness: replays its committed
# corpus (tests/fuzz/corpus/<name>/: seeds and past crashes, a regression check), then fuzzes
# for SECONDS starting from it. New inputs go to a scratch folder, never into the committed
# corpus. Any crash, leak, sanitizer report or broken property fails the run; the reproducer is
# kept under $FUZZ_ARTIFACTS (default: a temporary folder) and printed in hex. Harnesses run
# FUZZ_JOBS at a time (default: the number of cores), each for SECONDS of wall time.
#   bash tests/fuzz/run.sh BUILD_DIR [SECONDS] [harness ...]   # default 60 s, all harnesses
# BUILD_DIR is a build configured with -DCMAKE_C_COMPILER=clang -DARDIFF_FUZZ=ON; this script
# (re)builds the harnesses in it first, configuring BUILD_DIR when it does not exist yet.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:?usage: run.sh BUILD_DIR [SECONDS] [harness ...]}
SECONDS_EACH=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(safetensors config vocab tokenizer input mbr bpe)

if ! command -v clang >/dev/null; then
  echo "fuzz: clang not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DARDIFF_FUZZ=ON \
    -DARDIFF_WERROR="${ARDIFF_WERROR:-OFF}" -DARDIFF_BUILD_TESTS=OFF -DARDIFF_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD" --target ardiff_fuzz -j"$(nproc)"

ART=${FUZZ_ARTIFACTS:-$(mktemp -d)}
mkdir -p "$ART"
export ARDIFF_FIXTURES="$PWD/tests/fixtures"
# halt_on_error: the first report ends the run (UBSan is fatal anyway: -fno-sanitize-recover)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One harness: replay its corpus, then fuzz; status into $ART/fuzz_NAME.status.
fuzz_one() {
  local h=$1 bin="$BUILD/tests/fuzz/fuzz_$1" seeds="tests/fuzz/corpus/$1" log="$ART/fuzz_$1.log"
  local work status=0
  work=$(mktemp -d)
  "$bin" "$seeds"/* >"$log" 2>&1 || status=$?  # each file once
  if [ $status -eq 0 ]; then
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$ART/$h-" -print_final_stats=1 "$work" "$seeds" >>"$log" 2>&1 || status=$?
  fi
  rm -rf "$work"
  echo $status >"$ART/fuzz_$h.status"
}

# JOBS harnesses at a time (default: one per core), each on its own core for SECONDS.
JOBS=${FUZZ_JOBS:-$(nproc)}
for h in "${HARNESSES[@]}"; do
  [ -x "$BUILD/tests/fuzz/fuzz_$h" ] || { echo "fuzz: $BUILD/tests/fuzz/fuzz_$h missing" >&2; exit 1; }
done
for h in "${HARNESSES[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  echo "== fuzz_$h: replaying $(ls "tests/fuzz/corpus/$h" | wc -l) corpus files, then ${SECONDS_EACH} s"
  fuzz_one "$h" &
done
wait

failed=()
for h in "${HARNESSES[@]}"; do
  log="$ART/fuzz_$h.log"
  status=$(cat "$ART/fuzz_$h.status" 2>/dev/null || echo 1)
  echo "fuzz_$h: exit $status; $(grep -E "^#[0-9]+.*DONE" "$log" | tail -1)"
  if [ "$status" -ne 0 ]; then
    failed+=("$h")
    echo "fuzz_$h FAILED (exit $status); last lines of $log:" >&2
    tail -n 40 "$log" >&2
    for a in "$ART/$h-"*; do
      [ -f "$a" ] || continue
      echo "reproducer $a ($(stat -c %s "$a") bytes), hex:" >&2
      head -c 4096 "$a" | od -An -tx1 -v | tr -d ' \n' | fold -w 128 >&2
      echo >&2
    done
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (artifacts in $ART; docs/fuzzing.md: reproduce and add to the corpus)" >&2
  exit 1
fi
echo "fuzz: ${#HARNESSES[@]} harnesses, ${SECONDS_EACH} s each, no failure"

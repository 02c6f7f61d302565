#!/usr/bin/env bash
# mpi_tests.sh ARDIFF: `ardiff generate` under mpirun (issue 22; docs/mpi.md):
#  - `mpirun -np 2` and `-np 3` on one machine give the one-process output byte for byte: to a
#    file and to standard output, with chunks of one batch and the default, a batch that does not
#    divide the chunk, empty lines, and in jsonl (the timings aside);
#  - a rank that fails (no such device) ends the job: non-zero exit, one line from ardiff naming
#    the rank and the host, the user's file untouched and no temporary file left;
#  - a rank killed (SIGKILL) mid-job: non-zero exit, the user's file untouched, no temporary file.
# When it runs: when the build has MPI (ARDIFF_HAVE_MPI=ON, set by tests/CMakeLists.txt), when
# CI=true, or when Open MPI's mpirun is installed; then a missing MPI or mpirun FAILS the test.
# Otherwise (no MPI anywhere, or -DARDIFF_MPI=OFF) it says so and exits 77, which ctest reports
# as skipped. Needs an OpenCL device (PoCL in CI).
set -u
have_mpi=${ARDIFF_HAVE_MPI:-OFF}
mpi_opt=${ARDIFF_MPI_OPTION:-AUTO}
mpirun=$(command -v mpirun || true)
if [ "$have_mpi" != ON ]; then
  why="this ardiff was built without MPI (ARDIFF_MPI=$mpi_opt)"
  if [ "${CI:-}" = true ]; then
    echo "mpi_tests: FAIL: $why, and CI=true requires it: apt-get install openmpi-bin libopenmpi-dev, then configure again" >&2
    exit 1
  elif [ "$(tr a-z A-Z <<<"$mpi_opt")" != AUTO ]; then
    echo "mpi_tests: skipped: $why" >&2
    exit 77
  elif [ -n "$mpirun" ]; then
    echo "mpi_tests: FAIL: $mpirun is installed but the build found no MPI C library: apt-get install libopenmpi-dev, then configure again (or -DARDIFF_MPI=OFF)" >&2
    exit 1
  fi
  echo "mpi_tests: skipped: $why and no mpirun: apt-get install openmpi-bin libopenmpi-dev (tools/setup.sh does)" >&2
  exit 77
fi
[ -n "$mpirun" ] || { echo "mpi_tests: FAIL: the build has MPI but mpirun is not on PATH (apt-get install openmpi-bin)" >&2; exit 1; }

. "$(dirname "$0")/lib.sh" "$@"
no_tmp() { ! compgen -G "$1.tmp.*" >/dev/null; } # no_tmp OUT: no OUT.tmp.* left
failed() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; } # failed RC: non-zero, and not a timeout
export ARDIFF_CACHE_DIR="$tmp/cache"
# one machine: more ranks than cores, and root in CI containers
mpi=("$mpirun" --oversubscribe)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
run_mpi() { timeout 300 "${mpi[@]}" "$@"; }
# An ASan build (tests/sanitizer): the ranks keep ASan and UBSan but not LeakSanitizer, whose
# reports there are Open MPI's own allocations, in components it unloads at MPI_Finalize (no
# library name for lsan.supp to match), and without ASan's alternate signal stacks, which it
# fails to unmap when a thread ends in an MPI process. The one-process runs keep everything.
if grep -qa __asan_init "$bin"; then
  run_mpi() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}use_sigaltstack=0:detect_leaks=0" timeout 300 "${mpi[@]}" "$@"; }
fi

model=$src/models/commongen
# 21 lines: the examples (8), again with words swapped, an empty line, 4 more
{ cat "$model/examples.txt"; awk '{print $2, $1, $3}' "$model/examples.txt"; echo
  printf 'dog ball play\nwater boat sail\nchild book read\nman guitar play\n'; } >"$tmp/in.txt"
opts=(--steps 3 --candidates 3 --seed 11 -q)

# --- the same output as one process
"$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/one.txt" "${opts[@]}" --batch 2; rc=$?
expect "one process: exit 0 (rc $rc), 21 lines" bash -c '[ $1 -eq 0 ] && [ "$(wc -l <"$2")" = 21 ]' _ $rc "$tmp/one.txt"
run_mpi -np 2 "$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/np2.txt" "${opts[@]}" --batch 2 \
  2>"$tmp/err2"; rc=$?
expect "np 2: exit 0 (rc $rc; $(head -c 300 "$tmp/err2"))" [ $rc -eq 0 ]
expect "np 2: the one-process output byte for byte" cmp -s "$tmp/one.txt" "$tmp/np2.txt"
run_mpi -np 3 "$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/np3.txt" "${opts[@]}" --batch 2 \
  --chunk 2 2>"$tmp/err3"; rc=$?
expect "np 3, chunks of one batch: exit 0 (rc $rc; $(head -c 300 "$tmp/err3"))" [ $rc -eq 0 ]
expect "np 3, chunks of one batch: the one-process output byte for byte" cmp -s "$tmp/one.txt" "$tmp/np3.txt"
expect "np 3: nothing on standard error" [ ! -s "$tmp/err3" ]
run_mpi -np 3 "$bin" generate "$model" "${opts[@]}" --batch 2 <"$tmp/in.txt" >"$tmp/np3-stdout.txt" \
  2>"$tmp/err"; rc=$?
expect "np 3, standard input to standard output: the same bytes (rc $rc)" bash -c '[ $1 -eq 0 ] && cmp -s "$2" "$3"' _ $rc "$tmp/one.txt" "$tmp/np3-stdout.txt"
# a batch of 3 with --chunk 4: chunks of 6, still the one-process batches
"$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/one-b3.txt" "${opts[@]}" --batch 3
run_mpi -np 2 "$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/np2-b3.txt" "${opts[@]}" \
  --batch 3 --chunk 4 2>"$tmp/err"; rc=$?
expect "np 2, batch 3, chunk 4: the one-process output (rc $rc)" bash -c '[ $1 -eq 0 ] && cmp -s "$2" "$3"' _ $rc "$tmp/one-b3.txt" "$tmp/np2-b3.txt"
# jsonl: every field but the timings (which are measured) is the same
notime() { sed -E 's/"timing_ms":\{[^}]*\}//' "$1"; }
"$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/one.jsonl" "${opts[@]}" --batch 2 --format jsonl
run_mpi -np 2 "$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/np2.jsonl" "${opts[@]}" \
  --batch 2 --format jsonl 2>"$tmp/err"; rc=$?
expect "np 2, jsonl: exit 0 (rc $rc), 21 objects with the global index" bash -c '[ $1 -eq 0 ] && [ "$(grep -c "^{\"index\":" "$2")" = 21 ] && grep -q "^{\"index\":20," "$2"' _ $rc "$tmp/np2.jsonl"
expect "np 2, jsonl: the one-process objects, timings aside" bash -c 'cmp -s <(sed -E "s/\"timing_ms\":\{[^}]*\}//" "$1") <(sed -E "s/\"timing_ms\":\{[^}]*\}//" "$2")' _ "$tmp/one.jsonl" "$tmp/np2.jsonl"

# --- a rank that fails: one line naming the rank and the host; the user's file untouched
echo "the user's file" >"$tmp/keep.txt"
cp "$tmp/keep.txt" "$tmp/keep.orig"
run_mpi -np 1 "$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/keep.txt" --force "${opts[@]}" : \
  -np 1 "$bin" generate "$model" -i "$tmp/in.txt" -o "$tmp/keep.txt" --force "${opts[@]}" \
  --device nosuchdevice 2>"$tmp/err"; rc=$?
line=$(grep '^ardiff' "$tmp/err")
expect "failing rank: non-zero exit (rc $rc)" failed $rc
expect "failing rank: one line from ardiff naming rank 1, its host and the reason (got: $line)" bash -c '[ "$(wc -l <<<"$1")" = 1 ] && grep -q "^ardiff generate: rank 1 on $2 failed: .*no device matches '"'"'nosuchdevice'"'"'" <<<"$1"' _ "$line" "$(hostname)"
expect "failing rank: the user's file untouched" cmp -s "$tmp/keep.txt" "$tmp/keep.orig"
expect "failing rank: no temporary file left" no_tmp "$tmp/keep.txt"

# --- a rank killed mid-job: non-zero exit, the user's file untouched, no temporary file
for i in $(seq 30); do cat "$tmp/in.txt"; done >"$tmp/long.txt" # 630 lines
mark=mpi-tests-$$
ARDIFF_TEST_MARK=$mark run_mpi -np 2 "$bin" generate "$model" -i "$tmp/long.txt" -o "$tmp/keep.txt" \
  --force --steps 20 --candidates 4 --batch 2 --chunk 2 2>"$tmp/err" &
job=$!
victim=""
for _ in $(seq 600); do # up to 60 s: rank 1 running and rank 0 writing
  for p in /proc/[0-9]*; do
    env=$(tr '\0' '\n' 2>/dev/null <"$p/environ") || continue
    grep -qx "ARDIFF_TEST_MARK=$mark" <<<"$env" && grep -qx "OMPI_COMM_WORLD_RANK=1" <<<"$env" || continue
    [ "$(cat "$p/comm" 2>/dev/null)" = ardiff ] && victim=${p#/proc/}
  done
  [ -n "$victim" ] && compgen -G "$tmp/keep.txt.tmp.*" >/dev/null &&
    [ -s "$(compgen -G "$tmp/keep.txt.tmp.*" | head -1)" ] && break
  sleep 0.1
done
expect "killed rank: rank 1 found and the output begun" [ -n "$victim" ]
[ -n "$victim" ] && kill -KILL "$victim"
wait $job; rc=$?
expect "killed rank: non-zero exit (rc $rc)" failed $rc
expect "killed rank: the launcher names rank 1 ($(grep -m1 -i 'rank 1' "$tmp/err"))" grep -qi "rank 1 .*signal 9" "$tmp/err"
expect "killed rank: the user's file untouched" cmp -s "$tmp/keep.txt" "$tmp/keep.orig"
expect "killed rank: no temporary file left" no_tmp "$tmp/keep.txt"

summary mpi_tests

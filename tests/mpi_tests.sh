#!/usr/bin/env bash
# mpi_tests.sh ARDIFF: `ardiff generate` under mpirun (issue 22; docs/mpi.md):
#  - `mpirun -np 2` and `-np 3` on one machine give the one-process output byte for byte: to a
#    file and to standard output, with chunks of one batch and the default, a batch that does not
#    divide the chunk, empty lines, and in jsonl (the timings aside);
#  - a rank that fails (no such device) ends the job: non-zero exit, one line from ardiff naming
#    the rank and the host, the user's file untouched and no temporary file left;
#  - chunks on demand: a rank stopped (SIGSTOP) mid-job holds back at most its two chunks while
#    rank 0 goes on; rank 0's --progress line counts every rank's inputs, up to n/n;
#  - without --device, the model's device pool shared out by local rank (two PoCL devices,
#    three ranks: devices 0, 1, 0), the output still the one-process output;
#  - a rank killed (SIGKILL) mid-job: non-zero exit, the launcher's line naming the rank and the
#    host, the user's file untouched, no temporary file.
# When it runs: when the build has MPI (ARDIFF_HAVE_MPI=ON, set by tests/CMakeLists.txt), when
# CI=true, or when Open MPI's mpirun is installed; then a missing MPI or mpirun FAILS the test.
# Otherwise (no MPI anywhere, or -DARDIFF_MPI=OFF) it checks the build without MPI under a
# launcher (alone: as before; one of several: refused, one line, nothing written; ARDIFF_MPI=0:
# alone), then exits 77, which ctest reports as skipped. Needs an OpenCL device (PoCL in CI).
set -u
have_mpi=${ARDIFF_HAVE_MPI:-OFF}
mpi_opt=${ARDIFF_MPI_OPTION:-AUTO}
mpirun=$(command -v mpirun || true)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" "$@"
no_tmp() { ! compgen -G "$1.tmp.*" >/dev/null; } # no_tmp OUT: no OUT.tmp.* left
failed() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; } # failed RC: non-zero, and not a timeout
export ARDIFF_CACHE_DIR="$tmp/cache"
model=$src/models/commongen
opts=(--steps 3 --candidates 3 --seed 11 -q)
host_re="($(hostname)|$(hostname -s))" # the host as MPI names it (Open MPI drops the domain)

if [ "$have_mpi" != ON ]; then
  # A build without MPI runs as before MPI support, except under a launcher that started more
  # than one process: there it refuses (rank 0 one line, exit 1, no output written) instead of
  # running the whole job once per process; ARDIFF_MPI=0 or a launch of one runs the job alone.
  "$bin" generate "$model" -i "$model/examples.txt" -o "$tmp/alone.txt" "${opts[@]}" 2>"$tmp/err0"; rc0=$?
  expect "without MPI, one process: exit 0 (rc $rc0), 8 lines, nothing on stderr" bash -c '[ $1 -eq 0 ] && [ "$(wc -l <"$2")" = 8 ] && [ ! -s "$3" ]' _ $rc0 "$tmp/alone.txt" "$tmp/err0"
  OMPI_COMM_WORLD_SIZE=1 OMPI_COMM_WORLD_RANK=0 "$bin" generate "$model" -i "$model/examples.txt" \
    -o "$tmp/one.txt" "${opts[@]}" 2>"$tmp/err1"; rc1=$?
  expect "without MPI, a launch of one: the one-process output (rc $rc1)" bash -c '[ $1 -eq 0 ] && cmp -s "$2" "$3" && [ ! -s "$4" ]' _ $rc1 "$tmp/alone.txt" "$tmp/one.txt" "$tmp/err1"
  for r in 0 1; do
    OMPI_COMM_WORLD_SIZE=3 OMPI_COMM_WORLD_RANK=$r "$bin" generate "$model" -i "$model/examples.txt" \
      -o "$tmp/r$r.txt" "${opts[@]}" 2>"$tmp/err-r$r"; rc=$?
    expect "without MPI, rank $r of 3: exit 1 (rc $rc), no output file" bash -c '[ $1 -eq 1 ] && [ ! -e "$2" ]' _ $rc "$tmp/r$r.txt"
  done
  expect "without MPI, rank 0 of 3 says why in one line (got: $(head -c 300 "$tmp/err-r0"))" bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -q "built without MPI" "$1"' _ "$tmp/err-r0"
  expect "without MPI, rank 1 of 3 is silent (rank 0 speaks for the job)" [ ! -s "$tmp/err-r1" ]
  PMI_SIZE=2 PMI_RANK=0 ARDIFF_MPI=0 "$bin" generate "$model" -i "$model/examples.txt" \
    -o "$tmp/off.txt" "${opts[@]}" 2>"$tmp/err2"; rc2=$?
  expect "without MPI, ARDIFF_MPI=0 under a launcher of 2: the one-process output (rc $rc2)" bash -c '[ $1 -eq 0 ] && cmp -s "$2" "$3"' _ $rc2 "$tmp/alone.txt" "$tmp/off.txt"
  if [ -n "$mpirun" ]; then # the real launcher: refused, and nothing written over
    launch=("$mpirun" --oversubscribe)
    [ "$(id -u)" = 0 ] && launch+=(--allow-run-as-root)
    cp "$tmp/alone.txt" "$tmp/keep.txt"; echo extra >>"$tmp/keep.txt"; cp "$tmp/keep.txt" "$tmp/keep.orig"
    timeout 300 "${launch[@]}" -np 2 "$bin" generate "$model" -i "$model/examples.txt" -o "$tmp/keep.txt" \
      --force "${opts[@]}" 2>"$tmp/err3"; rc3=$?
    expect "without MPI, mpirun -np 2: non-zero exit (rc $rc3)" bash -c '[ $1 -ne 0 ] && [ $1 -ne 124 ]' _ $rc3
    expect "without MPI, mpirun -np 2: ardiff's one line (got: $(grep '^ardiff' "$tmp/err3" | head -c 300))" bash -c '[ "$(grep -c "^ardiff generate: started as one of 2 MPI processes" "$1")" = 1 ]' _ "$tmp/err3"
    expect "without MPI, mpirun -np 2: the user's file untouched" cmp -s "$tmp/keep.txt" "$tmp/keep.orig"
  fi
  echo "mpi_tests: $pass passed, $fail failed: a build without MPI refuses a launch of several"
  [ "$fail" -eq 0 ] || exit 1
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

# 21 lines: the examples (8), again with words swapped, an empty line, 4 more
{ cat "$model/examples.txt"; awk '{print $2, $1, $3}' "$model/examples.txt"; echo
  printf 'dog ball play\nwater boat sail\nchild book read\nman guitar play\n'; } >"$tmp/in.txt"

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
expect "failing rank: one line from ardiff naming rank 1, its host and the reason (got: $line)" bash -c '[ "$(wc -l <<<"$1")" = 1 ] && grep -Eq "^ardiff generate: rank 1 on $2 failed: .*no device matches '"'"'nosuchdevice'"'"'" <<<"$1"' _ "$line" "$host_re"
expect "failing rank: the user's file untouched" cmp -s "$tmp/keep.txt" "$tmp/keep.orig"
expect "failing rank: no temporary file left" no_tmp "$tmp/keep.txt"

# rank_pid MARK RANK: the pid of the ardiff process of rank RANK of the job started with
# ARDIFF_TEST_MARK=MARK, or nothing
rank_pid() {
  local p env
  for p in /proc/[0-9]*; do
    env=$(tr '\0' '\n' 2>/dev/null <"$p/environ") || continue
    grep -qx "ARDIFF_TEST_MARK=$1" <<<"$env" && grep -qx "OMPI_COMM_WORLD_RANK=$2" <<<"$env" || continue
    [ "$(cat "$p/comm" 2>/dev/null)" = ardiff ] && { echo "${p#/proc/}"; return; }
  done
}
# shown ERR: the last count of rank 0's progress line ("ardiff: D/N inputs, ...") in ERR, or 0
shown() { tr '\r' '\n' <"$1" | sed -nE 's|^ardiff: ([0-9]+)/[0-9]+ inputs.*|\1|p' | tail -1 | grep . || echo 0; }

# --- chunks on demand, and rank 0's progress line over the whole job: rank 1 stopped (SIGSTOP)
# mid-job holds back only the chunk it runs and the one waiting for it; rank 0 goes on with
# every other chunk meanwhile, and its progress line counts them all, then rank 1's, to 42/42
{ cat "$tmp/in.txt"; cat "$tmp/in.txt"; } >"$tmp/in42.txt"
"$bin" generate "$model" -i "$tmp/in42.txt" -o "$tmp/one42.txt" "${opts[@]}" --batch 2
mark=mpi-tests-stall-$$
ARDIFF_TEST_MARK=$mark run_mpi -np 2 "$bin" generate "$model" -i "$tmp/in42.txt" -o "$tmp/stall.txt" \
  --steps 3 --candidates 3 --seed 11 --batch 2 --chunk 2 --progress 2>"$tmp/err" &
job=$!
stalled=""
for _ in $(seq 600); do # up to 60 s: rank 1 running and rank 0 counting
  pid=$(rank_pid "$mark" 1)
  if [ -n "$pid" ] && [ "$(shown "$tmp/err")" -gt 0 ]; then kill -STOP "$pid" && stalled=$pid; break; fi
  sleep 0.1
done
expect "stalled rank: rank 1 found and stopped after the first outputs" [ -n "$stalled" ]
at_stop=$(shown "$tmp/err")
for _ in $(seq 1200); do # up to 120 s for rank 0 to do all the other chunks
  [ "$(shown "$tmp/err")" -ge 38 ] && break
  kill -0 $job 2>/dev/null || break
  sleep 0.1
done
during=$(shown "$tmp/err")
expect "stalled rank: the job waits for rank 1" kill -0 $job
expect "stalled rank: rank 0 went on alone, to all but rank 1's two chunks of 2 (progress $at_stop -> $during of 42)" [ "$during" -ge 38 ]
[ -n "$stalled" ] && kill -CONT "$stalled"
wait $job; rc=$?
expect "stalled rank: exit 0 once resumed (rc $rc; $(tr '\r' '\n' <"$tmp/err" | grep -v '^ardiff: [0-9]*/' | head -c 300))" [ $rc -eq 0 ]
expect "stalled rank: the one-process output byte for byte" cmp -s "$tmp/one42.txt" "$tmp/stall.txt"
expect "stalled rank: the progress line ends at 42/42, then a newline" bash -c '[ "$(tail -c 1 "$1" | od -An -c | tr -d " ")" = "\n" ] && tr "\r" "\n" <"$1" | grep -v "^$" | tail -1 | grep -q "^ardiff: 42/42 inputs"' _ "$tmp/err"

# --- without --device: the model's device pool shared out by local rank (a model.ini naming
# PoCL's two devices; three ranks: the pool's first, second, then first again, 2 mod 2 = 0),
# and still the one-process output
export POCL_DEVICES="pthread pthread"
mapfile -t pool < <(ARDIFF_LOG=info "$bin" devices --device pthread 2>&1 | sed -nE 's/^ardiff: info: using device ([0-9]+): .*/\1/p')
expect "device pool: PoCL lists two devices with POCL_DEVICES='pthread pthread' (got ${pool[*]})" [ ${#pool[@]} -eq 2 ]
mkdir "$tmp/model-pool"
ln -s "$model/model.safetensors" "$model/vocab.txt" "$tmp/model-pool/"
{ cat "$model/model.ini"; echo "device = pthread"; } >"$tmp/model-pool/model.ini" # [generate] is last
tail -n 5 "$model/model.ini" | grep -q '^\[generate\]' || bad "device pool: [generate] is no longer the last section of $model/model.ini"
ARDIFF_LOG=info run_mpi -np 3 "$bin" generate "$tmp/model-pool" -i "$tmp/in.txt" -o "$tmp/pool.txt" \
  "${opts[@]}" --batch 2 --chunk 2 2>"$tmp/err"; rc=$?
unset POCL_DEVICES
expect "device pool: exit 0 (rc $rc)" [ $rc -eq 0 ]
for rd in "0:${pool[0]:-}" "1:${pool[1]:-}" "2:${pool[0]:-}"; do
  expect "device pool: rank ${rd%:*} takes device ${rd#*:} ($(grep -m1 "rank ${rd%:*} on .*pool" "$tmp/err"))" \
    grep -Eq "^ardiff: info: rank ${rd%:*} on $host_re, local rank ${rd%:*} of 3: device\(s\) ${rd#*:} of the default pool$" "$tmp/err"
done
expect "device pool: the one-process output byte for byte" cmp -s "$tmp/one.txt" "$tmp/pool.txt"

# --- a rank killed mid-job: non-zero exit, the user's file untouched, no temporary file
for _ in $(seq 30); do cat "$tmp/in.txt"; done >"$tmp/long.txt" # 630 lines
mark=mpi-tests-kill-$$
ARDIFF_TEST_MARK=$mark run_mpi -np 2 "$bin" generate "$model" -i "$tmp/long.txt" -o "$tmp/keep.txt" \
  --force --steps 20 --candidates 4 --batch 2 --chunk 2 2>"$tmp/err" &
job=$!
victim=""
for _ in $(seq 600); do # up to 60 s: rank 1 running and rank 0 writing
  [ -n "$victim" ] || victim=$(rank_pid "$mark" 1)
  part=$(compgen -G "$tmp/keep.txt.tmp.*" | head -1)
  [ -n "$victim" ] && [ -s "$part" ] && break
  sleep 0.1
done
expect "killed rank: rank 1 found and the output begun" [ -n "$victim" ]
lines_then=$(wc -l 2>/dev/null <"${part:-/dev/null}" || echo 0)
expect "killed rank: killed mid-job (job running, $lines_then of 630 lines written)" bash -c 'kill -0 $1 && [ $2 -lt 630 ]' _ $job "$lines_then"
[ -n "$victim" ] && kill -KILL "$victim"
wait $job; rc=$?
expect "killed rank: non-zero exit (rc $rc)" failed $rc
expect "killed rank: the launcher's line names rank 1 and its host ($(grep -m1 -i 'rank 1' "$tmp/err"))" grep -Eqi "rank 1 .* on (node )?$host_re .*signal 9" "$tmp/err"
expect "killed rank: the user's file untouched" cmp -s "$tmp/keep.txt" "$tmp/keep.orig"
expect "killed rank: no temporary file left" no_tmp "$tmp/keep.txt"

summary mpi_tests

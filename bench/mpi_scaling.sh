#!/usr/bin/env bash
# mpi_scaling.sh: `ardiff generate` in one process and under `mpirun -np 1` and `-np 2` on this
# machine, the same inputs and seed, in one run: prints the machine, the device, each wall time
# (start-up included: every rank loads the model and builds its engine) and the ratios, and
# checks that the three outputs are byte-identical (docs/mpi.md).
#
#   bash bench/mpi_scaling.sh [OUT_FILE] [-- generate options]
#
# Environment: BUILD (build folder with MPI, default build), MODEL (default
# models/commongen), NINPUTS (default 48: the first distinct concept sets of
# ../shared/data/commongen/valid.src, else the model's examples.txt repeated), RANKS (the mpirun
# sizes, default "1 2"), REPS (runs of each, interleaved; default 3), ARDIFF_DEVICE (the device of every rank),
# MPIRUN_OPTS (default "--bind-to none": Open MPI would bind each of 1 or 2 ranks to one core). Without OUT_FILE the report
# goes to standard output only.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=""
if [ $# -ge 1 ] && [ "$1" != "--" ]; then OUT=$1; shift; fi
[ $# -ge 1 ] && [ "$1" = "--" ] && shift
BUILD=${BUILD:-$SRC/build}
BIN=$BUILD/ardiff
MODEL=${MODEL:-$SRC/models/commongen}
NINPUTS=${NINPUTS:-48}
RANKS=${RANKS:-1 2}
REPS=${REPS:-3}
[ -x "$BIN" ] || { echo "mpi_scaling.sh: $BIN not found (cmake --build $BUILD)" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpi_scaling.sh: mpirun not found (apt-get install openmpi-bin)" >&2; exit 1; }
# the listing captured first: `ldd | grep -q` under pipefail fails when grep exits early (SIGPIPE)
libs=$(ldd "$BIN")
grep -q libmpi <<<"$libs" || { echo "mpi_scaling.sh: $BIN was built without MPI (docs/mpi.md)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ardiff-mpi-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
DATA=$SRC/../shared/data/commongen/valid.src
if [ -r "$DATA" ]; then
  awk -v n="$NINPUTS" 'NF && !seen[$0]++ {print; if (++c == n) exit}' "$DATA" >"$TMP/in.txt"
else
  while [ "$(wc -l <"$TMP/in.txt" 2>/dev/null || echo 0)" -lt "$NINPUTS" ]; do cat "$MODEL/examples.txt" >>"$TMP/in.txt"; done
  head -n "$NINPUTS" "$TMP/in.txt" >"$TMP/in2.txt" && mv "$TMP/in2.txt" "$TMP/in.txt"
fi
n=$(wc -l <"$TMP/in.txt")
# Open MPI binds each rank to one core when it starts 2 or fewer (--bind-to core): a rank whose
# device is the CPU (PoCL) would then compute on one core. MPIRUN_OPTS (default --bind-to none)
read -r -a mpi_opts <<<"${MPIRUN_OPTS---bind-to none}"
mpi=(mpirun --oversubscribe "${mpi_opts[@]}")
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)

report() { if [ -n "$OUT" ]; then tee -a "$OUT"; else cat; fi; }
[ -n "$OUT" ] && mkdir -p "$(dirname "$OUT")" && : >"$OUT"
dev=$("$BIN" devices ${ARDIFF_DEVICE:+--device "$ARDIFF_DEVICE"} 2>&1 | head -1)
drv=$("$BIN" devices ${ARDIFF_DEVICE:+--device "$ARDIFF_DEVICE"} 2>&1 | grep -m1 -E '^ +driver' | tr -s ' ' | sed 's/^ //')
{
  echo "# ardiff generate over MPI ranks: bench/mpi_scaling.sh $*"
  echo "# date $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$SRC" diff --quiet 2>/dev/null || echo ' (working tree modified)')"
  echo "# machine: $(hostname), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# device (every rank): $dev; $drv"
  echo "# $(mpirun --version 2>&1 | head -1); launcher options: ${mpi[*]:1}"
  echo "# model $(basename "$MODEL"), $n inputs, options: $* (model defaults otherwise); program cache warm; $REPS runs each, interleaved"
} | report

ARDIFF_LOG=error "$BIN" generate "$MODEL" -i "$MODEL/examples.txt" --steps 1 -q "$@" >/dev/null # warm the cache
now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
median() { tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# one run of configuration $1 ("one" or a rank count): its wall time in seconds
timed() {
  local t0 t1
  t0=$(now)
  if [ "$1" = one ]; then "$BIN" generate "$MODEL" -i "$TMP/in.txt" -o "$TMP/$1.txt" --force -q "${opts[@]}"
  else "${mpi[@]}" -np "$1" "$BIN" generate "$MODEL" -i "$TMP/in.txt" -o "$TMP/$1.txt" --force -q "${opts[@]}"; fi
  t1=$(now)
  calc "$t1 - $t0"
}
opts=("$@")
declare -A times
for rep in $(seq "$REPS"); do # interleaved, so that a change in the machine's load hits all alike
  for c in one $RANKS; do times[$c]="${times[$c]:-} $(timed "$c")"; done
done
declare -A med
for c in one $RANKS; do
  med[$c]=$(median <<<"${times[$c]# }")
  if [ "$c" = one ]; then label="one process"; same=""
  else
    label="mpirun -np $c"
    same=$(cmp -s "$TMP/one.txt" "$TMP/$c.txt" && echo "  output identical to one process" || echo "  output DIFFERENT")
  fi
  printf '%-16s median %7.2f s  %6.2f sentences/s  (runs:%s s)%s\n' "$label" "${med[$c]}" \
    "$(calc "$n / ${med[$c]}")" "${times[$c]}" "$same" | report
done
first=${RANKS%% *}
for np in $RANKS; do
  [ "$np" = "$first" ] && continue
  printf 'ratio of medians: -np %s is %.2fx as fast as -np %s, %.2fx as fast as one process\n' "$np" \
    "$(calc "${med[$first]} / ${med[$np]}")" "$first" "$(calc "${med[one]} / ${med[$np]}")" | report
done

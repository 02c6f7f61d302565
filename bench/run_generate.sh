#!/bin/sh
# run_generate.sh: the end-to-end generation benchmark, ardiff against the PyTorch reference.
#
#   bench/run_generate.sh OUT_FILE [INPUTS] [-- ardiff_bench_generate options]
#
# Builds a random-weight model at the official CommonGen size (python3 -m
# ardiff_ref.make_bench_model, ~40 MB) in a temporary folder, takes the inputs (default: the
# first 16 distinct concept sets of ../shared/data/commongen/valid.src), runs
# `ardiff_bench_generate MODEL --inputs FILE --ref [options]` and tees its output to OUT_FILE.
# Environment: BUILD (build folder, default build), PYTHON (default /usr/bin/python3),
# NINPUTS (default 16), ARDIFF_DEVICE (device selection). Works on any OpenCL device.
set -eu

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac
OUT=$1; shift
INPUTS=""
if [ $# -ge 1 ] && [ "$1" != "--" ]; then INPUTS=$1; shift; fi
[ $# -ge 1 ] && [ "$1" = "--" ] && shift

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
PYTHON=${PYTHON:-/usr/bin/python3}
NINPUTS=${NINPUTS:-16}
BIN=$BUILD/bench/ardiff_bench_generate
[ -x "$BIN" ] || { echo "run_generate.sh: $BIN not found (cmake --build $BUILD)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ardiff-bench-gen.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

if [ -z "$INPUTS" ]; then
    DATA=$SRC/../shared/data/commongen/valid.src
    [ -r "$DATA" ] || { echo "run_generate.sh: no inputs given and $DATA not found" >&2; exit 1; }
    INPUTS=$TMP/inputs.txt
    awk 'NF && !seen[$0]++' "$DATA" | head -n "$NINPUTS" > "$INPUTS"
fi

(cd "$SRC/tools" && "$PYTHON" -m ardiff_ref.make_bench_model "$TMP/model" --size commongen)

mkdir -p "$(dirname "$OUT")"
# the pipeline's status is tee's: keep the program's in a file
{ "$BIN" "$TMP/model" --inputs "$INPUTS" --ref --python "$PYTHON" "$@"; echo $? > "$TMP/rc"; } \
    2>&1 | tee "$OUT"
{
    echo "# command: bench/run_generate.sh $OUT${INPUTS:+ (inputs: $(wc -l < "$INPUTS") lines)} $*"
    echo "# machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
} | tee -a "$OUT"
exit "$(cat "$TMP/rc")"

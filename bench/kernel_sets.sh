#!/bin/sh
# kernel_sets.sh MODEL_DIR INPUTS [ardiff generate options]: end-to-end generation under each
# kernel set (ARDIFF_KERNELS=gpu, then cpu) on the same device in the same run, with the
# per-kernel device-time profile of each (ARDIFF_PROFILE=1) and whether the outputs agree.
# Prints the header (commit, device), then per set: wall seconds, the batch timings ardiff reports
# and the profile table. Environment: BUILD (default build), ARDIFF_DEVICE.
set -eu
[ $# -ge 2 ] || { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
MODEL=$1; INPUTS=$2; shift 2
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BUILD:-$SRC/build}/ardiff
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "# kernel_sets.sh $MODEL $INPUTS $*; $("$BIN" --version); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# host: $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
"$BIN" generate "$MODEL" -i "$INPUTS" -o "$TMP/warm.txt" -q "$@"   # fills the program cache
for set in gpu cpu; do
  t0=$(date +%s.%N)
  ARDIFF_KERNELS=$set "$BIN" generate "$MODEL" -i "$INPUTS" -o "$TMP/$set.jsonl" --format jsonl -q "$@"
  t1=$(date +%s.%N)
  echo "## kernel set $set: $(python3 -c "print(round($t1 - $t0, 2))") s wall (process, warm cache)"
  python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; t={}
for x in r:
    for k,v in x["timing_ms"].items(): t.setdefault(k,set()).add(v)
print("  batch timings (ms, summed over batches):", {k: round(sum(v),1) for k,v in t.items() if k!="batch_inputs"})' "$TMP/$set.jsonl"
  ARDIFF_PROFILE=1 ARDIFF_KERNELS=$set "$BIN" generate "$MODEL" -i "$INPUTS" -o "$TMP/p$set.txt" -q "$@" 2>&1 | sed 's/^/  /'
done
python3 -c 'import json,sys; a=[json.loads(l)["candidates"] for l in open(sys.argv[1])]; b=[json.loads(l)["candidates"] for l in open(sys.argv[2])]
same=sum(x==y for x,y in zip(a,b)); print(f"# candidates identical under both sets for {same}/{len(a)} inputs (sums are ordered differently: near ties may flip)")' "$TMP/gpu.jsonl" "$TMP/cpu.jsonl"

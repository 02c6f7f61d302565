#!/bin/bash
# batch_sweep.sh MODEL_DIR INPUTS [ardiff generate options]: `ardiff generate --batch B` for
# B in BATCHES (default "1 4 8 16 32") at k in KS (default "1 10"), one process each, printing
# the throughput line `ardiff generate --progress` ends with (sentences/s, tokens/s; start-up
# excluded) and whether the outputs equal those of --batch 1. Each (k, B) runs REPS times
# (default 2) interleaved over B, so the machine's load falls on every B alike. Environment:
# BUILD (default build), ARDIFF_DEVICE.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
MODEL=$1; INPUTS=$2; shift 2
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BUILD:-$SRC/build}/ardiff
BATCHES=${BATCHES:-1 4 8 16 32}; KS=${KS:-1 10}; REPS=${REPS:-2}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "# batch_sweep.sh $MODEL $INPUTS $*; $("$BIN" --version); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc); load average at the start: $(cat /proc/loadavg)"
echo "# inputs: $(wc -l < "$INPUTS") lines; devices: $("$BIN" devices | sed -n 's/^\[\([0-9]*\)\] /[\1] /p' | tr '\n' ' ')"
"$BIN" generate "$MODEL" -i "$INPUTS" -o "$TMP/warm.txt" -q "$@" # fills the program cache
for k in $KS; do
  for r in $(seq "$REPS"); do
    for b in $BATCHES; do
      "$BIN" generate "$MODEL" -i "$INPUTS" -o "$TMP/k$k-b$b.txt" --force --candidates "$k" \
          --batch "$b" --progress "$@" 2> "$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
      same=$(cmp -s "$TMP/k$k-b$b.txt" "$TMP/k$k-b1.txt" && echo same || echo DIFFERENT)
      printf 'k=%-3s batch=%-3s rep %s: %s (outputs vs batch 1: %s)\n' "$k" "$b" "$r" \
          "$(tail -n 1 "$TMP/err" | sed 's/^ardiff: //')" "$same"
    done
  done
done
echo "# load average at the end: $(cat /proc/loadavg)"

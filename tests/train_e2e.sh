#!/usr/bin/env bash
# Trainer and sampler agree (tools/ardiff_ref/e2e_train.py): for each training schedule, train a
# small model until it memorises 24 pairs, export it, and require `ardiff generate` (and the
# PyTorch reference) to regenerate the targets from noise.
#   bash tests/train_e2e.sh ARDIFF_BINARY SOURCE_DIR
set -euo pipefail
ARDIFF=$1
SRC=$2
PY=${PYTHON:-/usr/bin/python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$SRC/tools"
status=0
for sched in xy_uniform uniform; do
  d=$WORK/$sched
  "$PY" -m ardiff_ref.e2e_train make "$d" "$sched" > "$d.train.log" 2>&1 ||
    { echo "train_e2e: training ($sched) failed:"; tail -n 20 "$d.train.log"; exit 1; }
  tail -n 1 "$d.train.log" | sed "s/^/train_e2e ($sched): /"
  "$PY" -c 'from ardiff_ref.e2e_train import pairs; print("\n".join(pairs()[0]))' > "$d/sources.txt"
  "$ARDIFF" generate "$d/model" -i "$d/sources.txt" -o "$d/out.txt" --candidates 1 --steps 20 -q
  "$PY" -m ardiff_ref.e2e_train check "$d" "$d/out.txt" || status=1
done
exit $status

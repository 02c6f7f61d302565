#!/usr/bin/env bash
# Multi30k De->En: AR-Diffusion and uniform baseline side by side, 1 thread each, same steps.
# Run as recorded: both runs were stopped (killed) right after the step-1,200 checkpoint
# (studies/claim-multi30k/README.md), i.e. equal steps; then export_and_study.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
. "$HERE/model_args.sh"
COMMON=("${MODEL_ARGS[@]}" --log_interval 50 --save_interval 300 --threads 1 --max_minutes 100 --resume auto)
for s in xy_uniform uniform; do
  name=ar; [ $s = uniform ] && name=uniform
  /usr/bin/python3 -u -m ardiff_ref.train "${COMMON[@]}" --schedule $s --out_dir ../.train/m30k-$name \
    > ../.train/m30k-$name.log 2>&1 &
done
wait

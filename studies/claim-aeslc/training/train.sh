#!/usr/bin/env bash
# AESLC (email body -> subject): AR-Diffusion and uniform baseline side by side, 1 thread each,
# the same 1,000 steps of batch 64 (--total_steps in model_args.sh); then export_and_study.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
. "$HERE/model_args.sh"
COMMON=("${MODEL_ARGS[@]}" --log_interval 50 --save_interval 250 --threads 1 --resume auto)
mkdir -p ../.train
for s in xy_uniform uniform; do
  name=ar; [ $s = uniform ] && name=uniform
  /usr/bin/python3 -u -m ardiff_ref.train "${COMMON[@]}" --schedule $s --out_dir ../.train/aeslc-$name \
    > ../.train/aeslc-$name.log 2>&1 &
done
wait

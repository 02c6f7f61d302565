#!/usr/bin/env bash
# The uniform-timestep (GENIE-style) twin of studies/models/multi30k-small-long, for the claim at 4,200
# steps: the step-1,200 uniform checkpoint of ../../claim-multi30k (.train/m30k-uniform/
# checkpoint.pt, same model, data order and budget as the AR side) continued to step 4,200 with
# exactly the continuation flags of ../../multi30k-small-long-valid/training/train_long.sh
# (CE backward `flush`, linear lr decay to 0 at step 4,200); only --schedule differs.
# As run (2026-11-29): steps 1,200-2,000 with one thread, sharing the 2-core VM (15:50-16:29),
# then killed after the step-2,000 checkpoint and rerun (it resumes from ../.train/m30k-uniform-long
# when that has a checkpoint) with THREADS=2, alone. The AR side ran with two threads throughout:
# same recipe and data order; float sums may differ in the last bits with the thread count.
# Run from anywhere; writes ../.train/m30k-uniform-long and studies/models/multi30k-small-long-uniform.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
. ../studies/claim-multi30k/training/model_args.sh
LONG=("${MODEL_ARGS[@]}" --ce_grad flush --total_steps 4200 --lr_schedule linear --schedule uniform)
START=../.train/m30k-uniform-long/checkpoint.pt
[ -f $START ] || START=../.train/m30k-uniform/checkpoint.pt
/usr/bin/python3 -u -m ardiff_ref.train "${LONG[@]}" --threads ${THREADS:-1} --log_interval 50 \
  --save_interval 500 --resume $START \
  --out_dir ../.train/m30k-uniform-long --export_dtype f16 2>> ../.train/m30k-uniform-long.log
/usr/bin/python3 -m ardiff_ref.train "${LONG[@]}" --threads 1 \
  --resume ../.train/m30k-uniform-long/checkpoint.pt --out_dir ../.train/m30k-uniform-long \
  --export_only --export ../studies/models/multi30k-small-long-uniform --export_dtype f16 --gen_case sentence

#!/usr/bin/env bash
# studies/models/multi30k-small-long: the Multi30k AR-Diffusion run of ../../claim-multi30k (step 1,200,
# its checkpoint .train/m30k-ar/checkpoint.pt from ../../claim-multi30k/training/train.sh)
# continued to step 4,200 on the same 2-core CPU, alone, 2 threads: same flags, except the
# CE backward `flush` (the trainer's default since 2026-11-29, 1.33x faster) and a linear
# decay of the lr to 0 at step 4,200 (HF linear schedule after the 150 warm-up steps:
# lr(s) = 1e-3 * (4200 - s) / 4050, 7.4e-4 at the first continued step, 1,200). Then exported
# with sentence case, as fp16.
# Run from anywhere; writes ../.train/m30k-long (checkpoints, metrics) and the model directory.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
. ../studies/claim-multi30k/training/model_args.sh
LONG=("${MODEL_ARGS[@]}" --ce_grad flush --total_steps 4200 --lr_schedule linear --schedule xy_uniform)
/usr/bin/python3 -u -m ardiff_ref.train "${LONG[@]}" --threads 2 --log_interval 50 \
  --save_interval 500 --resume ../.train/m30k-ar/checkpoint.pt --out_dir ../.train/m30k-long \
  --export_dtype f16 2> ../.train/m30k-long.log
/usr/bin/python3 -m ardiff_ref.train "${LONG[@]}" --threads 1 --resume ../.train/m30k-long/checkpoint.pt \
  --out_dir ../.train/m30k-long --export_only --export ../studies/models/multi30k-small-long \
  --export_dtype f16 --gen_case sentence

#!/usr/bin/env bash
# studies/models/commongen-small-long: studies/models/commongen-small's GPU run (tools/gpu_train_commongen.sh,
# step 1,875 of batch 256) continued on the 2-core CPU for 2,250 steps of batch 64, one thread.
# Warm start (--init_from): the GPU run's f32 EMA export (.train/gpu/ar-model; only its fp16
# copy, studies/models/commongen-small, is committed: INIT=../studies/models/commongen-small starts from that,
# equal up to fp16 rounding). New optimizer, 100 warm-up steps, constant lr 1e-3, seed 202.
# Ran as two pieces (killed at a checkpoint, rerun with --resume auto; the data order continues):
# 2026-11-29 13:40-15:41 and 15:49-15:57, 69 min of training in all, 0.54 steps/s.
# Run from anywhere; writes ../.train/cg-cont (checkpoints, metrics) and the model directory.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
ARGS=(--data ../../shared/data/commongen --vocab ../studies/models/commongen-small/vocab.txt
  --intermediate_size 512 --num_attention_heads 8 --in_channels 64 --tgt_len 24 --max_pos_len 32
  --encoder_layers 3 --decoder_layers 3 --batch_size 64 --lr 1e-3 --warmup_steps 100
  --total_steps 100000 --lr_schedule constant --ema_rate 0.999 --dropout 0.1 --att_dropout 0.1
  --schedule xy_uniform --seed 202)
/usr/bin/python3 -u -m ardiff_ref.train "${ARGS[@]}" --threads ${THREADS:-1} --log_interval 50 \
  --save_interval 250 --stop_at 2250 --resume auto --init_from ${INIT:-../.train/gpu/ar-model} \
  --out_dir ../.train/cg-cont --export_dtype f16 2>> ../.train/cg-cont.log
/usr/bin/python3 -m ardiff_ref.train "${ARGS[@]}" --threads 1 --resume ../.train/cg-cont/checkpoint.pt \
  --out_dir ../.train/cg-cont --export_only --export ../studies/models/commongen-small-long --export_dtype f16

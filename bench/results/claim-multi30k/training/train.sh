#!/usr/bin/env bash
# Multi30k De->En: AR-Diffusion and uniform baseline side by side, 1 thread each, same steps.
# Run as recorded: both runs were stopped (killed) right after the step-1,200 checkpoint
# (bench/results/claim-multi30k/README.md), i.e. equal steps; then export_and_study.sh.
set -u
cd "$(dirname "$0")/../../../../tools"
M=../../shared/data/multi30k-de-en
COMMON=(--data $M --vocab ../models/multi30k-small/vocab.txt --intermediate_size 512
  --num_attention_heads 8 --in_channels 64 --tgt_len 32 --max_pos_len 64 --encoder_layers 3
  --decoder_layers 3 --batch_size 64 --lr 1e-3 --warmup_steps 150 --total_steps 1800
  --lr_schedule constant --ema_rate 0.999 --dropout 0.1 --att_dropout 0.1 --src_emb_init tgt
  --log_interval 50 --save_interval 300 --threads 1 --max_minutes 100 --resume auto)
for s in xy_uniform uniform; do
  name=ar; [ $s = uniform ] && name=uniform
  /usr/bin/python3 -u -m ardiff_ref.train "${COMMON[@]}" --schedule $s --out_dir ../.train/m30k-$name \
    > ../.train/m30k-$name.log 2>&1 &
done
wait

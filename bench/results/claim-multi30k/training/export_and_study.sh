#!/usr/bin/env bash
# After both Multi30k runs saved step STEP: export (fp16, case sentence), then the study.
# Exports the step-1,200 checkpoints (fp16, [generate] case = sentence) and runs the study.
set -eu
cd "$(dirname "$0")/../../../../tools"
M=../../shared/data/multi30k-de-en
COMMON=(--data $M --vocab ../models/multi30k-small/vocab.txt --intermediate_size 512
  --num_attention_heads 8 --in_channels 64 --tgt_len 32 --max_pos_len 64 --encoder_layers 3
  --decoder_layers 3 --batch_size 64 --lr 1e-3 --warmup_steps 150 --total_steps 1800
  --lr_schedule constant --ema_rate 0.999 --dropout 0.1 --att_dropout 0.1 --src_emb_init tgt
  --threads 2 --gen_case sentence --export_only --export_dtype f16)
for name in ar uniform; do
  s=xy_uniform; dir=../models/multi30k-small
  [ $name = uniform ] && { s=uniform; dir=../models/multi30k-small-uniform; }
  /usr/bin/python3 -m ardiff_ref.train "${COMMON[@]}" --schedule $s --out_dir ../.train/m30k-$name \
    --resume ../.train/m30k-$name/checkpoint.pt --export $dir
done
../build/pyenv/bin/python -m ardiff_ref.study --ar-model ../models/multi30k-small \
  --uniform-model ../models/multi30k-small-uniform --task multi30k \
  --out ../bench/results/claim-multi30k --limit 50 --batch 50 --max-passes 2000

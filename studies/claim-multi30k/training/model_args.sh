# The Multi30k model and recipe flags, shared by train.sh and export_and_study.sh (sourced, from
# tools/). Both models use them; only --schedule differs. --ce_grad torch: the CE backward these
# models were trained with (the trainer's default became `flush` later, 2026-11-29).
M=../../shared/data/multi30k-de-en
MODEL_ARGS=(--data $M --vocab ../studies/models/multi30k-small/vocab.txt --intermediate_size 512
  --num_attention_heads 8 --in_channels 64 --tgt_len 32 --max_pos_len 64 --encoder_layers 3
  --decoder_layers 3 --batch_size 64 --lr 1e-3 --warmup_steps 150 --total_steps 1800
  --lr_schedule constant --ema_rate 0.999 --dropout 0.1 --att_dropout 0.1 --src_emb_init tgt
  --ce_grad torch)

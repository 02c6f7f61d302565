#!/usr/bin/env bash
# Train the CommonGen AR-Diffusion model and its uniform-timestep (GENIE-style) baseline side by
# side on one CUDA GPU, same architecture, same data order, same wall-clock budget, and export
# both as ardiff model directories. Written for the lent H200 (device tool): run from the repo
# root, results under $OUT (default .gpu/out). Kept as the exact command that made the bundled
# models; for new runs of any task use tools/gpu_train.sh.
#   bash tools/gpu_train_commongen.sh [MINUTES]     (default 1.6)
set -u
MIN=${1:-1.6}
OUT=${OUT:-.gpu/out}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
ROOT=$(pwd)
DATA=$ROOT/../shared/data/commongen
[ -f "$DATA/train.src" ] || DATA=$ROOT/.gpu/data/commongen     # carried when ../shared is absent
[ -f "$DATA/train.src" ] || { echo "gpu_train: no CommonGen train split found" >&2; exit 1; }
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/machine.txt"
python3 -c 'import torch; print("torch", torch.__version__)' | tee -a "$OUT/machine.txt"
COMMON=(--data "$DATA" --vocab "$ROOT/studies/models/commongen-small/vocab.txt" --device cuda
  --intermediate_size 512 --num_attention_heads 8 --in_channels 64 --tgt_len 24 --max_pos_len 32
  --encoder_layers 3 --decoder_layers 3 --batch_size 256 --lr 1e-3 --warmup_steps 300
  --total_steps 100000 --lr_schedule constant --ema_rate 0.999 --dropout 0.1 --att_dropout 0.1
  --src_emb_init tgt --log_interval 200 --save_interval 1000000 --max_minutes "$MIN"
  --ce_grad torch)   # the CE backward of the bundled models (the trainer's default is now flush)
cd tools
for s in xy_uniform uniform; do
  name=ar; [ $s = uniform ] && name=uniform
  python3 -m ardiff_ref.train "${COMMON[@]}" --schedule $s --out_dir /tmp/run-$name \
      --export "$OUT/$name-model" > "$OUT/$name.log" 2>&1 &
done
wait
tail -n 3 "$OUT"/*.log
ls -la "$OUT"/*-model

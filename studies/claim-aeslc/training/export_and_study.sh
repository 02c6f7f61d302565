#!/usr/bin/env bash
# Exports the step-1,000 checkpoints (fp16) and runs the study (every row) on the first 50 valid
# emails.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
. "$HERE/model_args.sh"
COMMON=("${MODEL_ARGS[@]}" --threads 2 --export_only --export_dtype f16)
for name in ar uniform; do
  s=xy_uniform; dir=../studies/models/aeslc-small
  [ $name = uniform ] && { s=uniform; dir=../studies/models/aeslc-small-uniform; }
  /usr/bin/python3 -m ardiff_ref.train "${COMMON[@]}" --schedule $s --out_dir ../.train/aeslc-$name \
    --resume ../.train/aeslc-$name/checkpoint.pt --export $dir
done
../build/pyenv/bin/python -m ardiff_ref.study --ar-model ../studies/models/aeslc-small \
  --uniform-model ../studies/models/aeslc-small-uniform --task aeslc \
  --out ../studies/claim-aeslc --limit 50 --batch 50
# (the first run had --max-passes 2000; the folder's table is the whole grid since 2026-11-29)

#!/usr/bin/env bash
# Exports the step-1,200 checkpoints (fp16, [generate] case = sentence) and runs the study.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
. "$HERE/model_args.sh"
COMMON=("${MODEL_ARGS[@]}" --threads 2 --gen_case sentence --export_only --export_dtype f16)
for name in ar uniform; do
  s=xy_uniform; dir=../studies/models/multi30k-small
  [ $name = uniform ] && { s=uniform; dir=../studies/models/multi30k-small-uniform; }
  /usr/bin/python3 -m ardiff_ref.train "${COMMON[@]}" --schedule $s --out_dir ../.train/m30k-$name \
    --resume ../.train/m30k-$name/checkpoint.pt --export $dir
done
../build/pyenv/bin/python -m ardiff_ref.study --ar-model ../studies/models/multi30k-small \
  --uniform-model ../studies/models/multi30k-small-uniform --task multi30k \
  --out ../studies/claim-multi30k --limit 50 --batch 50 --max-passes 2000

#!/usr/bin/env bash
# The study of ../../claim-multi30k rerun unchanged on the two 4,200-step models:
# studies/models/multi30k-small-long (AR, ../../multi30k-small-long-valid/training/train_long.sh) and
# studies/models/multi30k-small-long-uniform (train_long_uniform.sh here). Nothing else ran on the VM.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
../build/pyenv/bin/python -m ardiff_ref.study --ar-model ../studies/models/multi30k-small-long \
  --uniform-model ../studies/models/multi30k-small-long-uniform --task multi30k \
  --out ../studies/claim-multi30k-long --limit 50 --batch 50 --max-passes 2000

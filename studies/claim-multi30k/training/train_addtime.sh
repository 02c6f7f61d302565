#!/usr/bin/env bash
# Multi30k De->En, additive time (official --time_att false, GENIE's time conditioning): the
# AR-Diffusion and the uniform model side by side, 1 thread each, exactly the recipe of train.sh
# (model_args.sh) otherwise, stopped at step 1,200 like the time_att=true pair; then exported
# (fp16, [generate] case = sentence) to studies/models/multi30k-small-addtime{,-uniform}.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../../tools"
. "$HERE/model_args.sh"
COMMON=("${MODEL_ARGS[@]}" --time_att false --stop_at 1200 --log_interval 50 --save_interval 300
  --threads 1 --resume auto --gen_case sentence --export_dtype f16)
for name in ar uniform; do
  s=xy_uniform; dir=../studies/models/multi30k-small-addtime
  [ $name = uniform ] && { s=uniform; dir=../studies/models/multi30k-small-addtime-uniform; }
  /usr/bin/python3 -u -m ardiff_ref.train "${COMMON[@]}" --schedule $s \
    --out_dir ../.train/m30k-addtime-$name --export $dir > ../.train/m30k-addtime-$name.log 2>&1 &
done
wait

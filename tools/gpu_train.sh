#!/usr/bin/env bash
# Train, on one CUDA GPU, the AR-Diffusion model and its uniform-timestep (GENIE-style) baseline
# for each TASK given: both schedules side by side, same architecture, data order and wall clock
# (every run of every task at once), each exported as an ardiff model directory (fp16 weights).
# Written as the one prepared call for a lent GPU machine (the device tool): run from the repo
# root. The GPU machine has no ../shared: carry copies of the train splits (nothing else is read)
# under .gpu/data/ (ignored by git), gzip-compressed (the trainer reads train.src.gz and
# train.tgt.gz as it is), with carry [".gpu/data"] (about 5.6 MiB; the working tree and the
# carried paths must stay under the device tool's 64 MiB, and the repository is about 63 MiB, so
# send the tree without model weights: `bash tools/device_tree_size.sh .gpu/data` checks, and its
# header gives the commands):
#   for d in commongen multi30k-de-en aeslc; do mkdir -p .gpu/data/$d
#     for s in src tgt; do f=../shared/data/$d/train.$s
#       if [ -f $f ]; then gzip -9 -n -c $f > .gpu/data/$d/train.$s.gz; else cp $f.gz .gpu/data/$d/; fi
#   done; done
#
#   OUT=.gpu/out bash tools/gpu_train.sh MINUTES TASK...     TASK: the registry's (tools/ardiff_ref/tasks.py)
#
# RUNS (default "ar uniform uniform-addtime") names the models trained per task: ar (AR-Diffusion,
# official time_att), uniform (the same architecture with the uniform schedule: it cannot see its
# timestep, docs/model-format.md), uniform-addtime and ar-addtime (--time_att false: time added
# to the decoder input, GENIE's way).
# Results: $OUT/machine.txt and one archive, TASK/NAME-model/, TASK/NAME.log and
# TASK/NAME-metrics.jsonl per task and run, cut into $OUT/results.tar.gz.part-aa, -ab, ... of
# 15 MiB (the device tool returns at most 8 files of 16 MiB, 64 MiB in all; 3 tasks x 3 runs of
# these sizes make about 50 MiB). Unpack with `cat results.tar.gz.part-* | tar -xzf -` and move
# TASK/ar-model to studies/models/TASK-small, TASK/uniform-model to studies/models/TASK-small-uniform,
# TASK/X-addtime-model to studies/models/TASK-small-addtime[-uniform]. The flags are the task
# registry's recipe (tools/ardiff_ref/tasks.py through tools/gpu_recipe.sh, shared with
# tools/gpu_continue.sh: the CPU recipes' of studies/claim-*/training/ with 300 warm-up steps) with
# batch $BATCH (default 256); CommonGen's are those of the bundled model's start
# (studies/models/commongen-small/README.md), plus --tf32 (TF32=0 leaves it out: the bundled
# models were trained without it). machine.txt ends with the GPU's utilization every 20 s.
# DEVICE=cpu runs the same on the CPU (a smoke test).
set -u
ROOT=$(pwd)
[ -f "$ROOT/tools/ardiff_ref/train.py" ] || { echo "gpu_train: run from the repository root" >&2; exit 2; }
. "$ROOT/tools/gpu_recipe.sh"     # task -> data folder, vocabulary, flags (the task registry)
usage() { echo "usage: OUT=DIR bash tools/gpu_train.sh MINUTES TASK...  (TASK: $GPU_RECIPE_TASKS)" >&2; exit 2; }
[ $# -ge 2 ] || usage
MIN=$1; shift
[[ $MIN =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "gpu_train: MINUTES must be a number, got '$MIN'" >&2; exit 2; }
OUT=${OUT:-.gpu/out}
DEVICE=${DEVICE:-cuda}
BATCH=${BATCH:-256}
RUNS=${RUNS:-ar uniform uniform-addtime}
TF32=${TF32:-1}     # 1: fp32 matrix products on TF32 tensor cores (trainer --tf32; CUDA only)
[ -n "${RUNS// /}" ] || { echo "gpu_train: RUNS is empty (ar uniform ar-addtime uniform-addtime)" >&2; exit 2; }
for r in $RUNS; do
  case $r in ar|uniform|ar-addtime|uniform-addtime) ;;
    *) echo "gpu_train: unknown run '$r' in RUNS (ar uniform ar-addtime uniform-addtime)" >&2; exit 2 ;;
  esac
done
PY=python3
[ "$DEVICE" = cpu ] && [ -x /usr/bin/python3 ] && PY=/usr/bin/python3   # Debian's torch

task_args() {
  gpu_recipe gpu_train "$1" "$BATCH" || exit 2
  ARGS=("${RECIPE[@]}")
  DATA=$ROOT/../shared/data/$DIR
  [ -d "$DATA" ] || DATA=$ROOT/.gpu/data/$DIR
  [ -f "$DATA/train.tgt" ] || [ -f "$DATA/train.tgt.gz" ] || { echo "gpu_train: no $DIR train split in ../shared/data or .gpu/data" >&2; exit 1; }
  [ -f "$ROOT/$VOCAB" ] || { echo "gpu_train: $VOCAB missing" >&2; exit 1; }
}
for t in "$@"; do task_args "$t"; done     # check every task before starting any run

mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
export PYTHONUNBUFFERED=1
{ [ "$DEVICE" = cuda ] && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  "$PY" -c 'import torch; print("torch", torch.__version__)'
  echo "minutes $MIN, batch $BATCH, device $DEVICE, tasks $*, runs $RUNS, tf32 $TF32"; } | tee "$OUT/machine.txt"
UTIL_PID=
if [ "$DEVICE" = cuda ]; then   # GPU load every 20 s: tells the next lease whether the runs were GPU-bound
  nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -l 20 \
    > "$WORK/gpu-util.txt" 2>&1 & UTIL_PID=$!
fi
cd "$ROOT/tools"
for t in "$@"; do
  task_args "$t"
  mkdir -p "$WORK/$t"
  for name in $RUNS; do
    s=xy_uniform; [ "${name%-addtime}" = uniform ] && s=uniform
    extra=(); [ "$DEVICE" = cpu ] && extra=(--threads 1)
    [ "$DEVICE" != cpu ] && [ "$TF32" = 1 ] && extra+=(--tf32)
    [ "${name%-addtime}" != "$name" ] && extra+=(--time_att false)
    "$PY" -m ardiff_ref.train --data "$DATA" --vocab "$ROOT/$VOCAB" "${ARGS[@]}" \
      --device "$DEVICE" "${extra[@]}" --log_interval 200 --save_interval 1000000 --max_minutes "$MIN" \
      --schedule $s --out_dir "$WORK/$t/$name-run" --export "$WORK/$t/$name-model" \
      > "$WORK/$t/$name.log" 2>&1 &
  done
done
wait $(jobs -p | grep -vx "${UTIL_PID:-none}")
if [ -n "$UTIL_PID" ]; then
  kill "$UTIL_PID" 2>/dev/null; wait "$UTIL_PID" 2>/dev/null
  { echo "GPU utilization (nvidia-smi, every 20 s):"; cat "$WORK/gpu-util.txt"; } >> "$OUT/machine.txt"
fi
status=0
for t in "$@"; do
  for name in $RUNS; do
    cp "$WORK/$t/$name-run/metrics.jsonl" "$WORK/$t/$name-metrics.jsonl" 2>/dev/null
    [ -f "$WORK/$t/$name-model/model.safetensors" ] || { echo "gpu_train: $t $name failed:"; tail -n 5 "$WORK/$t/$name.log"; status=1; }
    echo "$t $name: $(grep -E '^step|time limit' "$WORK/$t/$name.log" | tail -n 2 | tr '\n' ' ')"
  done
done
tar -czf - -C "$WORK" --exclude='*-run' "$@" | split -b 15m - "$OUT/results.tar.gz.part-"
total=$(cat "$OUT"/results.tar.gz.part-* | wc -c)
[ "$total" -gt $((60 * 1024 * 1024)) ] && echo "gpu_train: warning: results are $total bytes; the device tool returns at most 64 MiB" >&2
ls -la "$OUT"
rm -rf "$WORK"
exit $status

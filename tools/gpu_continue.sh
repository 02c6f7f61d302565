#!/usr/bin/env bash
# One prepared call for a lent NVIDIA GPU machine (the device tool): continue trained AR /
# uniform model pairs on the GPU, then measure the claim's whole grid on the same GPU with
# ardiff (OpenCL), all in one command.
#
#  1. Training (PyTorch, CUDA): for each PAIR, the AR model and its uniform-timestep twin are
#     continued side by side with --init_from (same flags, seed, data order, batch; only
#     --schedule differs) for MINUTES of wall clock. Every run exports a model directory every
#     EXPORT_EVERY steps (trainer --export_every), and each pair is kept at the last step that
#     BOTH of its runs reached, so the two models of a pair have exactly the same budget.
#     They are written to studies/models/NEW and studies/models/NEW-uniform.
#  2. The claim (ardiff on the GPU through OpenCL, study --phase generate): the grid of
#     tools/ardiff_ref/study.py (AR K 1..50, uniform K 20..2000, k in CANDS, anchors) on the
#     first LIMIT valid inputs, batch LIMIT, seed 1, for each new pair and for each EXTRA
#     study, into studies/claim-TASK-gpu... Rows run cheapest first; what is not done by
#     the deadline (DEADLINE seconds after the start) is left out. Scoring is done afterwards
#     where the metric packages are: `study ... --phase score`.
#
# Prepare here (repo root): bash tools/gpu_continue.sh --prepare   (the carried paths: .gpu/debs,
# build-gpu/ardiff, .gpu/data/DIR for each task of PAIRS and EXTRA, with the train split gzipped
# and the valid split, which study reads) and check the size (bash tools/device_tree_size.sh ...).
# Run there (repo root): OUT=$OUT bash tools/gpu_continue.sh
# Results in $OUT: machine.txt, log.txt, models.tar.gz.part-* (studies/models/), studies.tar.gz
# (studies/claim-*-gpu*/ runs.tar.gz, device.txt, commands.sh) and training.tar.gz (logs,
# metrics, the step each pair was kept at). Unpack here with
#   cat models.tar.gz.part-* | tar -xzf -; tar -xzf studies.tar.gz; tar -xzf training.tar.gz
# DEVICE=cpu runs it all on this CPU (PoCL for ardiff) as a smoke test, e.g.
#   DEVICE=cpu BATCH=16 MINUTES=0.3 EXPORT_EVERY=5 LIMIT=2 CANDS="1 10" MAXPASSES=20 OUT=/tmp/o \
#     bash tools/gpu_continue.sh      (it writes studies/models/*-gpu* and studies/claim-*-gpu*: remove them)
set -u
ROOT=$(pwd)
[ -f "$ROOT/tools/ardiff_ref/train.py" ] || { echo "gpu_continue: run from the repository root" >&2; exit 2; }
. "$ROOT/tools/gpu_recipe.sh"

# Models are read from and written to $MODELS (default studies/models, where the study models
# live; the call of 2026-11-29 wrote its four into models/, from which the two AR ones,
# commongen-small-gpu and multi30k-small-gpu, were the README's models until 2026-12-02, when
# their CPU continuations replaced them and they moved to studies/models too).
MODELS=${MODELS:-studies/models}
# PAIR: TASK AR_INIT UNIFORM_INIT NEW  ($MODELS/AR_INIT and $MODELS/UNIFORM_INIT continued into
# $MODELS/NEW and $MODELS/NEW-uniform)
PAIRS=("commongen commongen-small commongen-small-uniform commongen-small-gpu"
       "multi30k multi30k-small-long multi30k-small-long-uniform multi30k-small-gpu")
# EXTRA studies of models already in $MODELS: TASK AR UNIFORM OUT_NAME (a folder of studies/)
EXTRA=("multi30k multi30k-small-long multi30k-small-long-uniform claim-multi30k-long-gpu")

if [ "${1:-}" = --prepare ]; then
  set -e
  mkdir -p .gpu/debs
  (cd .gpu/debs && apt-get download ocl-icd-libopencl1 libclblast1 libiniparser1 libcjson1 \
     libopenblas0-pthread libgfortran5)
  cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build-gpu -j2 >/dev/null
  dirs=()
  for p in "${PAIRS[@]}" "${EXTRA[@]}"; do
    read -r task _ <<< "$p"; gpu_recipe gpu_continue "$task" 0
    [[ " ${dirs[*]} " == *" $DIR "* ]] || dirs+=("$DIR")
  done
  for d in "${dirs[@]}"; do
    mkdir -p .gpu/data/$d
    for s in src tgt; do f=../shared/data/$d/train.$s
      if [ -f $f ]; then gzip -9 -n -c $f > .gpu/data/$d/train.$s.gz; else cp $f.gz .gpu/data/$d/; fi
    done
    for f in valid.src valid.tgt valid.refs.jsonl; do
      [ -f ../shared/data/$d/$f ] && cp ../shared/data/$d/$f .gpu/data/$d/
    done
  done
  echo "carry: .gpu/debs build-gpu/ardiff$(printf ' .gpu/data/%s' "${dirs[@]}")"
  exit 0
fi

MINUTES=${MINUTES:-4}
BATCH=${BATCH:-512}
EXPORT_EVERY=${EXPORT_EVERY:-250}
DEADLINE=${DEADLINE:-560}          # seconds after the start: no new study row after it
LIMIT=${LIMIT:-50}
CANDS=${CANDS:-1 10 50}
MAXPASSES=${MAXPASSES:-0}
DEVICE=${DEVICE:-cuda}
OUT=${OUT:-.gpu/out}
# the task's model shape and recipe: tools/gpu_recipe.sh (shared with gpu_train.sh), this
# script's seed on top
task_flags() {  # TASK -> DIR, FLAGS
  gpu_recipe gpu_continue "$1" "$BATCH" || exit 2
  FLAGS=("${RECIPE[@]}" --seed 303)
}
for p in "${PAIRS[@]}" "${EXTRA[@]}"; do   # every task known before anything starts
  read -r task _ <<< "$p"; task_flags "$task"
done

mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
PY=python3
export PYTHONUNBUFFERED=1
if [ "$DEVICE" = cuda ]; then
  . bench/nvidia_opencl_env.sh
  ARDIFF=$ROOT/build-gpu/ardiff; OCL_DEV=gpu
else
  [ -x /usr/bin/python3 ] && PY=/usr/bin/python3      # Debian's torch
  ARDIFF=$ROOT/build/ardiff; OCL_DEV=cpu
fi
DATA=$ROOT/.gpu/data
log() { echo "[$(date -u +%H:%M:%S) +${SECONDS}s] $*" | tee -a "$OUT/log.txt"; }

{ date -u; [ "$DEVICE" = cuda ] && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  "$PY" -c 'import torch; print("torch", torch.__version__)'
  echo "CPU: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "minutes $MINUTES, batch $BATCH, export every $EXPORT_EVERY, device $DEVICE"
  "$ARDIFF" devices 2>&1 | head -5; } > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

# ---- 1. training -------------------------------------------------------------------------
UTIL_PID=
if [ "$DEVICE" = cuda ]; then
  nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -l 15 \
    > "$WORK/gpu-util.txt" 2>&1 & UTIL_PID=$!
fi
mkdir -p "$WORK/training"
cd "$ROOT/tools"
PIDS=()
for p in "${PAIRS[@]}"; do
  read -r task ar uni new <<< "$p"
  task_flags "$task"
  for side in ar uniform; do
    init=$ar; sched=xy_uniform; name=$new
    [ $side = uniform ] && { init=$uni; sched=uniform; name=$new-uniform; }
    extra=(); [ "$DEVICE" = cuda ] && extra=(--tf32) || extra=(--threads 1)
    "$PY" -m ardiff_ref.train --data "$DATA/$DIR" --vocab "$ROOT/$MODELS/$init/vocab.txt" \
      "${FLAGS[@]}" --device "$DEVICE" "${extra[@]}" --schedule $sched \
      --init_from "$ROOT/$MODELS/$init" --max_minutes "$MINUTES" --export_every "$EXPORT_EVERY" \
      --log_interval 50 --save_interval 1000000 --out_dir "$WORK/run-$name" \
      > "$WORK/training/$name.log" 2>&1 &
    PIDS+=($!)
  done
done
log "training: ${#PIDS[@]} runs started"
wait "${PIDS[@]}"
[ -n "$UTIL_PID" ] && { kill "$UTIL_PID" 2>/dev/null; cp "$WORK/gpu-util.txt" "$WORK/training/"; }
log "training done"
NEWPAIRS=()
for p in "${PAIRS[@]}"; do
  read -r task ar uni new <<< "$p"
  cp "$WORK/run-$new/metrics.jsonl" "$WORK/training/$new-metrics.jsonl" 2>/dev/null
  cp "$WORK/run-$new-uniform/metrics.jsonl" "$WORK/training/$new-uniform-metrics.jsonl" 2>/dev/null
  best=0
  for d in "$WORK/run-$new"/model-step-*; do
    [ -d "$d" ] || continue
    s=${d##*-}
    [ -f "$WORK/run-$new-uniform/model-step-$s/model.safetensors" ] && [ -f "$d/model.safetensors" ] \
      && [ "$s" -gt "$best" ] && best=$s
  done
  if [ "$best" = 0 ]; then
    log "pair $new: no step reached by both runs"; tail -n 3 "$WORK/training/$new.log" "$WORK/training/$new-uniform.log" | tee -a "$OUT/log.txt"
    continue
  fi
  for n in "$new" "$new-uniform"; do
    rm -rf "$ROOT/$MODELS/$n"; mkdir -p "$ROOT/$MODELS/$n"
    cp "$WORK/run-$n/model-step-$best"/{model.ini,model.safetensors,vocab.txt} "$ROOT/$MODELS/$n/"
  done
  last_ar=$(grep -o 'step [0-9]*' "$WORK/training/$new.log" | tail -1)
  last_un=$(grep -o 'step [0-9]*' "$WORK/training/$new-uniform.log" | tail -1)
  echo "$task: kept step $best of both ($new: last logged $last_ar; $new-uniform: $last_un)" \
    | tee -a "$WORK/training/kept.txt" "$OUT/log.txt"
  NEWPAIRS+=("$task $new $new-uniform claim-$task-gpu")
done
cd "$ROOT"
tar -czf - -C "$WORK" training | cat > "$OUT/training.tar.gz"
if [ ${#NEWPAIRS[@]} -gt 0 ]; then
  tar -czf - $(for p in "${NEWPAIRS[@]}"; do read -r t a u o <<< "$p"; echo $MODELS/$a $MODELS/$u; done) \
    | split -b 15m - "$OUT/models.tar.gz.part-"
fi
log "models packed"

# ---- 2. the claim's grid with ardiff on the same device -------------------------------------
STUDIES=()
cd "$ROOT/tools"
for p in "${NEWPAIRS[@]}" "${EXTRA[@]}"; do
  read -r task ar uni name <<< "$p"
  left=$((DEADLINE - SECONDS))
  [ $left -gt 10 ] || { log "study $name: no time left"; continue; }
  log "study $name ($left s left)"
  mp=(); [ "$MAXPASSES" != 0 ] && mp=(--max-passes "$MAXPASSES")
  timeout $left "$PY" -m ardiff_ref.study --ar-model ../$MODELS/$ar --uniform-model ../$MODELS/$uni \
    --task $task --out ../studies/$name --limit $LIMIT --batch $LIMIT --candidates $CANDS \
    "${mp[@]}" --device $OCL_DEV --ardiff "$ARDIFF" --data "$DATA" --phase generate \
    >> "$OUT/log.txt" 2>&1
  log "study $name: rc $? , $(tar -tzf ../studies/$name/runs.tar.gz 2>/dev/null | grep -c '\.jsonl$') rows"
  STUDIES+=(studies/$name)
done
cd "$ROOT"
[ ${#STUDIES[@]} -gt 0 ] && tar -czf "$OUT/studies.tar.gz" --exclude=inputs.txt --exclude=runs "${STUDIES[@]}"
rm -rf "$WORK"
log "done"; ls -la "$OUT"

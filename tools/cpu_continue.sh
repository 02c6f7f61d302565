#!/usr/bin/env bash
# cpu_continue.sh: background training on this project's 2-core CPU (issue 17's campaign).
# Continues a committed model directory with the task's recipe (tools/gpu_recipe.sh) at a CPU
# batch, under nice, checkpointing and exporting often; rerun the same line to resume (the data
# order continues from the checkpoint). Pause with kill -STOP / -CONT while benchmarking.
#
#   bash tools/cpu_continue.sh TASK INIT_MODEL RUN_NAME [extra trainer flags...]
#   e.g. bash tools/cpu_continue.sh commongen commongen-small-gpu cg-cpu1 &
#
# TASK: a task of the registry (tools/ardiff_ref/tasks.py, read through tools/gpu_recipe.sh);
# INIT_MODEL: a directory under models/ or else studies/models/, or a path from the repository
# root such as .train/RUN/model-step-S (its weights become the live
# weights and the EMA, new AdamW state, step 0). Environment (defaults): THREADS (1),
# BATCH (64), WARMUP (100), SEED (404), EXPORT_EVERY (250: .train/RUN/model-step-S, fp16),
# SAVE (250: checkpoint interval), STOP_AT (0: none), NICE (19), AUTOCAST (auto: bf16 when the
# CPU has bfloat16 instructions (avx512_bf16 or amx_bf16 in /proc/cpuinfo), else none = fp32;
# bf16 takes 2.9x less CPU per step at the same loss on a Zen 4 with AVX-512 BF16
# (studies/curves/autocast-ab), and is emulated, many times slower, on a CPU without them).
# Writes .train/RUN_NAME/ (checkpoint.pt, metrics.jsonl, exports) and appends .train/RUN_NAME.log.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 3 ] || { echo "usage: cpu_continue.sh TASK INIT_MODEL RUN_NAME [trainer flags...]" >&2; exit 2; }
TASK=$1 INIT=$2 NAME=$3; shift 3
. "$ROOT/tools/gpu_recipe.sh"
gpu_recipe cpu_continue "$TASK" "${BATCH:-64}" || exit 2
M=models/$INIT
[ -f "$ROOT/$M/model.ini" ] || M=studies/models/$INIT
[ -f "$ROOT/$M/model.ini" ] || M=$INIT     # a path relative to the repository (an export in .train/)
[ -f "$ROOT/$M/model.ini" ] || { echo "cpu_continue: $INIT: no model.ini in models/, studies/models/ or at that path" >&2; exit 2; }
DATA=$ROOT/../shared/data/$DIR
[ -d "$DATA" ] || { echo "cpu_continue: $DATA: no such data folder" >&2; exit 2; }
AUTOCAST=${AUTOCAST:-auto}
if [ "$AUTOCAST" = auto ]; then
  if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo 2>/dev/null; then AUTOCAST=bf16; else AUTOCAST=none; fi
fi
mkdir -p "$ROOT/.train"
cd "$ROOT/tools"
echo "== $(date -u +%FT%TZ) cpu_continue $TASK from $M -> .train/$NAME (autocast $AUTOCAST) $*" >> "$ROOT/.train/$NAME.log"
exec nice -n "${NICE:-19}" /usr/bin/python3 -u -m ardiff_ref.train --data "$DATA" \
  --vocab "$ROOT/$M/vocab.txt" "${RECIPE[@]}" --warmup_steps "${WARMUP:-100}" \
  --seed "${SEED:-404}" --schedule xy_uniform --device cpu --threads "${THREADS:-1}" \
  --init_from "$ROOT/$M" --resume auto --out_dir "$ROOT/.train/$NAME" \
  --export_every "${EXPORT_EVERY:-250}" --save_interval "${SAVE:-250}" --log_interval 50 \
  --stop_at "${STOP_AT:-0}" --autocast "$AUTOCAST" "$@" >> "$ROOT/.train/$NAME.log" 2>&1

# gpu_recipe.sh: each task's training recipe for the shell scripts (sourced by tools/gpu_train.sh,
# tools/gpu_continue.sh and tools/cpu_continue.sh; not run on its own). The recipe itself lives
# in the task registry, tools/ardiff_ref/tasks.py (model shape, vocabulary, data folder and the
# flags every task shares); this file only asks it, so adding a task there is all it takes:
#
#   gpu_recipe CALLER TASK BATCH   sets DIR (the data folder under ../shared/data or .gpu/data),
#                                  VOCAB (the vocab.txt the task's models use, relative to the
#                                  repository root) and RECIPE (the trainer flags), or prints one
#                                  line ("CALLER: unknown task ...", or "... has no training
#                                  recipe") and returns 2
#   GPU_RECIPE_TASKS               the names of the registry's tasks with a training recipe
#
# Callers add --seed, --schedule, --device and the run's own options. Needs python3 (the
# standard library only: the registry imports nothing else).
GPU_RECIPE_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GPU_RECIPE_TASKS=$(cd "$GPU_RECIPE_TOOLS" && python3 -m ardiff_ref.tasks --names --trainable)
gpu_recipe() {
  local out
  out=$(cd "$GPU_RECIPE_TOOLS" && python3 -m ardiff_ref.tasks --recipe "$2" "$3" --caller "$1") \
    || return 2
  eval "$out"
}

# gpu_recipe.sh: the training recipe the GPU scripts share (sourced by tools/gpu_train.sh and
# tools/gpu_continue.sh; not run on its own). One place for each task's model shape and
# optimiser flags, so a GPU run and a continued GPU run of a task cannot drift apart.
#
#   gpu_recipe CALLER TASK BATCH   sets DIR (the data folder under ../shared/data or .gpu/data),
#                                  MODEL (the models/ directory whose vocab.txt the task's runs use)
#                                  and RECIPE (the trainer flags), or prints one line
#                                  ("CALLER: unknown task ...") and returns 2
#
# The flags are the CPU recipes' (bench/results/claim-*/training/model_args.sh) with the GPU
# batch and 300 warm-up steps; the shapes match each task's model.ini. Callers add --seed,
# --schedule, --device and the run's own options.
GPU_RECIPE_TASKS="commongen multi30k aeslc"
gpu_recipe() {
  local caller=$1 task=$2 batch=$3
  local common=(--intermediate_size 512 --num_attention_heads 8 --in_channels 64
    --encoder_layers 3 --decoder_layers 3 --batch_size "$batch" --lr 1e-3 --warmup_steps 300
    --total_steps 1000000 --lr_schedule constant --ema_rate 0.999 --dropout 0.1 --att_dropout 0.1
    --src_emb_init tgt --export_dtype f16)
  case $task in
    commongen) DIR=commongen; MODEL=commongen-small
      RECIPE=("${common[@]}" --tgt_len 24 --max_pos_len 32) ;;
    multi30k) DIR=multi30k-de-en; MODEL=multi30k-small
      RECIPE=("${common[@]}" --tgt_len 32 --max_pos_len 64 --gen_case sentence) ;;
    aeslc) DIR=aeslc; MODEL=aeslc-small
      RECIPE=("${common[@]}" --tgt_len 20 --max_pos_len 64) ;;
    *) echo "$caller: unknown task '$task' (one of: $GPU_RECIPE_TASKS)" >&2; return 2 ;;
  esac
}

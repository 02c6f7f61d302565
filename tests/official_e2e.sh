#!/usr/bin/env bash
# official_e2e.sh ARDIFF [SOURCE_DIR]: an official-format AR-Diffusion checkpoint at the released
# CommonGen size (h 128, 8 heads, d 64, 6 + 6 layers, N 54, the 30,522-entry bert-base-uncased
# vocab, random weights from a fixed seed), converted with `python3 -m ardiff_ref.convert`,
# generates in ardiff exactly what the PyTorch reference generates:
#   * the plain and the EMA checkpoint convert; encoder states, x0_hat and logits of the
#     converted models equal the reference's within 1e-5 (max abs);
#   * `ardiff generate --format jsonl` (3 sources, k 3, K 4, seed 7; schedules ar and uniform)
#     gives the reference's candidate strings, MBR choice and output exactly, MBR scores within
#     1e-6.
# Python: $PYTHON (default /usr/bin/python3, with torch). No OpenCL device or no Python: FAIL.
set -u
bin=$1
src=${2:-${ARDIFF_SOURCE_DIR:?}}
py=${PYTHON:-/usr/bin/python3}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$bin" ] || fail "no ardiff program at '$bin'"
"$py" -c 'import torch, numpy' 2>/dev/null || fail "no Python with torch and numpy at '$py'"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONPATH="$src/tools" OMP_NUM_THREADS=1

"$py" -m ardiff_ref.e2e_official make "$tmp" || fail "building the official checkpoints"
flags=(--intermediate_size 512 --num_attention_heads 8 --in_channels 64 --out_channels 64
       --time_channels 64 --tgt_len 54 --max_pos_len 128)
vocab=$src/tests/fixtures/tokenizer/vocab.txt
"$py" -m ardiff_ref.convert "$tmp/ckpt/model_checkpoint-40000" --vocab "$vocab" \
    --out "$tmp/conv" "${flags[@]}" || fail "converting model_checkpoint-40000"
"$py" -m ardiff_ref.convert "$tmp/ckpt/ema_0.9999_checkpoint-40000" --vocab "$vocab" \
    --out "$tmp/conv_ema" "${flags[@]}" || fail "converting ema_0.9999_checkpoint-40000"

for sch in ar uniform; do
  "$bin" generate "$tmp/conv" -i "$tmp/in.txt" -o "$tmp/out_$sch.jsonl" --format jsonl -q \
      --candidates 3 --steps 4 --seed 7 --schedule "$sch" || fail "ardiff generate --schedule $sch"
done

"$py" -m ardiff_ref.e2e_official check "$tmp" || fail "ardiff differs from the reference"
echo "PASS: official_e2e"

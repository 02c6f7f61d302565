#!/usr/bin/env bash
# official_e2e.sh ARDIFF [SOURCE_DIR]: official-format AR-Diffusion checkpoints at the released
# CommonGen size (h 128, 8 heads, d 64, 6 + 6 layers, N 54) and XSUM size (h 512, 8 heads,
# d 128, 6 + 6 layers, N 50), with the 30,522-entry bert-base-uncased vocab, and IWSLT14 size
# (h 256, 4 heads, d 64, 6 + 6 layers, N 90, max_pos_len 256) with a byte-level BPE vocabulary
# (tests/fixtures/bpe), random weights from a fixed seed, converted with
# `python3 -m ardiff_ref.convert`, generate in ardiff exactly what the PyTorch reference
# generates; for each size:
#   * the plain and the EMA checkpoint convert; encoder states, x0_hat and logits of the
#     converted models equal the reference's within 1e-5 (max abs);
#   * `ardiff generate --format jsonl` (3 sources, k 3, K 4, seed 7; schedules ar and uniform)
#     gives the reference's candidate strings, MBR choice and output exactly, MBR scores within
#     1e-6.
# Python: $PYTHON (default /usr/bin/python3, with torch). No OpenCL device or no Python: FAIL.
. "$(dirname "$0")/e2e_preamble.sh" "$@"

for size in commongen xsum iwslt; do
  d=$tmp/$size
  mkdir -p "$d"
  echo "== $size"
  read -r -a flags <<<"$("$py" -m ardiff_ref.e2e_official flags $size)"
  read -r -a tokargs <<<"$("$py" -m ardiff_ref.e2e_official tokenizer $size)"
  "$py" -m ardiff_ref.e2e_official make "$d" $size || fail "$size: building the official checkpoints"
  for ck in model_checkpoint-40000:conv ema_0.9999_checkpoint-40000:conv_ema; do
    "$py" -m ardiff_ref.convert "$d/ckpt/${ck%%:*}" "${tokargs[@]}" --out "$d/${ck##*:}" \
        "${flags[@]}" || fail "$size: converting ${ck%%:*}"
  done
  for sch in ar uniform; do
    "$bin" generate "$d/conv" -i "$d/in.txt" -o "$d/out_$sch.jsonl" --format jsonl -q \
        --candidates 3 --steps 4 --seed 7 --schedule "$sch" || fail "$size: ardiff generate --schedule $sch"
  done
  "$py" -m ardiff_ref.e2e_official check "$d" $size || fail "$size: ardiff differs from the reference"
  rm -rf "$d"
done
echo "PASS: official_e2e"

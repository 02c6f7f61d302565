#!/usr/bin/env bash
# tokenize_tests.sh ARDIFF: `ardiff tokenize` on both tokenizer types, as a user meets it: ids,
# tokens, the decode round trip, and one clear line (exit 1) for bad input, ids and models.
# Needs no OpenCL device. The BPE model is the golden vocabulary of tests/fixtures/bpe (made by
# tools/make_bpe_goldens.py); the expected ids and tokens below are Hugging Face tokenizers
# 0.13.2's on that vocabulary.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

# A byte-level BPE model directory: the tokenizer files and a model.ini (no weights needed).
bpe=$tmp/bpe
mkdir -p "$bpe"
cp "$src/tests/fixtures/bpe/vocab.json" "$src/tests/fixtures/bpe/merges.txt" "$bpe/"
write_ini() { # write_ini CLS_ID
  cat >"$bpe/model.ini" <<EOF
[model]
vocab_size = 4000
hidden_size = 256
encoder_layers = 6
encoder_heads = 4
encoder_intermediate_size = 1024
decoder_layers = 6
decoder_heads = 4
in_channels = 64
out_channels = 64
time_channels = 64
max_pos_len = 512
tgt_len = 90
max_src_len = 512
layer_norm_eps = 1e-12
type_vocab_size = 2
[diffusion]
diffusion_steps = 2000
noise_schedule = sqrt
end_point_scale = 2.0
rescale_timesteps = true
[tokenizer]
type = bytelevel_bpe
vocab = vocab.json
merges = merges.txt
lowercase = false
pad_id = 0
cls_id = $1
sep_id = 2
unk_id = 3
mask_id = 4
EOF
}
write_ini 1

# --- byte-level BPE: ids and tokens as tokenizers gives them
printf 'A man and a dog.\n\xc3\x9cber 2 Br\xc3\xbccken  gehen'"'"'s\n\ntab\there \xf0\x9f\x98\x80!\n' >"$tmp/in.txt"
out=$("$bin" tokenize "$bpe" -i "$tmp/in.txt" 2>&1); rc=$?
same "bpe ids exit status" "$rc" 0
same "bpe ids" "$out" "37 347 323 264 551 18
132 255 401 1229 351 623 1315 225 945 1150

88 472 202 76 421 225 177 258 251 227 5"
out=$("$bin" tokenize "$bpe" --tokens <"$tmp/in.txt" 2>&1)
same "bpe tokens (standard input)" "$out" "A Ġman Ġand Ġa Ġdog .
Ã ľ ber Ġ2 ĠB rÃ¼ cken Ġ Ġgehen 's

t ab ĉ h ere Ġ ð Ł ĺ Ģ !"
same "--ids is the default" "$("$bin" tokenize "$bpe" --ids -i "$tmp/in.txt")" \
  "$("$bin" tokenize "$bpe" -i "$tmp/in.txt")"

# --- decode: byte-level BPE gives the text back; special strings go, as the official decode
out=$("$bin" tokenize "$bpe" -i "$tmp/in.txt" | "$bin" tokenize "$bpe" --decode)
same "bpe round trip" "$out" "$(cat "$tmp/in.txt")"
same "bpe decode drops <s> </s> <pad>" "$(echo "1 37 2 0 0" | "$bin" tokenize "$bpe" --decode)" "A"
out=$(printf 'x <s> y</s>z <pad>\n' | "$bin" tokenize "$bpe" | "$bin" tokenize "$bpe" --decode)
same "special strings spelled in text are removed too" "$out" "x  yz "
same "a split character decodes to U+FFFD" "$(echo "177 258" | "$bin" tokenize "$bpe" --decode)" \
  "$(printf '\xef\xbf\xbd')"

# --- errors: one line, exit 1
printf 'fine\nbad \xc3( byte\n' >"$tmp/bad.txt"
out=$("$bin" tokenize "$bpe" -i "$tmp/bad.txt" 2>&1 >/dev/null); rc=$?
same "invalid UTF-8: exit 1" "$rc" 1
same "invalid UTF-8: one line naming line and byte" "$out" \
  "ardiff: tokenize: line 2: invalid UTF-8 at byte 4"
printf 'a\0b\n' >"$tmp/nul.txt"
out=$("$bin" tokenize "$bpe" -i "$tmp/nul.txt" 2>&1); rc=$?
expect "NUL byte refused" [ $rc -eq 1 ]
expect "NUL byte named" grep -q "NUL" <<<"$out"
out=$(echo "5 4000" | "$bin" tokenize "$bpe" --decode 2>&1); rc=$?
expect "id out of range: exit 1" [ $rc -eq 1 ]
expect "id out of range: named" grep -q "line 1: decode: token id 4000 at position 1 is outside" <<<"$out"
out=$(printf '5 6\n7 x8\n' | "$bin" tokenize "$bpe" --decode 2>&1); rc=$?
expect "not an id: exit 1" [ $rc -eq 1 ]
expect "not an id: named" grep -q "line 2: 'x8' is not a token id" <<<"$out"
out=$(echo "-3" | "$bin" tokenize "$bpe" --decode 2>&1); rc=$?
expect "negative id refused" [ $rc -eq 1 ]
out=$("$bin" tokenize "$bpe" --ids --tokens </dev/null 2>&1); rc=$?
expect "--ids with --tokens: usage error" [ $rc -eq 2 ]
out=$("$bin" tokenize "$bpe" --frobnicate </dev/null 2>&1); rc=$?
expect "unknown option: usage error" [ $rc -eq 2 ]
out=$("$bin" tokenize "$tmp/nomodel" </dev/null 2>&1); rc=$?
expect "missing model: exit 1" [ $rc -eq 1 ]
expect "missing model: names model.ini" grep -q "nomodel/model.ini" <<<"$out"
out=$("$bin" tokenize "$bpe" -i "$tmp/missing.txt" 2>&1); rc=$?
expect "missing input: exit 1 naming it" bash -c '[ $1 -eq 1 ] && grep -q missing.txt <<<"$2"' _ $rc "$out"
write_ini 5
out=$("$bin" tokenize "$bpe" </dev/null 2>&1); rc=$?
expect "wrong cls_id: exit 1" [ $rc -eq 1 ]
expect "wrong cls_id: named" grep -q "<s> is id 1, but model.ini says cls_id = 5" <<<"$out"
write_ini 1
echo '{"a": 0,' >"$bpe/vocab.json"
out=$("$bin" tokenize "$bpe" </dev/null 2>&1); rc=$?
expect "broken vocab.json: exit 1 naming the file" bash -c '[ $1 -eq 1 ] && grep -q "vocab.json" <<<"$2"' _ $rc "$out"

# --- WordPiece (tests/fixtures/tiny-a: an uncased 325-entry vocabulary)
wp=$src/tests/fixtures/tiny-a
out=$(printf 'Hello, world!\n' | "$bin" tokenize "$wp" --tokens)
ids=$(printf 'Hello, world!\n' | "$bin" tokenize "$wp")
same "wordpiece tokens: lowercased pieces" "$out" "he ##l ##l ##o , world !"
same "wordpiece ids decode back" "$(echo "$ids" | "$bin" tokenize "$wp" --decode)" "hello, world!"
same "wordpiece decode skips [CLS] [SEP] [PAD]" "$(echo "6 $ids 7 0" | "$bin" tokenize "$wp" --decode)" \
  "hello, world!"
same "empty input: no output" "$("$bin" tokenize "$wp" </dev/null)" ""

summary tokenize_tests

#!/usr/bin/env bash
# tokenize_tests.sh ARDIFF: `ardiff tokenize` on both tokenizer types, as a user meets it: ids,
# tokens, the decode round trip, --help, and one clear line on standard error for bad input,
# ids, options (exit 2) and models (exit 1). Needs no OpenCL device. The BPE model is the golden
# vocabulary of tests/fixtures/bpe (made by tools/make_bpe_goldens.py, the official 10,005
# entries); the WordPiece models are the bundled models/multi30k and models/commongen. The
# expected ids and tokens below are Hugging Face tokenizers 0.13.2's (ByteLevelBPETokenizer and
# BertWordPieceTokenizer, lowercase, no special tokens added) on those vocabularies.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

# A byte-level BPE model directory: the tokenizer files and a model.ini (no weights needed).
bpe=$tmp/bpe
mkdir -p "$bpe"
cp "$src/tests/fixtures/bpe/vocab.json" "$src/tests/fixtures/bpe/merges.txt" "$bpe/"
write_ini() { # write_ini CLS_ID
  cat >"$bpe/model.ini" <<EOF
[model]
vocab_size = 10005
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
132 255 401 1229 351 7963 225 945 1150

88 472 202 4476 225 177 258 251 227 5"
out=$("$bin" tokenize "$bpe" --tokens <"$tmp/in.txt" 2>&1)
same "bpe tokens (standard input)" "$out" "A Ġman Ġand Ġa Ġdog .
Ã ľ ber Ġ2 ĠB rÃ¼cken Ġ Ġgehen 's

t ab ĉ here Ġ ð Ł ĺ Ģ !"
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
out=$(echo "5 10005" | "$bin" tokenize "$bpe" --decode 2>&1); rc=$?
expect "id out of range: exit 1" [ $rc -eq 1 ]
expect "id out of range: one line naming it" says "$out" "line 1: decode: token id 10005 at position 1 is outside"
out=$(printf '5 6\n7 x8\n' | "$bin" tokenize "$bpe" --decode 2>&1 >/dev/null); rc=$?
expect "not an id: exit 1" [ $rc -eq 1 ]
expect "not an id: one line naming it" says "$out" "line 2: 'x8' is not a token id"
out=$(echo "-3" | "$bin" tokenize "$bpe" --decode 2>&1); rc=$?
expect "negative id refused" [ $rc -eq 1 ]
# refused DESC STATUS PATTERN ARG...: `ardiff tokenize ARG...` (no input) exits STATUS, writes
# nothing on standard output and one line matching PATTERN on standard error
refused() {
  local d=$1 want=$2 pat=$3 out err rc
  shift 3
  out=$("$bin" tokenize "$@" </dev/null 2>"$tmp/err"); rc=$?
  err=$(cat "$tmp/err")
  if [ "$rc" -eq "$want" ] && [ -z "$out" ] && says "$err" "$pat"; then ok
  else bad "$d: exit $rc (want $want), stdout '$out', stderr '$err'"; fi
}
refused "no MODEL_DIR" 2 "ardiff tokenize: missing MODEL_DIR (see --help)"
refused "unknown option" 2 "unknown option '--frobnicate' (try --help)" "$bpe" --frobnicate
refused "--ids with --tokens" 2 "--tokens goes with neither --ids nor --decode" "$bpe" --ids --tokens
refused "--tokens with --decode" 2 "--tokens goes with neither" "$bpe" --tokens --decode
refused "-i without a file" 2 "-i needs a file name" "$bpe" -i
refused "a second MODEL_DIR" 2 "unexpected argument" "$bpe" "$bpe"
refused "missing model directory" 1 "ardiff: tokenize: $tmp/nomodel: not a model directory" \
  "$tmp/nomodel"
refused "a file as the model directory" 1 "vocab.json: not a model directory" "$bpe/vocab.json"
mkdir -p "$tmp/empty"
refused "a directory without model.ini" 1 "empty/model.ini: cannot open" "$tmp/empty"
refused "missing input" 1 "missing.txt" "$bpe" -i "$tmp/missing.txt"
if [ -w /dev/full ]; then
  out=$("$bin" tokenize "$bpe" -i "$tmp/in.txt" 2>&1 >/dev/full); rc=$?
  expect "standard output full: exit 1" [ $rc -eq 1 ]
  expect "standard output full: one line" says "$out" "ardiff: tokenize: writing the output: "
fi

# --- --help: the usage on standard output, exit 0; the program's help lists the command
out=$("$bin" tokenize --help 2>"$tmp/err"); rc=$?
same "--help: exit 0" "$rc" 0
same "--help: the usage line" "$(head -n 1 <<<"$out")" \
  "usage: ardiff tokenize MODEL_DIR [-i FILE] [--ids | --tokens] [--decode]"
for o in "-i, --input FILE" --ids --tokens --decode; do
  expect "--help explains $o" grep -q -- "^  $o " <<<"$out"
done
same "--help: nothing on standard error" "$(cat "$tmp/err")" ""
out=$("$bin" --help)
expect "ardiff --help lists tokenize" grep -q "^  tokenize MODEL_DIR" <<<"$out"
write_ini 5
out=$("$bin" tokenize "$bpe" </dev/null 2>&1); rc=$?
expect "wrong cls_id: exit 1" [ $rc -eq 1 ]
expect "wrong cls_id: one line naming it" says "$out" "<s> is id 1, but model.ini says cls_id = 5"
write_ini 1
echo '{"a": 0,' >"$bpe/vocab.json"
out=$("$bin" tokenize "$bpe" </dev/null 2>&1); rc=$?
expect "broken vocab.json: exit 1" [ $rc -eq 1 ]
expect "broken vocab.json: one line naming the file" says "$out" "vocab.json"

# --- WordPiece (tests/fixtures/tiny-a: an uncased 325-entry vocabulary)
wp=$src/tests/fixtures/tiny-a
out=$(printf 'Hello, world!\n' | "$bin" tokenize "$wp" --tokens)
ids=$(printf 'Hello, world!\n' | "$bin" tokenize "$wp")
same "wordpiece tokens: lowercased pieces" "$out" "he ##l ##l ##o , world !"
same "wordpiece ids decode back" "$(echo "$ids" | "$bin" tokenize "$wp" --decode)" "hello, world!"
same "wordpiece decode skips [CLS] [SEP] [PAD]" "$(echo "6 $ids 7 0" | "$bin" tokenize "$wp" --decode)" \
  "hello, world!"
same "empty input: no output" "$("$bin" tokenize "$wp" </dev/null)" ""

# --- the bundled WordPiece models (models/): every flag
printf 'Ein Mann f\xc3\xa4hrt Fahrrad.\nHello, world!\n' >"$tmp/wp.txt"
for m in multi30k commongen; do
  case $m in
    multi30k) want_ids="350 1233 1790 3140 16
1106 4311 14 765 4429 5"
              want_tokens="ein mann fahrt fahrrad .
hell ##o , wor ##ld !" ;;
    commongen) want_ids="32 4750 530 4658 100 4652 4812 100 4652 4662 4808 4648 13
447 4767 11 2435 5"
               want_tokens="e ##in man ##n fa ##h ##rt fa ##h ##r ##ra ##d .
hel ##lo , world !" ;;
  esac
  md=$src/models/$m
  same "models/$m: ids (-i)" "$("$bin" tokenize "$md" -i "$tmp/wp.txt")" "$want_ids"
  same "models/$m: --ids (standard input)" "$("$bin" tokenize "$md" --ids <"$tmp/wp.txt")" "$want_ids"
  same "models/$m: --tokens" "$("$bin" tokenize "$md" --tokens -i "$tmp/wp.txt")" "$want_tokens"
  same "models/$m: --decode (lowercased, accents stripped)" \
    "$(printf '%s\n' "$want_ids" | "$bin" tokenize "$md" --decode)" "ein mann fahrt fahrrad.
hello, world!"
  same "models/$m: --ids --decode reads ids" \
    "$(printf '%s\n' "$want_ids" | "$bin" tokenize "$md" --ids --decode)" "ein mann fahrt fahrrad.
hello, world!"
done

summary tokenize_tests

#!/usr/bin/env bash
# cli_tests.sh ARDIFF: the program's device listing, selection errors, kernel build errors and
# program cache, as a user meets them. Needs an OpenCL device (PoCL in CI); fails without one.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" "$@"
export ARDIFF_CACHE_DIR="$tmp/cache"

# --- listing
out=$("$bin" devices 2>&1)
expect "devices exits 0 and lists device [0]" grep -q '^\[0\] ' <<<"$out"
for field in platform vendor "compute units" "global memory" "local memory" "max alloc" \
             "OpenCL C" driver fp16 subgroups "base align"; do
  expect "devices prints '$field'" grep -q "    $field" <<<"$out"
done
n=$(POCL_DEVICES="pthread pthread" "$bin" devices 2>&1 | grep -c '^\[')
expect "two PoCL devices listed (got $n)" [ "$n" = 2 ]

# --- selection
out=$("$bin" devices --device nosuchdevice 2>&1); rc=$?
expect "unknown --device exits non-zero" [ $rc -ne 0 ]
expect "unknown --device names the choice" grep -q "no device matches 'nosuchdevice'" <<<"$out"
expect "unknown --device lists what exists" grep -q "devices are: 0: " <<<"$out"
expect "unknown --device prints one line" [ "$(wc -l <<<"$out")" = 1 ]
out=$(ARDIFF_DEVICE=7 "$bin" devices 2>&1); rc=$?
expect "unknown ARDIFF_DEVICE index exits non-zero" [ $rc -ne 0 ]
expect "unknown ARDIFF_DEVICE is named as such" grep -q "ARDIFF_DEVICE" <<<"$out"
out=$(POCL_DEVICES="pthread pthread" "$bin" devices --device 1 2>&1)
expect "--device 1 selects device 1 only" bash -c '[ "$(grep -c "^\[" <<<"$1")" = 1 ] && grep -q "^\[1\]" <<<"$1"' _ "$out"
out=$(ARDIFF_CACHE=off ARDIFF_LOG=info "$bin" selftest --device cpu 2>&1)
expect "the device choice is logged" grep -q "using device 0" <<<"$out"
expect "selftest says what the subgroup gate did" grep -q "subgroup reductions .*fp16 arithmetic" <<<"$out"

# --- no platform at all
mkdir -p "$tmp/novendors"
out=$(OCL_ICD_VENDORS="$tmp/novendors" "$bin" devices 2>&1); rc=$?
expect "no platform exits non-zero" [ $rc -ne 0 ]
expect "no platform gives a clear message" grep -q "no OpenCL platform found" <<<"$out"

# --- program cache
out=$(ARDIFF_LOG=info "$bin" selftest 2>&1); rc=$?
expect "selftest passes (cold)" [ $rc -eq 0 ]
expect "first start builds from source" grep -q "built from source" <<<"$out"
expect "cache file written" bash -c 'ls "$1"/*.clbin >/dev/null 2>&1' _ "$ARDIFF_CACHE_DIR"
out=$(ARDIFF_LOG=info "$bin" selftest 2>&1); rc=$?
expect "selftest passes (warm)" [ $rc -eq 0 ]
expect "second start hits the cache" grep -q "program cache hit" <<<"$out"
for f in "$ARDIFF_CACHE_DIR"/*.clbin; do head -c 100 "$f" >"$f.x" && mv "$f.x" "$f"; done
out=$(ARDIFF_LOG=info "$bin" selftest 2>&1); rc=$?
expect "truncated cache file: still passes" [ $rc -eq 0 ]
expect "truncated cache file: rebuilt from source" grep -q "built from source" <<<"$out"
rm -rf "$tmp/cache2"
out=$(ARDIFF_CACHE=off ARDIFF_CACHE_DIR="$tmp/cache2" ARDIFF_LOG=info "$bin" selftest 2>&1)
expect "ARDIFF_CACHE=off writes nothing" [ ! -e "$tmp/cache2" ]
out=$("$bin" devices --verbose --device 0 2>&1)
expect "devices --verbose reports cold and warm start-up" grep -q "start-up .*cold .* warm " <<<"$out"

# --- a broken kernel gives the build log and the options
cp -r "$src/cl" "$tmp/cl"
printf '\n__kernel void ardiff_broken(__global float *x) { x[0] = undefined_symbol_xyz; }\n' >>"$tmp/cl/elementwise.cl"
out=$(ARDIFF_CL_DIR="$tmp/cl" "$bin" selftest 2>&1); rc=$?
expect "broken kernel: non-zero exit" [ $rc -ne 0 ]
expect "broken kernel: build failure reported" grep -q "kernel build failed on device" <<<"$out"
expect "broken kernel: options reported" grep -q 'options: "-cl-std=CL1.2' <<<"$out"
expect "broken kernel: log names the symbol" grep -q "undefined_symbol_xyz" <<<"$out"
# a kernel that builds but computes a wrong number must fail the self-test (both kernel sets)
rm -rf "$tmp/clnum"; cp -r "$src/cl" "$tmp/clnum"
sed -i 's/\* inv \* g\[c\] + b\[c\];/* inv * g[c] - b[c];/' "$tmp/clnum/layernorm.cl"
expect "numeric mutation applied" bash -c '[ "$(grep -c "g\[c\] - b\[c\]" "$1")" = 2 ]' _ "$tmp/clnum/layernorm.cl"
for set in cpu gpu; do
  out=$(ARDIFF_KERNELS=$set ARDIFF_CACHE=off ARDIFF_CL_DIR="$tmp/clnum" "$bin" selftest 2>&1); rc=$?
  expect "wrong layer norm ($set kernel set): selftest fails naming it" bash -c '[ $1 -ne 0 ] && grep -q "layernorm" <<<"$2"' _ $rc "$out"
done
out=$(ARDIFF_KERNELS=sideways "$bin" selftest 2>&1); rc=$?
expect "unknown ARDIFF_KERNELS: one line naming it" bash -c '[ $1 -ne 0 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "ARDIFF_KERNELS=sideways" <<<"$2"' _ $rc "$out"
out=$(ARDIFF_CLAMP=sideways "$bin" selftest 2>&1); rc=$?
expect "unknown ARDIFF_CLAMP: one line naming it" bash -c '[ $1 -ne 0 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "ARDIFF_CLAMP=sideways" <<<"$2"' _ $rc "$out"
out=$(ARDIFF_CL_DIR="$tmp/missing" "$bin" selftest 2>&1); rc=$?
expect "missing ARDIFF_CL_DIR: non-zero exit naming the file" bash -c '[ $1 -ne 0 ] && grep -q "cannot open kernel source" <<<"$2"' _ $rc "$out"


# --- generate, info and bad model files
fx="${ARDIFF_FIXTURES:-$src/tests/fixtures}/tiny-a"
printf 'a man walks his dog\n\nchildren play ball together\n' >"$tmp/in.txt"
out=$("$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>"$tmp/err"); rc=$?
expect "generate exits 0" [ $rc -eq 0 ]
expect "one output line per input line" [ "$(printf '%s\n' "$out" | wc -l)" = 3 ]
expect "empty line gives an empty output" [ -z "$(printf '%s\n' "$out" | sed -n 2p)" ]
expect "non-empty lines give text" [ -n "$(printf '%s\n' "$out" | sed -n 1p)" ]
expect "no progress line when stderr is not a terminal" [ ! -s "$tmp/err" ]
out2=$("$bin" generate "$fx" --seed 7 <"$tmp/in.txt" 2>/dev/null)
expect "same seed, same output (stdin = file)" [ "$out" = "$out2" ]
out3=$("$bin" generate "$fx" --seed 8 <"$tmp/in.txt" 2>/dev/null)
expect "another seed, another output" [ "$out" != "$out3" ]
out4=$(POCL_DEVICES="pthread pthread" "$bin" generate "$fx" --seed 7 --device all --batch 1 <"$tmp/in.txt" 2>/dev/null)
expect "two devices give the one-device output" [ "$out" = "$out4" ]
printf 'a man walks his dog\nchildren play ball together\ncats sleep\n\nbirds fly south\n' >"$tmp/in5.txt"
one=$("$bin" generate "$fx" --seed 7 --candidates 1 <"$tmp/in5.txt" 2>/dev/null)
two=$(POCL_DEVICES="pthread pthread" ARDIFF_LOG=debug "$bin" generate "$fx" --seed 7 --candidates 1 --device all <"$tmp/in5.txt" 2>"$tmp/err2")
expect "k = 1 on two devices (inputs split) gives the one-device output" \
  bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$one" "$two"
expect "k = 1 on two devices: both devices ran" bash -c '[ "$(grep -c "^ardiff: debug: device [01]: .* inputs" "$1")" -ge 2 ]' _ "$tmp/err2"
# the throughput line: with the progress line (terminal or --progress), never with -q
outp=$("$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 --progress 2>"$tmp/errp"); rc=$?
expect "--progress: same outputs, exit 0" bash -c '[ $1 -eq 0 ] && [ "$2" = "$3" ]' _ $rc "$outp" "$out"
expect "--progress: ends with one throughput line (3 inputs, sentences/s, tokens/s)" bash -c \
  '[ "$(grep -c "sentences/s, .* tokens/s$" "$1")" = 1 ] && tail -n 1 "$1" | grep -q "^ardiff: 3 inputs in [0-9.]* s (after [0-9.]* s start-up): [0-9.]* sentences/s, [0-9.]* tokens/s$"' _ "$tmp/errp"
"$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 --progress -q >/dev/null 2>"$tmp/errq"
expect "-q --progress: nothing on stderr" [ ! -s "$tmp/errq" ]
out5=$("$bin" generate "$fx" --seed 7 --batch 1 <"$tmp/in.txt" 2>/dev/null)
expect "batch size does not change the output" [ "$out" = "$out5" ]
"$bin" generate "$fx" --seed 7 --format jsonl --candidates 4 <"$tmp/in.txt" >"$tmp/out.jsonl" 2>/dev/null
expect "jsonl: one object per line with 4 candidates and scores" /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3 and [r["index"] for r in rows] == [0, 1, 2]
assert len(rows[0]["candidates"]) == 4 and len(rows[0]["mbr_scores"]) == 4
assert rows[0]["output"] == rows[0]["candidates"][rows[0]["choice"]]
assert rows[1]["output"] == "" and rows[1]["choice"] == -1
assert "batch_decode" in rows[0]["timing_ms"]' "$tmp/out.jsonl"
out=$("$bin" generate "$fx" --schedule uniform --steps 5 <"$tmp/in.txt" 2>&1); rc=$?
expect "uniform schedule runs" [ $rc -eq 0 ]
# uniform K = T = 2000: the grid reaches 0 at its 2000th point, so 1999 calls, the same grid as
# K = 1999 (ad_sched_grid); stepping a 2000th time read an unwritten table row and made the
# outputs change from run to run. Same seed, same device: same output.
full1=$("$bin" generate "$fx" --schedule uniform --steps 2000 --candidates 2 -q <"$tmp/in.txt" 2>&1)
full2=$("$bin" generate "$fx" --schedule uniform --steps 2000 --candidates 2 -q <"$tmp/in.txt" 2>&1)
full3=$("$bin" generate "$fx" --schedule uniform --steps 1999 --candidates 2 -q <"$tmp/in.txt" 2>&1)
expect "uniform K=2000 twice: identical outputs" [ "$full1" = "$full2" ]
expect "uniform K=2000 equals K=1999 (same grid)" [ "$full1" = "$full3" ]
printf 'ok line\nbad \xff\xfe line\n' >"$tmp/bad.txt"
out=$("$bin" generate "$fx" -i "$tmp/bad.txt" 2>&1 >/dev/null); rc=$?
expect "invalid UTF-8: non-zero exit" [ $rc -ne 0 ]
expect "invalid UTF-8: names the line" grep -q "input line 2" <<<"$out"
long=$(for i in $(seq 60); do printf 'dog cat '; done)
out=$(echo "$long" | "$bin" generate "$fx" 2>&1 >/dev/null); rc=$?
expect "over-long input: warned and generated" bash -c '[ $1 -eq 0 ] && grep -q "truncated" <<<"$2"' _ $rc "$out"
out=$(for i in 1 2 3 4 5; do echo "$long"; done | "$bin" generate "$fx" 2>&1 >/dev/null); rc=$?
expect "5 over-long inputs: 3 line warnings, then quiet" bash -c '[ $1 -eq 0 ] && [ "$(grep -c "input line [0-9]*: .* truncated" <<<"$2")" = 3 ] && ! grep -q "input line 4" <<<"$2"' _ $rc "$out"
expect "5 over-long inputs: the total is reported" grep -q "5 of 5 inputs were longer" <<<"$out"
echo keep >"$tmp/exists.txt"
"$bin" generate "$fx" -i "$tmp/in.txt" -o "$tmp/exists.txt" >/dev/null 2>&1; rc=$?
expect "existing output refused" bash -c '[ $1 -ne 0 ] && [ "$(cat "$2")" = keep ]' _ $rc "$tmp/exists.txt"
"$bin" generate "$fx" -i "$tmp/in.txt" -o "$tmp/exists.txt" --force --seed 7 >/dev/null 2>&1
expect "--force overwrites with the outputs" [ "$(cat "$tmp/exists.txt")" = "$(printf '%s\n' "$out2")" ]
for bad in "--steps 0" "--candidates abc" "--schedule sideways" "--precision fp8" "--seed -1"; do
  out=$("$bin" generate "$fx" $bad <"$tmp/in.txt" 2>&1); rc=$?
  expect "bad option '$bad' exits 2 with one line" bash -c '[ $1 -eq 2 ] && [ "$(wc -l <<<"$2")" = 1 ]' _ $rc "$out"
done
# --- fp16 weight storage
out16=$(ARDIFF_LOG=info "$bin" generate "$fx" --seed 7 --precision fp16 <"$tmp/in.txt" 2>"$tmp/err16"); rc=$?
expect "--precision fp16 exits 0" [ $rc -eq 0 ]
expect "--precision fp16: one output line per input line" [ "$(printf '%s\n' "$out16" | wc -l)" = 3 ]
expect "--precision fp16: text for non-empty lines" [ -n "$(printf '%s\n' "$out16" | sed -n 1p)" ]
expect "--precision fp16 logs the weight memory" grep -q "weights stored as fp16: .* MiB resident + .* MiB fp32 scratch" "$tmp/err16"
out16b=$("$bin" generate "$fx" --seed 7 --precision fp16 <"$tmp/in.txt" 2>/dev/null)
expect "--precision fp16: same seed, same output" [ "$out16" = "$out16b" ]
out32=$("$bin" generate "$fx" --seed 7 --precision fp32 <"$tmp/in.txt" 2>/dev/null)
expect "--precision fp32 is the default" [ "$out32" = "$out2" ]
# device from the model's INI: used when neither --device nor ARDIFF_DEVICE is given
mk() { rm -rf "$tmp/m"; cp -r "$fx" "$tmp/m"; rm -f "$tmp/m"/golden.*; }
mk; printf 'device = nosuchdevice\n' >>"$tmp/m/model.ini"
out=$("$bin" generate "$tmp/m" <"$tmp/in.txt" 2>&1 >/dev/null); rc=$?
expect "INI device: unknown choice fails naming model.ini" bash -c '[ $1 -ne 0 ] && grep -q "model.ini \[generate\] device" <<<"$2" && grep -q nosuchdevice <<<"$2"' _ $rc "$out"
out=$("$bin" generate "$tmp/m" --device 0 --seed 7 <"$tmp/in.txt" 2>/dev/null); rc=$?
expect "INI device: --device takes precedence" bash -c '[ $1 -eq 0 ] && [ "$2" = "$3" ]' _ $rc "$out" "$out2"
out=$(ARDIFF_DEVICE=0 "$bin" generate "$tmp/m" --seed 7 <"$tmp/in.txt" 2>/dev/null); rc=$?
expect "INI device: ARDIFF_DEVICE takes precedence" bash -c '[ $1 -eq 0 ] && [ "$2" = "$3" ]' _ $rc "$out" "$out2"
mk; printf 'device = cpu\n' >>"$tmp/m/model.ini"
out=$(ARDIFF_LOG=info "$bin" generate "$tmp/m" --seed 7 <"$tmp/in.txt" 2>&1 >/dev/null); rc=$?
expect "INI device = cpu is used and logged" bash -c '[ $1 -eq 0 ] && grep -q "model.ini" <<<"$2"' _ $rc "$out"
out=$("$bin" info "$fx" 2>&1)
expect "info prints the sizes" grep -q "decoder .*2 layers, hidden 32, 4 heads" <<<"$out"
out=$("$bin" generate "$tmp/nomodel" <"$tmp/in.txt" 2>&1); rc=$?
expect "missing model dir: one line naming it" bash -c '[ $1 -ne 0 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q nomodel <<<"$2"' _ $rc "$out"
mk; head -c 1000 "$fx/model.safetensors" >"$tmp/m/model.safetensors"
out=$("$bin" info "$tmp/m" 2>&1); rc=$?
expect "truncated safetensors: one line naming the file" bash -c '[ $1 -ne 0 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "model.safetensors" <<<"$2"' _ $rc "$out"
mk; sed -i 's/^hidden_size = 32/hidden_size = 48/' "$tmp/m/model.ini"
out=$("$bin" info "$tmp/m" 2>&1); rc=$?
expect "INI/tensor shape mismatch names the tensor" bash -c '[ $1 -ne 0 ] && grep -q "tensor .* has shape" <<<"$2"' _ $rc "$out"
mk; sed -i 's/^tgt_len = 12/tgt_len = twelve/' "$tmp/m/model.ini"
out=$("$bin" info "$tmp/m" 2>&1); rc=$?
expect "bad INI value names the key" bash -c '[ $1 -ne 0 ] && grep -q "tgt_len" <<<"$2"' _ $rc "$out"
mk; sed -i '/^type_vocab_size/a time_att = false' "$tmp/m/model.ini"
out=$("$bin" info "$tmp/m" 2>&1); rc=$?
expect "time_att = false over time_att tensors names the missing tensor" bash -c '[ $1 -ne 0 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "time_trans.0.weight" <<<"$2"' _ $rc "$out"
out=$("$bin" info "$(dirname "$fx")/tiny-d" 2>&1)
expect "info names the additive time conditioning" grep -q "added to the input (time_att false)" <<<"$out"
mk; sed -i '$d' "$tmp/m/vocab.txt"
out=$("$bin" info "$tmp/m" 2>&1); rc=$?
expect "short vocab names the file" bash -c '[ $1 -ne 0 ] && grep -q "vocab.txt" <<<"$2"' _ $rc "$out"
mk; printf 'colour = blue\n' >>"$tmp/m/model.ini"
out=$("$bin" info "$tmp/m" 2>&1); rc=$?
expect "unknown INI key warns and loads" bash -c '[ $1 -eq 0 ] && grep -q "colour" <<<"$2"' _ $rc "$out"

# --- usage errors
"$bin" frobnicate >/dev/null 2>&1; rc=$?
expect "unknown command exits 2" [ $rc -eq 2 ]
"$bin" devices --frob >/dev/null 2>&1; rc=$?
expect "unknown option exits 2" [ $rc -eq 2 ]

summary cli_tests

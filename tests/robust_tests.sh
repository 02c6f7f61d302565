#!/usr/bin/env bash
# robust_tests.sh ARDIFF: what ardiff does with a damaged program cache, a plan too large for the
# device's memory and non-finite weights (issue 20, points 2, 3, 6; docs/failures.md):
#  - a cache entry with bytes flipped inside its binary (header intact) crashed PoCL in its
#    compiler on every start; now every entry carries a digest, checked before the driver sees
#    it: a damaged entry is deleted with one warning, the kernels are rebuilt and stored again;
#  - too many candidates (or too large a batch) for the device: one line naming the setting to
#    lower and the numbers, before anything is allocated; a normal run is unaffected;
#  - a NaN or Inf in one tensor (fp32 or fp16 storage in the file) is refused at load with one
#    line naming the tensor and the file (it gave empty outputs and exit 0).
# Needs an OpenCL device that is PoCL's CPU device (POCL_MEMORY_LIMIT sets its memory, and a
# private POCL_CACHE_DIR makes PoCL compile a cached binary); fails without one. Uses python3
# (standard library only) to write the poked model files.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" "$@"
refused() { [ "$1" -ne 0 ] && [ "$1" -lt 124 ]; } # refused RC: failed, not killed or timed out
fx="${ARDIFF_FIXTURES:-$src/tests/fixtures}/tiny-a"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
printf 'a man walks his dog\n\nchildren play ball together\n' >"$tmp/in.txt"

# --- program cache: a damaged entry is detected, deleted, rebuilt (point 2)
export ARDIFF_CACHE_DIR="$tmp/cache"
export POCL_CACHE_DIR="$tmp/pocl"
flip() { # flip FILE OFFSET: inverts the 16 bytes at OFFSET
  local bytes hex b
  bytes=$(od -An -tu1 -j "$2" -N 16 "$1")
  hex=$(for b in $bytes; do printf '\\x%02x' $((255 - b)); done)
  printf "$hex" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
want=$(timeout 600 "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>"$tmp/err"); rc=$?
expect "cold run exits 0 and writes one cache entry" bash -c '[ $1 -eq 0 ] && [ $(ls "$2"/*.clbin | wc -l) = 1 ]' _ $rc "$ARDIFF_CACHE_DIR"
entry=$(ls "$ARDIFF_CACHE_DIR"/*.clbin | head -1)
size=$(stat -c %s "$entry")
cp "$entry" "$tmp/good.clbin"
# the key (a few hundred bytes) opens the file: 10 % and 50 % are inside the binary
flip "$entry" $((size / 10))
flip "$entry" $((size / 2))
cp "$entry" "$tmp/damaged.clbin"
expect "bytes flipped" bash -c '[ "$(cmp -l "$1" "$2" | wc -l)" -ge 16 ]' _ "$tmp/good.clbin" "$entry"
# PoCL finds compiled kernels of a known binary in its own cache and would not read the damaged
# part: start it without one, as on a machine whose PoCL cache was cleared
rm -rf "$POCL_CACHE_DIR"
got=$(timeout 600 "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>"$tmp/err"); rc=$?
err=$(cat "$tmp/err")
expect "damaged entry: the run succeeds (rc $rc)" [ $rc -eq 0 ]
expect "damaged entry: the same output" [ "$got" = "$want" ]
expect "damaged entry: one warning line naming the entry" says "$err" "warning: program cache: $entry is damaged (checksum mismatch)"
expect "damaged entry: rewritten" bash -c '[ -f "$1" ] && ! cmp -s "$1" "$2"' _ "$entry" "$tmp/damaged.clbin"
got=$(ARDIFF_LOG=info "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>"$tmp/err"); rc=$?
expect "rewritten entry: valid (a cache hit, no warning)" bash -c '[ $1 -eq 0 ] && grep -q "program cache hit" "$2" && ! grep -q warning "$2"' _ $rc "$tmp/err"
expect "rewritten entry: the same output" [ "$got" = "$want" ]
# the header is covered too: a damaged key length, or a cut file
flip "$entry" 8
err=$(ARDIFF_LOG=info "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>&1 >/dev/null); rc=$?
expect "damaged header: rebuilt with one warning" bash -c '[ $1 -eq 0 ] && [ "$(grep -c "warning: program cache: .* is damaged" <<<"$2")" = 1 ] && grep -q "built from source" <<<"$2"' _ $rc "$err"
head -c $((size - 1)) "$entry" >"$entry.cut" && mv "$entry.cut" "$entry"
err=$("$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>&1 >/dev/null); rc=$?
expect "truncated entry: rebuilt with one warning" bash -c '[ $1 -eq 0 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "damaged (lengths do not match" <<<"$2"' _ $rc "$err"
err=$("$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>&1 >/dev/null); rc=$?
expect "after a rebuild: no warning" bash -c '[ $1 -eq 0 ] && [ -z "$2" ]' _ $rc "$err"

# --- device memory: refused before allocation, naming the setting (point 3)
# the sections after this one do not depend on the first (on the old code, the crash left the
# private PoCL cache broken too): a fresh ardiff cache, PoCL's usual cache
export ARDIFF_CACHE_DIR="$tmp/cache2"
unset POCL_CACHE_DIR
# PoCL's CPU device takes its memory size from POCL_MEMORY_LIMIT (GiB); max alloc is a quarter
# (1 GiB) or a third (3 GiB) of it
mem() { POCL_MEMORY_LIMIT=$1 "$bin" devices --device 0 | grep -E "^ +(global memory|max alloc) "; }
expect "POCL_MEMORY_LIMIT=1 gives 1 GiB, 256 MiB max alloc (PoCL needed)" bash -c '[ "$(tr -s " " <<<"$1")" = "$(printf " global memory 1.0 GiB\n max alloc 256.0 MiB")" ]' _ "$(mem 1)"
expect "POCL_MEMORY_LIMIT=3 gives 3 GiB, 1 GiB max alloc" bash -c '[ "$(tr -s " " <<<"$1")" = "$(printf " global memory 3.0 GiB\n max alloc 1.0 GiB")" ]' _ "$(mem 3)"
# tiny-a: the decoder feed-forward buffer is rows x 12 x 256 floats; 6 x 4096 rows: 288 MiB
err=$(POCL_MEMORY_LIMIT=1 timeout 120 "$bin" generate "$fx" -i "$tmp/in.txt" --candidates 4096 --batch 6 --steps 1 2>&1 >/dev/null); rc=$?
expect "too many candidates: refused (rc $rc)" refused $rc
expect "too many candidates: one line naming --candidates, the buffer and the limit" says "$err" "decoder feed-forward buffer for 6 inputs x 4096 candidates needs 288.0 MiB .* single-allocation limit of 256.0 MiB; lower the candidates (--candidates) or the batch (--batch)"
# every buffer under 1 GiB, all of them (with CLBlast's temporary of the gpu kernel set) over 3 GiB
err=$(POCL_MEMORY_LIMIT=3 ARDIFF_KERNELS=gpu timeout 120 "$bin" generate "$fx" -i "$tmp/in.txt" --candidates 4096 --batch 18 --steps 1 2>&1 >/dev/null); rc=$?
expect "over the device's memory in total: refused (rc $rc)" refused $rc
expect "over the device's memory in total: one line with the totals and --candidates" says "$err" "18 inputs x 4096 candidates need [0-9.]* GiB of device memory (.*), more than the device's 3.00 GiB; lower the candidates (--candidates)"
err=$(POCL_MEMORY_LIMIT=1 timeout 120 "$bin" generate "$fx" -i "$tmp/in.txt" --batch 1024 --candidates 64 --steps 1 2>&1 >/dev/null); rc=$?
expect "too large a batch: refused (rc $rc)" refused $rc
expect "too large a batch: one line naming --batch" says "$err" "1024 inputs x 64 candidates .*(--batch)"
# the same model and settings within the limits: unaffected
got=$(POCL_MEMORY_LIMIT=1 "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>"$tmp/err"); rc=$?
expect "default settings under a 1 GiB device: same output, no message" bash -c '[ $1 -eq 0 ] && [ "$2" = "$3" ] && [ ! -s "$4" ]' _ $rc "$got" "$want" "$tmp/err"
got=$(POCL_MEMORY_LIMIT=1 "$bin" generate "$fx" -i "$tmp/in.txt" --candidates 1024 --batch 2 --steps 2 2>"$tmp/err"); rc=$?
expect "1024 candidates x 2 under a 1 GiB device: runs" bash -c '[ $1 -eq 0 ] && [ "$(wc -l <<<"$2")" = 3 ] && [ ! -s "$3" ]' _ $rc "$got" "$tmp/err"

# --- non-finite weights: refused at load, naming the tensor and the file (point 6)
# poke SRC DST DTYPE [TENSOR INDEX VALUE]: copies model dir SRC to DST with model.safetensors
# rewritten with every tensor in DTYPE (F32 or F16) and VALUE ("nan", "inf", "-inf") at element
# INDEX of TENSOR (TENSOR "*": every element of every tensor)
poke() {
  rm -rf "$2"; cp -r "$1" "$2"; rm -f "$2"/golden.*
  "$py" - "$2/model.safetensors" "${@:3}" <<'EOF'
import json, struct, sys
path, dtype = sys.argv[1], sys.argv[2]
name, index, value = (sys.argv[3], int(sys.argv[4]), float(sys.argv[5])) if len(sys.argv) > 3 else (None, 0, 0.0)
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
head = json.loads(raw[8:8 + n])
out, body, size = {}, [], {"F32": 4, "F16": 2}[dtype]
code = {"F32": "f", "F16": "e"}[dtype]
found = name in (None, "*")
for key, t in sorted(head.items(), key=lambda kv: kv[1]["data_offsets"][0] if kv[0] != "__metadata__" else -1):
    if key == "__metadata__":
        out[key] = t
        continue
    assert t["dtype"] == "F32", t
    b, e = t["data_offsets"]
    vals = list(struct.unpack("<%df" % ((e - b) // 4), raw[8 + n + b:8 + n + e]))
    if name == "*":
        vals = [value] * len(vals)
    elif key == name:
        vals[index] = value
        found = True
    start = sum(len(x) for x in body)
    body.append(struct.pack("<%d%s" % (len(vals), code), *vals))
    out[key] = {"dtype": dtype, "shape": t["shape"], "data_offsets": [start, start + len(body[-1])]}
assert found, name
h = json.dumps(out).encode()
h += b" " * (-len(h) % 8)
open(path, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(body))
EOF
}
poke "$fx" "$tmp/f16" F16
got=$("$bin" generate "$tmp/f16" -i "$tmp/in.txt" --seed 7 2>"$tmp/err"); rc=$?
expect "the poke helper's fp16 copy loads and generates (control)" bash -c '[ $1 -eq 0 ] && [ -n "$(head -1 <<<"$2")" ] && [ ! -s "$3" ]' _ $rc "$got" "$tmp/err"
check_refused() { # check_refused DESCRIPTION MODEL TENSOR WHAT
  local err rc
  err=$("$bin" generate "$2" -i "$tmp/in.txt" 2>&1 >"$tmp/out"); rc=$?
  expect "$1: generate refused (rc $rc)" refused $rc
  expect "$1: no output" [ ! -s "$tmp/out" ]
  expect "$1: one line naming the tensor and the file" says "$err" "$2/model.safetensors: tensor '$3' holds $4 at element"
  err=$("$bin" info "$2" 2>&1 >/dev/null); rc=$?
  expect "$1: info refused too" bash -c '[ $1 -ne 0 ] && grep -q "tensor .$2. holds" <<<"$3"' _ $rc "$3" "$err"
}
poke "$fx" "$tmp/nan" F32 transformer_blocks.1.attn1.to_out.0.weight 77 nan
check_refused "NaN in one fp32 tensor" "$tmp/nan" transformer_blocks.1.attn1.to_out.0.weight NaN
poke "$fx" "$tmp/inf" F32 transformer_blocks.0.attn1.to_k.weight 3 inf
check_refused "+Inf in a fused (key) weight" "$tmp/inf" transformer_blocks.0.attn1.to_k.weight +Inf
poke "$fx" "$tmp/ninf16" F16 lm_head.bias 324 -inf
check_refused "-Inf in an fp16 tensor's last element" "$tmp/ninf16" lm_head.bias -Inf
poke "$fx" "$tmp/allnan" F32 '*' 0 nan
check_refused "every weight NaN (blamed the tokenizer)" "$tmp/allnan" encoder.embeddings.word_embeddings.weight NaN

summary robust_tests

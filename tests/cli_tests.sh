#!/usr/bin/env bash
# cli_tests.sh ARDIFF: the program's device listing, selection errors, kernel build errors and
# program cache, as a user meets them. Needs an OpenCL device (PoCL in CI); fails without one.
set -u
bin=$1
src=${ARDIFF_SOURCE_DIR:?}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect() { # expect DESCRIPTION COMMAND...: command must succeed
  local d=$1; shift
  if "$@"; then ok; else bad "$d"; fi
}
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
out=$(ARDIFF_CL_DIR="$tmp/missing" "$bin" selftest 2>&1); rc=$?
expect "missing ARDIFF_CL_DIR: non-zero exit naming the file" bash -c '[ $1 -ne 0 ] && grep -q "cannot open kernel source" <<<"$2"' _ $rc "$out"

# --- usage errors
"$bin" frobnicate >/dev/null 2>&1; rc=$?
expect "unknown command exits 2" [ $rc -eq 2 ]
"$bin" devices --frob >/dev/null 2>&1; rc=$?
expect "unknown option exits 2" [ $rc -eq 2 ]

echo "cli_tests: $pass passed, $fail failed"
[ $fail -eq 0 ]

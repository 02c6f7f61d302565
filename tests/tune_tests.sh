#!/usr/bin/env bash
# tune_tests.sh ARDIFF: the per-device kernel tuning through the program (runtime/ocl/tune.h,
# docs/kernels.md), in a private cache folder, on device 0:
#  - `devices --tune` writes a valid table (the one `devices --verbose` then shows, "from stored
#    tuning") and prints old -> new;
#  - a damaged, truncated or foreign tuning file: one warning line, the type defaults, exit 0;
#  - ARDIFF_KERNELS / ARDIFF_CLAMP beat the stored table, and say so;
#  - the first generation on a fresh cache tunes once (one note on stderr) and stores; the next
#    run prints nothing and gives the same output; its jsonl names the table; ARDIFF_TUNE=off and
#    ARDIFF_CACHE=off never tune.
# No timing is asserted.
. "$(dirname "$0")/lib.sh" "$@"
unset ARDIFF_TUNE ARDIFF_KERNELS ARDIFF_CLAMP ARDIFF_CACHE ARDIFF_DEVICE
export ARDIFF_CACHE_DIR="$tmp/cache"
fx="${ARDIFF_FIXTURES:-$src/tests/fixtures}/tiny-a"
printf 'a man walks his dog\nchildren play ball together\n' >"$tmp/in.txt"
tunefile() { ls "$ARDIFF_CACHE_DIR"/*.tune 2>/dev/null | head -1; }
field() { sed -n "s/^    $(printf '%-16s' "$1") //p" <<<"$2"; } # a line of devices --verbose

# --- the re-tune command
out=$("$bin" devices --tune --device 0 2>"$tmp/err"); rc=$?
expect "devices --tune exits 0 (rc $rc: $(head -c 300 "$tmp/err"))" [ $rc -eq 0 ]
expect "devices --tune prints old and new" bash -c 'grep -q "^    old: gemm_nt=" <<<"$1" && grep -q "^    new: gemm_nt=" <<<"$1"' _ "$out"
f=$(tunefile)
expect "devices --tune writes one tuning file" bash -c '[ -n "$1" ] && [ "$(ls "$2"/*.tune | wc -l)" = 1 ]' _ "$f" "$ARDIFF_CACHE_DIR"
table=$(sed -n 's/^table: //p' "$f")
expect "the file's table is the new one" [ "$(sed -n 's/^    new: //p' <<<"$out")" = "$table" ]
v=$("$bin" devices --verbose --device 0 2>"$tmp/err"); rc=$?
expect "devices --verbose: exit 0, nothing on stderr" bash -c '[ $1 -eq 0 ] && [ ! -s "$2" ]' _ $rc "$tmp/err"
same "devices --verbose shows the stored table" "$(field kernels "$v")" "$table"
expect "devices --verbose says where it came from" grep -q "^stored tuning (measured on k=10 N=32" <<<"$(field 'kernels from' "$v")"
same "devices --verbose names the tuning file" "$(field 'tuning file' "$v")" "$f"

# --- the environment beats it
v=$(ARDIFF_KERNELS=gpu "$bin" devices --verbose --device 0 2>/dev/null)
same "ARDIFF_KERNELS=gpu: the gpu set" "$(field kernels "$v")" "gemm_nt=clblast attention=group layernorm=group clamp=gemm clamp_splits=0"
expect "ARDIFF_KERNELS=gpu: named as the origin" grep -q "ARDIFF_KERNELS overrides" <<<"$(field 'kernels from' "$v")"
v=$(ARDIFF_CLAMP=gemm "$bin" devices --verbose --device 0 2>/dev/null)
expect "ARDIFF_CLAMP=gemm: clamping only" bash -c '[ "$1" = "$(sed "s/clamp=[a-z]*/clamp=gemm/" <<<"$2")" ]' _ "$(field kernels "$v")" "$table"

# --- damaged, truncated, foreign: one warning, the type defaults
cp "$f" "$tmp/good.tune"
sed -i 's/^table: gemm_nt=/table: gemm_nt =/' "$f" # any changed byte: the checksum
err=$("$bin" devices --verbose --device 0 2>&1 >"$tmp/v"); rc=$?
expect "damaged file: exit 0 (rc $rc)" [ $rc -eq 0 ]
expect "damaged file: one warning line naming it (got: $err)" says "$err" "warning: kernel tuning: $f is damaged (checksum mismatch)"
expect "damaged file: the type defaults, the file deleted" bash -c 'grep -q "kernels from *type defaults" "$1" && [ ! -e "$2" ]' _ "$tmp/v" "$f"
head -c $(($(stat -c %s "$tmp/good.tune") - 3)) "$tmp/good.tune" >"$f"
err=$("$bin" devices --verbose --device 0 2>&1 >"$tmp/v"); rc=$?
expect "truncated file: exit 0 (rc $rc)" [ $rc -eq 0 ]
expect "truncated file: one warning line (got: $err)" says "$err" "warning: kernel tuning: $f is damaged"
expect "truncated file: the type defaults" grep -q "kernels from *type defaults" "$tmp/v"
# another kernel source (ARDIFF_CL_DIR with one more comment line): another key, another file
mkdir -p "$tmp/cl" && cp "$src"/cl/*.cl "$tmp/cl/" && echo "/* changed */" >>"$tmp/cl/common.cl"
ARDIFF_CL_DIR="$tmp/cl" "$bin" devices --tune --device 0 >/dev/null 2>&1
other=$(ls "$ARDIFF_CACHE_DIR"/*.tune 2>/dev/null | grep -v "^$f\$" | head -1)
expect "changed kernels: a tuning file of their own" [ -n "$other" ]
[ -n "$other" ] && mv "$other" "$f"
err=$("$bin" devices --verbose --device 0 2>&1 >"$tmp/v"); rc=$?
expect "foreign file: exit 0 (rc $rc)" [ $rc -eq 0 ]
expect "foreign file: one warning line (got: $err)" says "$err" "warning: kernel tuning: $f holds another"
expect "foreign file: the type defaults" grep -q "kernels from *type defaults" "$tmp/v"
out=$("$bin" devices --tune --device 0 2>/dev/null); rc=$?
expect "devices --tune replaces a foreign file with a valid one" bash -c '[ $1 -eq 0 ] && "$2" devices --verbose --device 0 2>&1 | grep -q "kernels from *stored tuning"' _ $rc "$bin"

# --- tuning at the first generation
export ARDIFF_CACHE_DIR="$tmp/cache-gen"
want=$("$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>"$tmp/err"); rc=$?
expect "first generation: exit 0 (rc $rc)" [ $rc -eq 0 ]
expect "first generation: one note on stderr" says "$(cat "$tmp/err")" "tuning kernels for device 0 .*first use"
expect "first generation: a tuning file stored" [ -n "$(tunefile)" ]
got=$("$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 2>"$tmp/err"); rc=$?
expect "second generation: the same output, nothing on stderr" bash -c '[ $1 -eq 0 ] && [ "$2" = "$3" ] && [ ! -s "$4" ]' _ $rc "$got" "$want" "$tmp/err"
k=$("$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 --format jsonl 2>/dev/null | head -1 |
    /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["kernels"][0])')
same "jsonl names the stored table" "$k" "$(sed -n 's/^table: //p' "$(tunefile)")"
export ARDIFF_CACHE_DIR="$tmp/cache-notune"
ARDIFF_TUNE=off "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 >/dev/null 2>"$tmp/err"; rc=$?
expect "ARDIFF_TUNE=off: no tuning, no note" bash -c '[ $1 -eq 0 ] && [ ! -s "$2" ] && ! ls "$3"/*.tune >/dev/null 2>&1' _ $rc "$tmp/err" "$ARDIFF_CACHE_DIR"
ARDIFF_CACHE=off "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 >/dev/null 2>"$tmp/err"; rc=$?
expect "ARDIFF_CACHE=off: no tuning, no note" bash -c '[ $1 -eq 0 ] && [ ! -s "$2" ]' _ $rc "$tmp/err"
ARDIFF_KERNELS=cpu "$bin" generate "$fx" -i "$tmp/in.txt" --seed 7 >/dev/null 2>"$tmp/err"; rc=$?
expect "ARDIFF_KERNELS set: no tuning, no note" bash -c '[ $1 -eq 0 ] && [ ! -s "$2" ] && ! ls "$3"/*.tune >/dev/null 2>&1' _ $rc "$tmp/err" "$ARDIFF_CACHE_DIR"

summary tune_tests

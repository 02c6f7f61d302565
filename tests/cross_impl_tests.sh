#!/usr/bin/env bash
# cross_impl_tests.sh BUILD_DIR: PoCL and Intel's CPU runtime side by side (docs/devices.md).
#  1. Program-cache entries never cross implementations: with one shared ARDIFF_CACHE_DIR, a
#     PoCL run then an Intel run each write their own entries (the key names the platform and the
#     driver version, as `ardiff devices` reports them), neither touches nor loads the other's,
#     and repeated runs add nothing (cache hits).
#  2. The bundled models give identical outputs on both implementations, cold and warm.
#  3. Step by step (cross_impl_compare.c, through the engine's trace hook): every golden fixture
#     with reference ids (both schedules; on the cpu and the gpu kernel set) and both bundled
#     models on their examples with their defaults, seeds 0, 1, 2, give identical final ids,
#     clamps, candidates and MBR choices on both, the fixtures' reference ids on both, and x̂0
#     within X0_ABS absolute and X0_REL relative at every step (docs/numerics.md derives the
#     tolerance from the measured difference).
# Needs BUILD_DIR/opencl-vendors.sh (tools/setup.sh); fails when either implementation is missing.
set -euo pipefail
BUILD=$(cd "${1:?usage: cross_impl_tests.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
ARDIFF="$BUILD/ardiff"
POCL='Portable Computing Language'
INTEL='Intel(R) OpenCL'
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

[ -f "$BUILD/opencl-vendors.sh" ] || { echo "FAIL: $BUILD/opencl-vendors.sh missing (tools/setup.sh)" >&2; exit 1; }
# shellcheck disable=SC1091
. "$BUILD/opencl-vendors.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ARDIFF_CACHE_DIR="$T/cache"
unset ARDIFF_DEVICE ARDIFF_CACHE
export ARDIFF_TUNE=off # the type defaults on both implementations: no kernel tuning at first use

"$ARDIFF" devices > "$T/devices.txt"
driver_of() { # the driver version `ardiff devices` lists for the first device of platform $1
  awk -v p="$1" '/^\[/ {dev = 1; plat = ""} /^ +platform / {plat = index($0, p) > 0}
    /^ +driver / && plat && dev {sub(/^ +driver +/, ""); print; exit}' "$T/devices.txt"
}
for impl in "$POCL" "$INTEL"; do
  grep -qF "platform         $impl" "$T/devices.txt" || { echo "FAIL: no '$impl' device listed" >&2; cat "$T/devices.txt" >&2; exit 1; }
done
DRV_POCL=$(driver_of "$POCL")
DRV_INTEL=$(driver_of "$INTEL")
if [ -z "$DRV_POCL" ] || [ -z "$DRV_INTEL" ]; then echo "FAIL: driver versions not listed" >&2; exit 1; fi
ok "both implementations listed (PoCL driver $DRV_POCL, Intel driver $DRV_INTEL)"

# entries: one line per cache file, "sha256-inode name platform-line driver-line" (a rewrite
# through the atomic rename changes the inode even when the bytes are the same)
entries() {
  for f in "$ARDIFF_CACHE_DIR"/*.clbin; do
    [ -e "$f" ] || continue
    echo "$(sha256sum < "$f" | cut -c1-16)-$(stat -c %i "$f") $(basename "$f") $(grep -a -m1 '^platform=' "$f" | tr ' ' _) $(grep -a -m1 '^driver=' "$f" | tr ' ' _)"
  done | sort
}

MODEL="$SRC/models/commongen"
gen() { # gen NAME DEVICE: generates the model's examples on DEVICE, outputs in $T/NAME.txt
  ARDIFF_LOG=info "$ARDIFF" generate "$MODEL" -i "$MODEL/examples.txt" -o "$T/$1.txt" \
    --device "$2" 2> "$T/$1.err" || { cat "$T/$1.err" >&2; bad "$1: ardiff generate failed"; }
  if grep -qi 'rejected by the driver\|damaged' "$T/$1.err"; then
    bad "$1: a cache entry was offered to the wrong driver: $(grep -i 'rejected\|damaged' "$T/$1.err" | head -1)"
  fi
}

gen pocl1 "$POCL"
entries > "$T/e1"
n1=$(wc -l < "$T/e1")
if [ "$n1" -gt 0 ] && [ "$(grep -c "platform=${POCL// /_}" "$T/e1")" -eq "$n1" ] &&
   [ "$(grep -c "driver=${DRV_POCL// /_}\$" "$T/e1")" -eq "$n1" ]; then
  ok "PoCL run wrote $n1 entries, each keyed by PoCL's platform and driver $DRV_POCL"
else bad "PoCL entries: $(cat "$T/e1")"; fi

gen intel1 "$INTEL"
entries > "$T/e2"
new=$(comm -13 "$T/e1" "$T/e2")
n_new=$(printf '%s' "$new" | grep -c . || true)
if [ -z "$(comm -23 "$T/e1" "$T/e2")" ]; then ok "Intel run left PoCL's entries untouched"
else bad "Intel run changed or removed PoCL entries"; fi
if [ "$n_new" -gt 0 ] && [ "$(printf '%s\n' "$new" | grep -c "platform=${INTEL// /_}")" -eq "$n_new" ] &&
   [ "$(printf '%s\n' "$new" | grep -c "driver=${DRV_INTEL// /_}\$")" -eq "$n_new" ]; then
  ok "Intel run wrote $n_new entries of its own, each keyed by Intel's platform and driver $DRV_INTEL"
else bad "Intel entries: $new"; fi
# the file names differ: no entry of one implementation sits where the other looks
if [ "$(cut -d' ' -f2 "$T/e2" | sort -u | wc -l)" -eq "$(wc -l < "$T/e2")" ]; then ok "entry names distinct"
else bad "an entry name repeats"; fi

gen pocl2 "$POCL"
gen intel2 "$INTEL"
entries > "$T/e3"
if cmp -s "$T/e2" "$T/e3"; then ok "warm runs on both: cache hits, no entry added or rewritten"
else bad "warm runs changed the cache: $(diff "$T/e2" "$T/e3" | head -5)"; fi

# identical outputs across implementations, cold and warm (docs/devices.md)
for r in intel1 pocl2 intel2; do
  if cmp -s "$T/pocl1.txt" "$T/$r.txt"; then :; else bad "$r output differs from pocl1: $(diff "$T/pocl1.txt" "$T/$r.txt" | head -4)"; fi
done
[ -s "$T/pocl1.txt" ] && ok "commongen examples: identical outputs on PoCL and Intel ($(wc -l < "$T/pocl1.txt") lines)"

# 3. ids and x̂0 step by step. Tolerance: docs/numerics.md "Across implementations" (measured
# here, worst of all the runs below: 2.2e-6 absolute, 6.8e-7 relative; about 5x margin).
X0_ABS=1e-5
X0_REL=3e-6
COMPARE="$BUILD/tests/cross_impl_compare"
fixtures=()
for d in "$SRC"/tests/fixtures/*/; do
  if [ -f "$d/golden.json" ] && [ -f "$d/golden.safetensors" ]; then fixtures+=(--fixture "${d%/}"); fi
done
# models/multi30k has no examples.txt: five German sentences
cat > "$T/multi30k.txt" <<'EOF'
Ein Mann fährt mit dem Fahrrad durch die Stadt.
Zwei Hunde spielen im Schnee.
Eine Frau sitzt auf einer Bank und liest ein Buch.
Kinder spielen Fußball auf einer Wiese.
Ein Koch steht in einer Küche.
EOF
compare() { # compare NAME [ARGS...]: cross_impl_compare on PoCL (a) and Intel (b), output in $T/NAME.cmp
  local name=$1; shift
  if "$COMPARE" --a "$POCL" --b "$INTEL" --x0-abs "$X0_ABS" --x0-rel "$X0_REL" "$@" \
       > "$T/$name.cmp" 2> "$T/$name.cmp.err"; then
    grep '^  ' "$T/$name.cmp" || true
    ok "$name: $(tail -1 "$T/$name.cmp")"
  else
    cat "$T/$name.cmp" >&2; grep -v 'warning: input line' "$T/$name.cmp.err" >&2 || true
    bad "$name: PoCL and Intel disagree (ids, clamps and strings must be identical, x0 within $X0_ABS and $X0_REL relative)"
  fi
}
if [ ! -x "$COMPARE" ]; then bad "$COMPARE missing (build the tests)"
elif [ "${#fixtures[@]}" -lt 8 ]; then bad "found $((${#fixtures[@]} / 2)) golden fixtures under $SRC/tests/fixtures, expected 4"
else
  compare "fixtures, cpu kernel set" "${fixtures[@]}"
  ARDIFF_KERNELS=gpu compare "fixtures, gpu kernel set" "${fixtures[@]}"
  compare "bundled models" --model "$MODEL" "$MODEL/examples.txt" 0,1,2 \
    --model "$SRC/models/multi30k" "$T/multi30k.txt" 0,1,2
fi

if [ "$fails" -ne 0 ]; then echo "cross_impl_tests: $fails failed" >&2; exit 1; fi
echo "cross_impl_tests: all passed"

#!/bin/bash
# cross_device.sh OUT_FILE [-- ardiff_bench_generate options]: one run over every OpenCL device
# of the machine, with the PyTorch reference's row: start-up cold and warm, ms per decoder step
# and tokens/s at k = 1, 10, 50 (K = 20) on a random-weight model of the official CommonGen
# size, then the table and, per k, the slowest device's ms per step over the fastest's.
#
# Devices: every device `ardiff devices` lists after `. VENDORS` (Intel's CPU runtime next to
# the system's ICDs; default BUILD/opencl-vendors.sh, else build/opencl-vendors.sh, skipped if
# absent) with RUSTICL_ENABLE=llvmpipe (Mesa's rusticl); DEVICES="0 2" picks indices of that
# list. Each device runs `ardiff_bench_generate --device I --k 1,10,50 --steps 20` in its own
# process (start-up cold, cache fill and warm in fresh processes, then the cells); the first
# device's run also runs the reference (--ref: each cell ardiff then reference, same inputs).
# Environment: BUILD (default build), PYTHON (default /usr/bin/python3), NINPUTS (default 8),
# BUDGET (default 160: n = clamp(BUDGET / (k K), 1, NINPUTS) inputs per cell), VENDORS, DEVICES,
# SHORT ("I=K ...": device I runs its cells with K decoder calls instead of 20, for a device too
# slow for K = 20 at k = 50 (rusticl on llvmpipe: about 50 minutes); its ms per step is measured
# over K calls on the inputs a K = 20 cell would take, and includes the final argmax spread over
# K instead of 20 (a few % more); its tokens/s are not comparable and are left out of the table).
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac
OUT=$1; shift
[ $# -ge 1 ] && [ "$1" = "--" ] && shift

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
PYTHON=${PYTHON:-/usr/bin/python3}
NINPUTS=${NINPUTS:-8}
BUDGET=${BUDGET:-160}
BIN=$BUILD/bench/ardiff_bench_generate
[ -x "$BIN" ] || { echo "cross_device.sh: $BIN not found (cmake --build $BUILD)" >&2; exit 1; }
VENDORS=${VENDORS:-$BUILD/opencl-vendors.sh}
[ -r "$VENDORS" ] || VENDORS=$SRC/build/opencl-vendors.sh
if [ -r "$VENDORS" ]; then . "$VENDORS"; else VENDORS="(none: system ICDs only)"; fi
export RUSTICL_ENABLE=${RUSTICL_ENABLE:-llvmpipe}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ardiff-cross-device.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
mkdir -p "$(dirname "$OUT")"

main() {

DATA=${DATA:-$SRC/../shared/data/commongen/valid.src}
[ -r "$DATA" ] || { echo "cross_device: $DATA: not readable (set DATA to CommonGen's valid.src)" >&2; exit 2; }
awk -v n="$NINPUTS" 'NF && !seen[$0]++ {print; if (++c == n) exit}' "$DATA" > "$TMP/inputs.txt"
(cd "$SRC/tools" && "$PYTHON" -m ardiff_ref.make_bench_model "$TMP/model" --size commongen) \
    > "$TMP/make.log" 2>&1 || { cat "$TMP/make.log"; exit 1; }

commit=$(git -C "$SRC" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$SRC" status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit-dirty"
echo "# cross_device.sh $OUT $*; $(date -u '+%Y-%m-%d %H:%M:%S UTC'); commit $commit"
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "# load average at the start: $(cat /proc/loadavg)"
echo "# OCL_ICD_VENDORS from ${VENDORS#"$SRC"/}; RUSTICL_ENABLE=$RUSTICL_ENABLE"
echo "# model: random weights at the official CommonGen size (make_bench_model); inputs: the first $NINPUTS distinct lines of CommonGen valid.src; k 1,10,50, K 20, batch 8, seed 0, budget $BUDGET"
"$BUILD/ardiff" devices > "$TMP/devices.txt"
sed -n 's/^\[\([0-9]*\)\] \(.*\)$/# device \1: \2/p; s/^ *platform *\(.*\)$/#     platform \1/p; s/^ *driver *\(.*\)$/#     driver \1/p; s/^ *compute units *\(.*\)$/#     compute units \1/p' "$TMP/devices.txt"
DEVICES=${DEVICES:-$(sed -n 's/^\[\([0-9]*\)\].*/\1/p' "$TMP/devices.txt")}

first=1
for i in $DEVICES; do
    name=$(sed -n "s/^\[$i\] \(.*\)$/\1/p" "$TMP/devices.txt")
    plat=$(awk -v i="[$i]" '$1 == i {on = 1; next} /^\[/ {on = 0} on && $1 == "platform" {$1 = ""; sub(/^ /, ""); sub(/ \(.*/, ""); print; exit}' "$TMP/devices.txt")
    echo
    echo "################ device $i: $name, platform $plat"
    ref=(); [ $first = 1 ] && ref=(--ref --python "$PYTHON" --threads "$(nproc)")
    steps=20
    for s in ${SHORT:-}; do [ "${s%%=*}" = "$i" ] && steps=${s#*=}; done
    echo "$steps" > "$TMP/steps$i.txt"
    [ "$steps" = 20 ] || echo "# device $i runs K = $steps (SHORT): ms per step over $steps calls; tokens/s not comparable, left out of the table"
    # a short device keeps the inputs per cell of K = 20 (the budget counts k K n)
    budget=$(( BUDGET * steps / 20 )); [ "$budget" -ge 1 ] || budget=1
    "$BIN" "$TMP/model" --inputs "$TMP/inputs.txt" --device "$i" --k 1,10,50 --steps "$steps" \
        --max-inputs "$NINPUTS" --budget "$budget" --no-blas "${ref[@]}" "$@" | tee "$TMP/dev$i.txt"
    echo "$plat" > "$TMP/plat$i.txt"
    first=0
done

echo
echo "## cross-device table (one run; k = candidates per input, K = 20; start-up = model load + engine create + first request, cold: no program cache, warm: cached)"
awk -v list="$DEVICES" -v tmp="$TMP" '
function c(v, w) { return v == "" ? sprintf("%" w "s", "-") : sprintf("%" w ".1f", v) }
BEGIN {
    n = split(list, dev, " ")
    printf "%-44s %8s %8s %10s %10s %10s %9s %9s %9s\n", "device (platform)", "cold s", "warm s",
           "ms/step 1", "ms/step 10", "ms/step 50", "tok/s 1", "tok/s 10", "tok/s 50"
    for (d = 1; d <= n; d++) {
        i = dev[d]; f = tmp "/dev" i ".txt"
        getline plat < (tmp "/plat" i ".txt")
        K = 20; getline K < (tmp "/steps" i ".txt")
        cold = warm = ""; delete step; delete tok; k = ""; nextcold = 0
        while ((getline line < f) > 0) {
            if (nextcold) { split(line, a, "+"); cold = (a[1] + a[2] + a[3]) / 1000; nextcold = 0 }
            if (line ~ /^  cold \(/) nextcold = 1
            if (line ~ /^  warm \(/) { sub(/.*\)/, "", line); split(line, a, "+"); warm = (a[1] + a[2] + a[3]) / 1000 }
            if (line ~ /^k=/) { split(line, a, /[= ]/); k = a[2] }
            if (line ~ /^  ardiff / && k != "") { split(line, a, " "); step[k] = a[3]; tok[k] = a[6] }
            if (line ~ /^  ref +[0-9]/ && k != "") { split(line, a, " "); rstep[k] = a[3]; rtok[k] = a[6] }
            if (line ~ /^# reference: torch/) { rl = line; sub(/.*model load /, "", rl); sub(/ s$/, "", rl); rload = rl; rver = line; sub(/^# reference: /, "", rver); sub(/, model load.*/, "", rver) }
        }
        close(f)
        if (K != 20) { delete tok; plat = substr(plat, 1, 31) " (K=" K ")" }
        label = "[" i "] " substr(plat, 1, 38)
        printf "%-44s %8.2f %8.2f %s %s %s %s %s %s\n", label, cold, warm, c(step[1], 10),
               c(step[10], 10), c(step[50], 10), c(tok[1], 9), c(tok[10], 9), c(tok[50], 9)
        for (kk in step) {
            if (step[kk] == "") continue  # made by the printf above: no such cell
            allstep[i, kk] = step[kk]
            if (!(kk in best) || step[kk] < best[kk]) { best[kk] = step[kk]; bestn[kk] = label }
            if (!(kk in worst) || step[kk] > worst[kk]) { worst[kk] = step[kk]; worstn[kk] = label }
        }
    }
    if (rload != "")
        printf "%-44s %8.2f %8.2f %s %s %s %s %s %s\n", "PyTorch reference (" rver ")", rload,
               rload, c(rstep[1], 10), c(rstep[10], 10), c(rstep[50], 10), c(rtok[1], 9),
               c(rtok[10], 9), c(rtok[50], 9)
    print "(reference start-up: model load only, there is no kernel build; its cells ran interleaved with the first device'\''s)"
    print ""
    print "## ms per step over the fastest device'\''s, and the slowest / fastest (issue 18 target: within 1.25x)"
    split("1 10 50", ks, " ")
    for (j = 1; j <= 3; j++) {
        kk = ks[j]
        if (!(kk in best) || best[kk] <= 0) continue
        line = ""
        for (d = 1; d <= n; d++)
            line = line ((dev[d], kk) in allstep ? sprintf("  [%s] %.2fx", dev[d], allstep[dev[d], kk] / best[kk]) : sprintf("  [%s] -", dev[d]))
        r = worst[kk] / best[kk]
        printf "k=%-3s%s; slowest %s / fastest %s = %.2fx (target <= 1.25x: %s)\n", kk, line,
               worstn[kk], bestn[kk], r, r <= 1.25 ? "met" : "not met"
    }
}'
echo "# load average at the end: $(cat /proc/loadavg)"
}

main "$@" 2>&1 | tee "$OUT"

#!/usr/bin/env bash
# no_opencl_check.sh CC SRC_DIR -I... : the layers above runtime/ocl include no OpenCL header,
# directly or through another header (docs/architecture.md, Layers).
#
# Every .c and .h of runtime/engine, runtime/selftest, runtime/core and host/ is preprocessed
# (dependency scan, gcc/clang -M) with a poisoned include folder first on the path: its
# CL/cl.h, CL/opencl.h, clblast_c.h and clblast.h stop with #error, so an include of any of them,
# at any depth, fails this check naming the chain of files. The scan must also not reach the
# private headers of runtime/ocl (ocl.h, ops_internal.h): the engine and the program see a
# device through ocl/dev.h and ocl/ops.h only. The check first proves that it can fail: the
# poison must stop runtime/ocl/ocl.h itself.
set -u
cc=$1 src=$2
shift 2
flags=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/poison/CL"
for h in CL/cl.h CL/opencl.h CL/cl_platform.h clblast_c.h clblast.h; do
  echo "#error \"OpenCL header $h included above runtime/ocl\"" >"$tmp/poison/$h"
done

# scan FILE: 0 when FILE reaches no poisoned and no private header; messages on stderr
scan() {
  local f=$1 log=$tmp/log deps=$tmp/deps
  if ! "$cc" -x c -M -MG -MF "$deps" -I"$tmp/poison" "${flags[@]}" "$f" >/dev/null 2>"$log"; then
    echo "FAIL: $f includes an OpenCL header:" >&2
    cat "$log" >&2
    return 1
  fi
  if grep -Eq '(^|[ /])(ocl/ocl\.h|ocl\.h|ops_internal\.h)( |$)' <(tr ' \\' '\n\n' <"$deps" | tail -n +2 | sed 's|.*/runtime/ocl/|ocl/|'); then
    echo "FAIL: $f includes a private header of runtime/ocl (ocl.h or ops_internal.h)" >&2
    return 1
  fi
  return 0
}

if scan "$src/runtime/ocl/ocl.h" 2>/dev/null; then
  echo "FAIL: the poisoned include path does not stop runtime/ocl/ocl.h: this check would pass anything" >&2
  exit 1
fi
n=0 bad=0
for f in "$src"/runtime/engine/*.[ch] "$src"/runtime/selftest/*.[ch] "$src"/runtime/core/*.[ch] \
         "$src"/host/*.[ch]; do
  [ -e "$f" ] || continue
  n=$((n + 1))
  scan "$f" || bad=$((bad + 1))
done
echo "no_opencl_check: $n files scanned, $bad include OpenCL or runtime/ocl's private headers"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]

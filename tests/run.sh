#!/usr/bin/env bash
# run.sh: the whole test suite: installs and builds (tools/setup.sh), then runs the C tests
# (ctest: kernels, GEMM, random stream, tokenizer, MBR, CLI, ...) and the Python reference tests
# (pytest). The device tests run on PoCL, again on Intel's CPU runtime and on Mesa's rusticl
# (docs/devices.md). Fails if any test fails, and if no OpenCL device or any implementation is
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD=${ARDIFF_BUILD_DIR:-build}

echo "== OpenCL devices"
clinfo -l || true
"$BUILD/ardiff" devices >/dev/null || { echo "run.sh: no usable OpenCL device" >&2; exit 1; }

status=0
echo "== C tests (ctest), on the system's OpenCL devices (PoCL)"
(cd "$BUILD" && ctest --output-on-failure -j1) || status=1

# The second implementation, Intel's CPU runtime (tools/setup.sh; docs/devices.md): both must be
# listed; the program cache, the outputs and x̂0 step by step across the two (cross_impl_tests.sh,
# tolerance in docs/numerics.md); then every C test again with the Intel device selected
# (kernels, GEMM, clamp, fp16, parity; the two-device parity tests then split over PoCL and
# Intel) and bundled_models; test_gate must exercise the subgroup gate there (Intel claims
# subgroups: docs/numerics.md). PoCL-only: the two-device
# kernel and clamp tests (bit-identical across same-driver devices), official_e2e, train_e2e.
echo "== both OpenCL implementations (PoCL, Intel): program cache, outputs, x̂0"
t0=$SECONDS
bash tests/cross_impl_tests.sh "$BUILD" || status=1
if [ -f "$BUILD/opencl-vendors.sh" ]; then
  echo "== C tests (ctest) on Intel's OpenCL runtime"
  (. "$BUILD/opencl-vendors.sh" && export ARDIFF_DEVICE='Intel(R) OpenCL' &&
   cd "$BUILD" && ctest --output-on-failure -j1 -R '^(test_|bundled_models$)' \
     -E '^test_(kernels|clamp)_two_devices$' &&
   tests/test_gate --devices 'Intel(R) OpenCL' --require-gated 1) || status=1
else
  echo "run.sh: $BUILD/opencl-vendors.sh missing: Intel's OpenCL runtime is not installed" >&2
  status=1
fi
echo "== Intel OpenCL runtime: $((SECONDS - t0)) s"

# The third implementation, Mesa's rusticl on llvmpipe (mesa-opencl-icd, tools/setup.sh;
# docs/devices.md): it exposes a device only with RUSTICL_ENABLE set, so only this step sets it.
# Every C device test on it (the two-device ones stay on PoCL); fails if it lists no device.
echo "== C tests (ctest) on Mesa's rusticl (llvmpipe)"
t0=$SECONDS
# (captured, not piped into grep -q: under pipefail an early grep exit kills the lister by SIGPIPE)
rusticl_list="$(RUSTICL_ENABLE=llvmpipe "$BUILD/ardiff" devices 2>/dev/null || true)"
if grep -q '^ *platform  *rusticl' <<<"$rusticl_list"; then
  (export RUSTICL_ENABLE=llvmpipe ARDIFF_DEVICE=rusticl &&
   cd "$BUILD" && ctest --output-on-failure -j1 -R '^test_' -E '_two_devices$') || status=1
else
  echo "run.sh: no rusticl device with RUSTICL_ENABLE=llvmpipe: mesa-opencl-icd is not installed" >&2
  status=1
fi
echo "== Mesa rusticl: $((SECONDS - t0)) s"

echo "== Python reference tests (pytest)"
PY="$(cd "$BUILD" && pwd)/pyenv/bin/python"   # tools/setup.sh made it: Debian torch + PyPI metrics
(cd tools && "$PY" -m pytest -q tests) || status=1

exit $status

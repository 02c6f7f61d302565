#!/usr/bin/env bash
# run.sh: the whole test suite: installs and builds (tools/setup.sh), then runs the C tests
# (ctest: kernels, GEMM, random stream, tokenizer, MBR, CLI, ...) and the Python reference tests
# (pytest). Fails if any test fails, and if no OpenCL device is found.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD=${ARDIFF_BUILD_DIR:-build}

echo "== OpenCL devices"
clinfo -l || true
"$BUILD/ardiff" devices >/dev/null || { echo "run.sh: no usable OpenCL device" >&2; exit 1; }

status=0
echo "== C tests (ctest)"
(cd "$BUILD" && ctest --output-on-failure -j1) || status=1

echo "== Python reference tests (pytest)"
PY="$(cd "$BUILD" && pwd)/pyenv/bin/python"   # tools/setup.sh made it: Debian torch + PyPI metrics
(cd tools && "$PY" -m pytest -q tests) || status=1

exit $status

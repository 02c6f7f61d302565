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
      default-jre-headless)

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
PY_PKGS="sacrebleu==2.6.0 rouge-score==0.1.2 pycocoevalcap==1.2"
if [ "$(cat "$PYENV/.ardiff-pkgs" 2>/dev/null)" != "$PY_PKGS" ]; then
  [ -x "$PYENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$PYENV"
  "$PYENV/bin/python" -m pip install -q --disable-pip-version-check $PY_PKGS
  echo "$PY_PKGS" > "$PYENV/.ardiff-pkgs"
fi
"$PYENV/bin/python" -c 'import sacrebleu, rouge_score, pycocoevalcap, numpy, torch
assert all(m.__file__.startswith("/usr/lib/python3/") for m in (numpy, torch)), "pip shadowed Debian numpy/torch"'
echo "setup: python venv $PYENV ($PY_PKGS)" >&2

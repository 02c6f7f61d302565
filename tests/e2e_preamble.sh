# Sourced by the end-to-end scripts that compare ardiff with the PyTorch reference
# (official_e2e.sh, bundled_models.sh) with their own arguments: ARDIFF [SOURCE_DIR].
# Sets bin, src, py, fail(), a temporary folder $tmp (removed on exit) and the reference's
# PYTHONPATH; no ardiff program or no Python with torch and numpy: FAIL.
set -u
bin=$1
src=${2:-${ARDIFF_SOURCE_DIR:?}}
py=${PYTHON:-/usr/bin/python3}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$bin" ] || fail "no ardiff program at '$bin'"
"$py" -c 'import torch, numpy' 2>/dev/null || fail "no Python with torch and numpy at '$py'"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONPATH="$src/tools" OMP_NUM_THREADS=1

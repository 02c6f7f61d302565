#!/usr/bin/env bash
# regen_fixtures.sh [--tokenizer]: regenerates every committed golden fixture under
# tests/fixtures/ in one command, then shows what changed. All generators are deterministic; on
# the machine that made them nothing changes. On another CPU, PyTorch's kernels may round the
# reference's floats differently (seen: x0 and clamp margins 1e-6 apart between AVX2 and
# AVX-512 machines) while ids, strings and MBR choices stay the same; `git diff` tells which.
#   * tiny-a/b/c models and goldens, rng_vectors.txt: python3 -m ardiff_ref.fixtures
#   * mbr/cases.json:                                    tools/make_mbr_goldens.py
#   * tokenizer/golden.jsonl (with --tokenizer only: it needs Hugging Face transformers 4.25.1 /
#     tokenizers 0.13.2 from PyPI, installed into a venv at ${TF_VENV:-/tmp/ardiff-tf})
#   * bpe/ (with --tokenizer: tools/make_bpe_goldens.py, tokenizers 0.13.2 and ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
(cd tools && "$PY" -m ardiff_ref.fixtures)
"$PY" tools/make_mbr_goldens.py
if [ "${1:-}" = "--tokenizer" ]; then
  venv=${TF_VENV:-/tmp/ardiff-tf}
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q transformers==4.25.1 tokenizers==0.13.2
  "$venv/bin/python" tools/make_tokenizer_goldens.py
  "$venv/bin/python" tools/make_bpe_goldens.py
fi
git status --short tests/fixtures || true
echo "regen_fixtures: done (a clean status above: reproduced bit for bit; else see git diff)"

#!/usr/bin/env bash
# Regenerates this folder (run from tools/).
set -euo pipefail

# the whole study in one command:
../build/pyenv/bin/python -m ardiff_ref.study --ar-model ../studies/models/multi30k-small-addtime --uniform-model ../studies/models/multi30k-small-addtime-uniform --task multi30k --out ../studies/claim-multi30k-addtime --limit 50 --batch 50 --max-passes 20000

# (it writes inputs.txt, the eval inputs the rows below read; stored runs keep no
# `source` field: the data stay in ../shared)
# which is, row by row (ardiff, then the scores of one row):
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K1-k1-a2.jsonl --steps 1 --candidates 1 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K1-k1-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K2-k1-a2.jsonl --steps 2 --candidates 1 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K2-k1-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K3-k1-a2.jsonl --steps 3 --candidates 1 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K3-k1-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K5-k1-a2.jsonl --steps 5 --candidates 1 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K5-k1-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K1-k10-a2.jsonl --steps 1 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K1-k10-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K10-k1-a2.jsonl --steps 10 --candidates 1 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K10-k1-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K2-k10-a2.jsonl --steps 2 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K2-k10-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K20-k1-a2.jsonl --steps 20 --candidates 1 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K20-k1-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime-uniform -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/uniform-K20-k1.jsonl --steps 20 --candidates 1 --schedule uniform --seed 1 --format jsonl --force -q --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/uniform-K20-k1.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K3-k10-a2.jsonl --steps 3 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K3-k10-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K5-k10-a2.jsonl --steps 5 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K5-k10-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K50-k1-a2.jsonl --steps 50 --candidates 1 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K50-k1-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K10-k10-a2.jsonl --steps 10 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K10-k10-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime-uniform -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/uniform-K100-k1.jsonl --steps 100 --candidates 1 --schedule uniform --seed 1 --format jsonl --force -q --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/uniform-K100-k1.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K20-k10-a1.jsonl --steps 20 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 1 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K20-k10-a1.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K20-k10-a2.jsonl --steps 20 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K20-k10-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K20-k10-a3.jsonl --steps 20 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 3 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K20-k10-a3.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime-uniform -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/uniform-K20-k10.jsonl --steps 20 --candidates 10 --schedule uniform --seed 1 --format jsonl --force -q --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/uniform-K20-k10.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/ar-K50-k10-a2.jsonl --steps 50 --candidates 10 --schedule ar --seed 1 --format jsonl --force -q --anchor-scale 2 --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/ar-K50-k10-a2.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime-uniform -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/uniform-K500-k1.jsonl --steps 500 --candidates 1 --schedule uniform --seed 1 --format jsonl --force -q --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/uniform-K500-k1.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime-uniform -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/uniform-K100-k10.jsonl --steps 100 --candidates 10 --schedule uniform --seed 1 --format jsonl --force -q --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/uniform-K100-k10.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime-uniform -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/uniform-K2000-k1.jsonl --steps 2000 --candidates 1 --schedule uniform --seed 1 --format jsonl --force -q --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/uniform-K2000-k1.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime-uniform -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/uniform-K500-k10.jsonl --steps 500 --candidates 10 --schedule uniform --seed 1 --format jsonl --force -q --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/uniform-K500-k10.jsonl --data ../../shared/data --limit 50
../build/ardiff generate ../studies/models/multi30k-small-addtime-uniform -i ../studies/claim-multi30k-addtime/inputs.txt -o ../studies/claim-multi30k-addtime/runs/uniform-K2000-k10.jsonl --steps 2000 --candidates 10 --schedule uniform --seed 1 --format jsonl --force -q --batch 50
../build/pyenv/bin/python -m ardiff_ref.evaluate --task multi30k --split valid --hyp ../studies/claim-multi30k-addtime/runs/uniform-K2000-k10.jsonl --data ../../shared/data --limit 50

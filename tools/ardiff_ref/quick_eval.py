"""Quick look at a CommonGen model directory with the Python reference (not a benchmark).

    python3 -m ardiff_ref.quick_eval MODEL_DIR [--n 20] [--candidates 10] [--steps 20]

Generates one sentence per distinct valid concept set (valid.refs.jsonl, the first n sets;
test.* is never read) and prints it with two rough numbers: concept coverage (a concept counts
as covered when an output word starts with its first max(3, len-2) letters, a crude stand-in
for lemma matching) and the mean best sentence-BLEU against the set's references (the MBR
BLEU of ardiff_ref.bleu, +1 smoothed, so only for comparing models with each other).
"""
import argparse
import json
import os
import time

import torch

from . import tasks
from .bleu import sentence_bleu
from .generate import generate
from .modeldir import load_model_dir
from .tokenizer import basic_split

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def coverage(concepts, text):
    words = basic_split(text)
    hit = sum(any(w.startswith(c[:max(3, len(c) - 2)]) for w in words) for c in concepts)
    return hit / len(concepts)


def load_sets(data, n):
    with open(os.path.join(data, "valid.refs.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f][:n]


def evaluate(model_dir, sets, candidates, steps, seed=1, schedule=None):
    model, cfg, tok = load_model_dir(model_dir)
    lines = [s["concepts"] for s in sets]
    t = time.time()
    out = generate(model, tok, lines, seed, candidates, steps, schedule or cfg.gen_schedule)
    dt = time.time() - t
    outs = out["outputs"]
    cov = sum(coverage(s["concepts"].split(), o) for s, o in zip(sets, outs)) / len(sets)
    bleu = sum(max(sentence_bleu(o, r) for r in s["refs"]) for s, o in zip(sets, outs)) / len(sets)
    return outs, cov, bleu, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", nargs="+")
    ap.add_argument("--data", default=tasks.data_folder("commongen"))
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--candidates", type=int, default=10)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sets = load_sets(args.data, args.n)
    for d in args.model_dir:
        outs, cov, bleu, dt = evaluate(d, sets, args.candidates, args.steps, args.seed)
        print("== %s: coverage %.3f, best-ref sentence BLEU %.3f, %.1f s" % (d, cov, bleu, dt))
        for s, o in zip(sets, outs):
            print("  %-32s -> %s" % (s["concepts"], o))


if __name__ == "__main__":
    main()

"""Trivial baselines on each task's valid split, scored exactly like ardiff's outputs.

    python3 -m ardiff_ref.baselines --out ../studies/baselines [--tasks commongen multi30k aeslc]

What a model's scores mean depends on what no model at all scores. Two baselines per task, no
learning beyond a lookup in train.*:
* copy: the task's `copy_baseline` in the registry (ardiff_ref.tasks): the source as the output
  (CommonGen: the concepts in their given order; Multi30k: the German sentence) or, for AESLC,
  the first 4 words of the email (`lead4`, as subjects are 4 words on average).
* retrieval: the target of the training pair whose source is nearest, by Jaccard similarity of
  the lowercased word sets (ties: the first in file order). A translation memory for Multi30k, a
  nearest-neighbour subject for AESLC, a nearest concept set's sentence for CommonGen.

Tasks, and the columns of each task's table: the registry (its tasks with a train split). Writes results.md and results.json (scores with their signatures) to --out. The outputs
themselves are written only with --keep-outputs (retrieval outputs are lines of train.*; the
data stay in ../shared).
"""
import argparse
import json
import os
import re
import sys
import time

from . import evaluate, tasks
from .trainlib import read_split_lines

WORD = re.compile(r"\w+")


def words(text):
    return frozenset(WORD.findall(text.lower()))


def nearest(queries, keys, chunk=256):
    """-> for each query word set, the index of the key set with the highest Jaccard similarity
    (the first on ties; 0 when nothing is shared). Intersections by a sparse product in torch."""
    import torch
    vocab = {}
    for k in keys:
        for w in k:
            vocab.setdefault(w, len(vocab))
    rows = [i for i, k in enumerate(keys) for _ in k]
    cols = [vocab[w] for k in keys for w in k]
    K = torch.sparse_coo_tensor(torch.tensor([rows, cols]), torch.ones(len(rows)),
                                (len(keys), len(vocab))).coalesce()
    klen = torch.tensor([len(k) for k in keys], dtype=torch.float64)
    out = []
    for c0 in range(0, len(queries), chunk):
        qs = queries[c0:c0 + chunk]
        Q = torch.zeros(len(vocab), len(qs))
        for j, q in enumerate(qs):
            ids = [vocab[w] for w in q if w in vocab]
            Q[ids, j] = 1.0
        inter = torch.sparse.mm(K, Q).double()                  # [keys, chunk], exact counts
        qlen = torch.tensor([len(q) for q in qs], dtype=torch.float64)
        union = klen[:, None] + qlen[None, :] - inter
        jac = torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(inter))
        out += jac.argmax(0).tolist()                           # argmax: first maximum
    return out


def baselines(task, data_dir, ev):
    """ev: the task's valid split (evaluate.load_eval) -> {name: [output per eval input]}."""
    inputs = ev["inputs"]
    folder = tasks.data_folder(task, data_dir)
    src = read_split_lines(folder, "train.src")
    tgt = read_split_lines(folder, "train.tgt")
    if len(src) != len(tgt):
        raise SystemExit(f"baselines: {folder}: {len(src)} train sources, {len(tgt)} targets")
    name, copy = tasks.get(task).copy_baseline
    idx = nearest([words(s) for s in inputs], [words(s) for s in src])
    return {name: [copy(s) for s in inputs], "retrieval": [tgt[i] for i in idx]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder for results.md / results.json")
    trainable = tasks.names(trainable=True)       # the retrieval baseline needs train.*
    ap.add_argument("--tasks", nargs="+", default=trainable, choices=trainable)
    ap.add_argument("--data", default=evaluate.DATA, help="the shared data folder (default %(default)s)")
    ap.add_argument("--keep-outputs", action="store_true", help="also write TASK-NAME.txt")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    results = []
    for task in args.tasks:
        t0 = time.time()
        ev = evaluate.load_eval(task, args.data, "valid")
        for name, hyps in baselines(task, args.data, ev).items():
            if args.keep_outputs:
                with open(os.path.join(args.out, f"{task}-{name}.txt"), "w", encoding="utf-8") as f:
                    f.write("".join(h + "\n" for h in hyps))
            scores, sigs = evaluate.score(task, hyps, ev)
            results.append({"task": task, "baseline": name, "n": len(hyps), "scores": scores,
                            "signatures": sigs})
            print(f"baselines: {task} {name}: " + ", ".join(
                f"{k} {v:.3g}" for k, v in scores.items() if isinstance(v, float)), file=sys.stderr)
        print(f"baselines: {task} done in {time.time() - t0:.0f} s", file=sys.stderr)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("Trivial baselines on the valid splits (`python3 -m ardiff_ref.baselines`; "
                "signatures in results.json)\n")
        for task in args.tasks:
            c = tasks.get(task).table
            f.write(f"\n{task}\n\n| baseline | " + " | ".join(c) + " |\n|---|"
                    + "---|" * len(c) + "\n")
            for r in results:
                if r["task"] == task:
                    f.write(f"| {r['baseline']} | " + " | ".join(
                        "%.4g" % r["scores"][k] for k in c) + " |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

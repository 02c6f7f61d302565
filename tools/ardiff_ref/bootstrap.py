"""Paired bootstrap of the quality difference between two rows of a study (ardiff_ref.study).

    python3 -m ardiff_ref.bootstrap --study ../studies/claim-multi30k-gpu --task multi30k \
        --pairs ar-K20-k10-a2:uniform-K20-k10 ar-K20-k10-a2:uniform-K2000-k10 [--data DIR]

Each pair A:B names two stored runs (runs/NAME.jsonl in the study's runs.tar.gz, outputs in
input order). The same
resamples of the inputs (--resamples, default 1,000, drawn with --seed, default 0) score both
rows; the line printed per pair gives both scores on all inputs, their difference, the 95 %
interval of the resampled differences and the share of resamples where A >= B. Metric: the
task's `bootstrap` in the registry (ardiff_ref.tasks): `sacrebleu`, corpus SacreBLEU recomputed
on each resample (Multi30k), `seqdiffuseq`, the same after the Moses round trip of IWSLT14's
headline score (metrics.sacrebleu_seqdiffuseq), or `rougeL`, the mean over inputs of the per-input ROUGE-L F (best
over the references, x100; rouge-score, stemming; CommonGen, AESLC).
"""
import argparse
import os
import random
import sys

from . import metrics, tasks
from .runstore import RunArchive
from .tasks import DATA, load_eval


def read_outputs(study, name):
    rows = RunArchive(os.path.join(study, "runs.tar.gz")).read_jsonl("runs/" + name + ".jsonl")
    if rows is None:
        raise SystemExit(f"bootstrap: no run {name} in {study}/runs.tar.gz")
    return [r["output"] for r in rows]


def scorer(task, refs):
    """-> f(outputs, indices) -> score of those inputs (the task's bootstrap metric)."""
    metric = tasks.get(task).bootstrap
    if metric in ("sacrebleu", "seqdiffuseq"):
        import sacrebleu
        prep = metrics.moses_roundtrip(tasks.IWSLT14_TARGET) if metric == "seqdiffuseq" else None
        if prep:
            refs = [[prep(r) for r in rr] for rr in refs]
        cache = {}

        def prepared(outs):                     # each run's outputs prepared once
            if not prep:
                return outs
            if cache.get(id(outs), (None,))[0] is not outs:
                cache[id(outs)] = (outs, [prep(o) for o in outs])
            return cache[id(outs)][1]

        def bleu(outs, idx):
            o = prepared(outs)
            return sacrebleu.corpus_bleu([o[i] for i in idx], [[refs[i][0] for i in idx]]).score
        return bleu
    if metric != "rougeL":
        raise ValueError(f"bootstrap: unknown metric {metric!r} of task {task!r}")
    from rouge_score import rouge_scorer
    rs = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    cache = {}

    def per_input(outs):
        key = id(outs)
        if key not in cache:
            cache[key] = [100 * max(rs.score(r, o)["rougeL"].fmeasure for r in rr)
                          for o, rr in zip(outs, refs)]
        return cache[key]

    def rouge(outs, idx):
        s = per_input(outs)
        return sum(s[i] for i in idx) / len(idx)
    return rouge


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--study", required=True, help="a study folder (with runs.tar.gz)")
    ap.add_argument("--task", required=True, choices=tasks.names())
    ap.add_argument("--pairs", nargs="+", required=True, metavar="A:B")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.resamples < 1:
        raise SystemExit(f"bootstrap: --resamples must be at least 1, got {args.resamples}")
    pairs = []
    for p in args.pairs:
        a, sep, b = p.partition(":")
        if not sep or not a or not b:
            raise SystemExit(f"bootstrap: pair '{p}' is not A:B (two run names)")
        pairs.append((a, b))
    ev = load_eval(args.task, args.data, "valid")
    runs = {n: read_outputs(args.study, n) for pair in pairs for n in pair}
    n = {len(v) for v in runs.values()}
    if len(n) != 1:
        raise SystemExit(f"bootstrap: the runs hold different numbers of outputs: {sorted(n)}")
    n = n.pop()
    if n > len(ev["refs"]):
        raise SystemExit(f"bootstrap: {n} outputs but only {len(ev['refs'])} valid references")
    score = scorer(args.task, ev["refs"][:n])
    rng = random.Random(args.seed)
    idx = [[rng.randrange(n) for _ in range(n)] for _ in range(args.resamples)]
    lo, hi = int(0.025 * args.resamples), int(0.975 * args.resamples) - 1
    full = list(range(n))
    for a, b in pairs:
        A, B = runs[a], runs[b]
        sa, sb = score(A, full), score(B, full)
        d = sorted(score(A, i) - score(B, i) for i in idx)
        print("%s %.2f vs %s %.2f: diff %+.2f, 95%% bootstrap interval [%+.2f, %+.2f], "
              "P(A>=B) %.2f" % (a, sa, b, sb, sa - sb, d[lo], d[hi],
                                sum(x >= 0 for x in d) / len(d)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

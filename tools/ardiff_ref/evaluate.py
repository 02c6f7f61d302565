"""Score ardiff's outputs on a task's valid split; prints one JSON line.

    python3 -m ardiff_ref.evaluate --task TASK --hyp FILE --split valid \\
        [--data DIR] [--limit N] [--format auto|text|jsonl] [--tokenizer ptb|simple]

TASK is one of the registry's (`python3 -m ardiff_ref.tasks`: commongen, multi30k, aeslc,
iwslt14), which says for each where its valid inputs and references are read and which metrics
score it (CommonGen: BLEU-3/4 and CIDEr from coco-caption, ROUGE-2/L, SacreBLEU, concept
coverage; Multi30k: SacreBLEU and ROUGE; AESLC: ROUGE-1/2/L against the three human annotations
and, as `subject_*`, the original subject line; IWSLT14 De->En: the official evaluation's two
SacreBLEUs, `seqdiffuseq_bleu` (Moses tokenizer then detokenizer, then sacrebleu's defaults) and
`dinoiser_bleu` (whitespace split, Moses detokenizer, tokenize 13a for the English target), on
the fairseq references as they are); every task also gets `repeat` and `distinct`. Each score's
signature is printed under "signatures".
FILE holds ardiff's outputs aligned to the eval inputs: text (one output line per input) or
ardiff's `--format jsonl` (the `output` field; `source` is checked against the input).

Only the valid split is read: test.* files are never opened. --limit N scores the first N
inputs (the file must then hold N outputs); it is stated in the output.
"""
import argparse
import json
import sys

from . import metrics, tasks
from .tasks import DATA, load_eval, read_jsonl, read_lines


def read_hyps(path, fmt="auto"):
    """-> (outputs, sources or None). jsonl: ardiff's --format jsonl; text: one per line."""
    if fmt == "auto":
        fmt = "jsonl" if path.endswith((".jsonl", ".jsonl.gz")) else "text"
    if fmt == "text":
        return read_lines(path), None
    rows = read_jsonl(path)
    for i, r in enumerate(rows):
        if r.get("index", i) != i:
            raise ValueError(f"{path}: line {i + 1} has index {r.get('index')}")
    return [r["output"] for r in rows], [r.get("source") for r in rows]


def align(ev, hyps, sources=None, limit=None):
    """Cut the eval data to the first `limit` inputs and check that `hyps` line up with it."""
    n = len(ev["inputs"]) if limit is None else min(limit, len(ev["inputs"]))
    if len(hyps) != n:
        raise ValueError(f"{len(hyps)} outputs for {n} eval inputs"
                         + ("" if limit else " (use --limit N to score the first N)"))
    if sources is not None:
        for i, (s, x) in enumerate(zip(sources, ev["inputs"])):
            if s is not None and s != x:
                raise ValueError(f"output {i} was made for {s!r}, the eval input is {x!r}")
    return {k: v[:n] for k, v in ev.items()}


def score(task, hyps, ev, tokenizer="ptb"):
    """All metrics of the task (its registry entry's), then the fluency and collapse checks
    every task shares. -> (scores dict, signatures dict)."""
    out = tasks.Scores()
    tasks.get(task).score(hyps, ev, tokenizer, out)
    out.add("repeat", metrics.repetition_corpus(hyps), ["repeat"])
    out.add("distinct", metrics.distinct_corpus(hyps, ev["inputs"]), ["distinct"])
    return out.scores, out.sigs


def main(argv=None):
    head, _, rest = __doc__.partition("\n")
    ap = argparse.ArgumentParser(description=head, epilog=rest.strip("\n"),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True, choices=tasks.names(),
                    help="the registry's task (its metrics: below)")
    ap.add_argument("--hyp", required=True, help="ardiff output (text or .jsonl)")
    ap.add_argument("--split", default="valid", choices=["valid"])
    ap.add_argument("--data", default=DATA, help="the shared data folder (default %(default)s)")
    ap.add_argument("--limit", type=int, help="score only the first N eval inputs")
    ap.add_argument("--format", default="auto", choices=["auto", "text", "jsonl"])
    ap.add_argument("--tokenizer", default="ptb", choices=["ptb", "simple"],
                    help="coco-caption tokenization for BLEU-3/4 and CIDEr")
    args = ap.parse_args(argv)
    try:
        ev = load_eval(args.task, args.data, args.split)
        total = len(ev["inputs"])
        hyps, sources = read_hyps(args.hyp, args.format)
        ev = align(ev, hyps, sources, args.limit)
        scores, sigs = score(args.task, hyps, ev, args.tokenizer)
    except (OSError, ValueError, KeyError) as e:
        print(f"evaluate: {e}", file=sys.stderr)
        return 1
    out = {"task": args.task, "split": args.split, "n": len(hyps),
           "of": total,
           "limit": args.limit, "hyp": args.hyp, "scores": scores, "signatures": sigs}
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

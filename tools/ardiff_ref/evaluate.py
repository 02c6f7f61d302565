"""Score ardiff's outputs on a task's valid split; prints one JSON line.

    python3 -m ardiff_ref.evaluate --task commongen|multi30k|aeslc --hyp FILE --split valid \
        [--data DIR] [--limit N] [--format auto|text|jsonl] [--tokenizer ptb|simple]

FILE holds ardiff's outputs aligned to the eval inputs: text (one output line per input) or
ardiff's `--format jsonl` (the `output` field; `source` is checked against the input). Inputs
and references per task (the data READMEs say why):

* commongen: one input per line of `valid.refs.jsonl` (993 distinct concept sets; its
  `concepts`), scored against all its `refs`: BLEU-3/4 and CIDEr (coco-caption), ROUGE-2/L,
  SacreBLEU (multi-reference), concept coverage.
* multi30k: `valid.src` -> `valid.tgt`: SacreBLEU (+ ROUGE).
* aeslc: `valid.src` -> the three human `annotations` of `valid.refs.jsonl`: ROUGE-1/2/L (and,
  as `subject_*`, against the original subject line).

Only the valid split is read: test.* files are never opened. --limit N scores the first N
inputs (the file must then hold N outputs); it is stated in the output.
"""
import argparse
import gzip
import json
import os
import sys

from . import metrics

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "..", "shared", "data")
TASK_DIRS = {"commongen": "commongen", "multi30k": "multi30k-de-en", "aeslc": "aeslc"}


def open_text(path):
    """A UTF-8 text file for reading; gzip-compressed when its name ends in .gz (the committed
    whole-split outputs are stored that way)."""
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _lines(path):
    with open_text(path) as f:
        text = f.read()
    return text.split("\n")[:-1] if text else []


def _jsonl(path):
    with open_text(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def load_eval(task, data_dir, split="valid"):
    """-> dict(inputs=[str], refs=[[str]], extra) for the task's split (valid only)."""
    if split != "valid":
        raise ValueError("only the valid split is evaluated here (test.* is held out)")
    d = os.path.join(data_dir, TASK_DIRS[task])
    if task == "commongen":
        rows = _jsonl(os.path.join(d, "valid.refs.jsonl"))
        return {"inputs": [r["concepts"] for r in rows], "refs": [r["refs"] for r in rows],
                "concepts": [r["concepts"].split() for r in rows]}
    src = _lines(os.path.join(d, "valid.src"))
    if task == "multi30k":
        tgt = _lines(os.path.join(d, "valid.tgt"))
        return {"inputs": src, "refs": [[t] for t in tgt]}
    rows = _jsonl(os.path.join(d, "valid.refs.jsonl"))
    return {"inputs": src, "refs": [r["annotations"] for r in rows],
            "subjects": [[r["subject"]] for r in rows]}


def read_hyps(path, fmt="auto"):
    """-> (outputs, sources or None). jsonl: ardiff's --format jsonl; text: one per line."""
    if fmt == "auto":
        fmt = "jsonl" if path.endswith((".jsonl", ".jsonl.gz")) else "text"
    if fmt == "text":
        return _lines(path), None
    rows = _jsonl(path)
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
    """All metrics of the task. -> (scores dict, signatures dict)."""
    scores, sigs = {}, {}

    def add(name, res, keys, prefix=""):
        scores.update({prefix + k: res[k] for k in keys})
        sigs[name] = res["signature"]

    refs = ev["refs"]
    if task == "commongen":
        coco = metrics.coco_bleu_cider(hyps, refs, tokenizer)
        add("coco", coco, ["bleu3", "bleu4", "cider"])
        scores["coco_tokenizer"] = coco["tokenizer"]
        add("rouge", metrics.rouge_corpus(hyps, refs, ("rouge2", "rougeL")), ["rouge2", "rougeL"])
        add("coverage", metrics.coverage_corpus(hyps, ev["concepts"]), ["coverage", "all_covered"])
        add("sacrebleu", metrics.sacrebleu_corpus(hyps, refs), ["bleu"], "sacre")
    elif task == "multi30k":
        add("sacrebleu", metrics.sacrebleu_corpus(hyps, refs), ["bleu"], "sacre")
        add("rouge", metrics.rouge_corpus(hyps, refs), ["rouge1", "rouge2", "rougeL"])
    elif task == "aeslc":
        add("rouge", metrics.rouge_corpus(hyps, refs), ["rouge1", "rouge2", "rougeL"])
        sigs["rouge"] += "|refs: the 3 human annotations"
        add("rouge_subject", metrics.rouge_corpus(hyps, ev["subjects"]),
            ["rouge1", "rouge2", "rougeL"], "subject_")
    else:
        raise ValueError(f"unknown task {task!r}")
    add("repeat", metrics.repetition_corpus(hyps), ["repeat"])
    add("distinct", metrics.distinct_corpus(hyps, ev["inputs"]), ["distinct"])
    return scores, sigs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", required=True, choices=sorted(TASK_DIRS))
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

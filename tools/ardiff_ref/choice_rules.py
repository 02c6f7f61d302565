"""Scores other ways of choosing among the k candidates that `ardiff generate --format jsonl`
wrote (all candidates and their MBR scores), without generating again:

    python3 -m ardiff_ref.choice_rules --task multi30k --jsonl outputs.jsonl[.gz]

Rows (each scored by the project's evaluator, ardiff_ref.evaluate.score, on the inputs the file
covers, which must be the first n of valid):
  mbr        the official choice (the file's `choice`, as written with --repeats keep);
  avoid      [generate] repeats = avoid: the best MBR score among the candidates without a
             back-to-back repeated word (ardiff_ref.generate.avoid_repeats, ardiff's rule);
  collapse   the MBR choice with each word repeated back to back dropped (a string edit that
             ardiff does not make; for comparison with the non-autoregressive translation habit
             of removing repeated tokens);
  oracle     the candidate with the best sentence BLEU against the (first) reference: not a
             decoder, the ceiling of any choice rule (tasks with one reference, Multi30k).
Also prints how many inputs have no candidate without a repeat. Outputs are sentence-cased as
ardiff would (the model's [generate] case is read from --case).
"""
import argparse
import json
import re
import sys

from . import metrics, tasks
from .evaluate import score
from .generate import avoid_repeats
from .tasks import DATA, load_eval, read_jsonl
from .tokenizer import sentence_case


def collapse(text):
    """Drops a word that repeats the previous word (metrics.has_repeat's notion of a word;
    the later copy is kept, with its punctuation)."""
    out = []
    for w in text.split(" "):
        key = re.findall(r"[^\W_]+", w.lower())
        if out and key and key == re.findall(r"[^\W_]+", out[-1].lower()):
            out[-1] = w
            continue
        out.append(w)
    return " ".join(out)


def main(argv=None):
    head, _, rest = __doc__.partition("\n")
    ap = argparse.ArgumentParser(description=head, epilog=rest.strip("\n"),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True, choices=tasks.names())
    ap.add_argument("--jsonl", required=True, help="ardiff generate --format jsonl output")
    ap.add_argument("--case", default="none", choices=("none", "sentence"))
    ap.add_argument("--data", default=DATA)
    args = ap.parse_args(argv)
    try:
        rows = read_jsonl(args.jsonl)
        ev = load_eval(args.task, args.data, "valid")
    except (OSError, ValueError, KeyError) as e:
        print(f"choice_rules: {e}", file=sys.stderr)
        return 1
    n = len(rows)
    ev = {k: v[:n] for k, v in ev.items()}
    for i, (r, x) in enumerate(zip(rows, ev["inputs"])):
        if r.get("source") != x:
            print(f"choice_rules: row {i} was made for {r.get('source')!r}, valid has {x!r}",
                  file=sys.stderr)
            return 1
    fix = sentence_case if args.case == "sentence" else (lambda s: s)
    cand = [r.get("candidates") or [""] for r in rows]
    mbr = [r.get("choice", 0) if r.get("choice", -1) >= 0 else 0 for r in rows]
    rules = {
        "mbr": [fix(c[m]) for c, m in zip(cand, mbr)],
        "avoid": [fix(c[avoid_repeats(c, r.get("mbr_scores") or [0.0], m)])
                  for c, r, m in zip(cand, rows, mbr)],
        "collapse": [fix(collapse(c[m])) for c, m in zip(cand, mbr)],
    }
    refs = ev.get("refs")
    if refs is not None and all(len(t) == 1 for t in refs):
        import sacrebleu
        rules["oracle"] = [fix(max(c, key=lambda h: sacrebleu.sentence_bleu(fix(h), t).score))
                           for c, t in zip(cand, refs)]
    all_rep = sum(all(metrics.has_repeat(h) for h in c) for c in cand)
    print(json.dumps({"task": args.task, "n": n, "jsonl": args.jsonl,
                      "inputs_all_candidates_repeat": all_rep}))
    for name, hyps in rules.items():
        sc, _ = score(args.task, hyps, ev)
        print(json.dumps({"rule": name, "scores": sc}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

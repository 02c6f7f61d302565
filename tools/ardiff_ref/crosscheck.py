"""Cross-check ardiff's outputs against the PyTorch reference on a subset.

    python3 -m ardiff_ref.crosscheck MODEL_DIR OUTPUTS.jsonl --seed S --steps K --candidates k \
        [--schedule ar|uniform] [--anchor-scale A] [--n 50]

OUTPUTS.jsonl is `ardiff generate --format jsonl` output (any batch size, any device). The first
n of its inputs (the `source` field; line i is global input i, as in ardiff) are generated again
by the reference (`ardiff_ref.generate`, same noise stream) and every candidate string and MBR
choice is compared. Prints the agreement; exits 1 on any difference. On a CPU device the two
agree exactly unless two candidates are within rounding distance at a clamp (docs/numerics.md).
"""
import argparse
import json
import sys

import torch

from .generate import generate
from .modeldir import load_model_dir
from .tasks import open_text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("outputs")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--candidates", type=int, required=True)
    ap.add_argument("--schedule", default="ar", choices=("ar", "uniform"))
    ap.add_argument("--anchor-scale", type=float, default=0, help="0: the model's")
    ap.add_argument("--repeats", choices=("keep", "avoid"),
                    help="the choice rule ardiff ran with (default: the model's [generate])")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--inputs", help="the sources, one per line (for outputs stored without "
                                     "their `source` field, as studies/ keeps them)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    with open_text(args.outputs) as f:
        rows = [json.loads(line) for line in f if line.strip()][:args.n]
    model, cfg, tok = load_model_dir(args.model_dir)
    if args.anchor_scale > 0:
        cfg.end_point_scale = args.anchor_scale
    if args.inputs:
        with open(args.inputs, encoding="utf-8") as f:
            src = [line.rstrip("\n") for line in f][:len(rows)]
        for r, s in zip(rows, src):
            r.setdefault("source", s)
            if r["source"] != s:
                raise SystemExit(f"crosscheck: {args.outputs} was made for {r['source']!r}, "
                                 f"{args.inputs} has {s!r}")
    if any("source" not in r for r in rows):
        raise SystemExit(f"crosscheck: {args.outputs} has no `source` fields: give --inputs FILE")
    ref = generate(model, tok, [r["source"] for r in rows], args.seed, args.candidates,
                   args.steps, schedule=args.schedule, repeats=args.repeats)
    same_cand = same_choice = 0
    kept = {i: b for b, i in enumerate(ref["kept"])}
    for i, r in enumerate(rows):
        if i not in kept:                     # no token: ardiff writes "" with no candidates
            ok = r["output"] == "" and not r.get("candidates")
            same_cand += ok
            same_choice += ok
            continue
        b = kept[i]
        if r["candidates"] == ref["texts"][b]:
            same_cand += 1
        else:
            for c, (a, w) in enumerate(zip(r["candidates"], ref["texts"][b])):
                if a != w:
                    print(f"input {i} ({r['source']!r}), candidate {c}:\n  ardiff:    {a!r}\n"
                          f"  reference: {w!r}", file=sys.stderr)
        if r["choice"] == ref["mbr_index"][b] and r["output"] == ref["outputs"][i]:
            same_choice += 1
        else:
            print(f"input {i}: MBR choice {r['choice']} vs reference {ref['mbr_index'][b]}",
                  file=sys.stderr)
    n = len(rows)
    print(f"crosscheck {args.outputs}: {n} inputs; all {args.candidates} candidates identical "
          f"for {same_cand}/{n}, MBR choice and output identical for {same_choice}/{n}")
    return 0 if same_cand == n and same_choice == n else 1


if __name__ == "__main__":
    sys.exit(main())

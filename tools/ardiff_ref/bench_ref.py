"""Time the PyTorch reference generation (the baseline of ardiff_bench_generate).

  python3 -m ardiff_ref.bench_ref MODEL_DIR --inputs FILE [--k 1,10,50] [--steps 2,3,20]
                                  [--seed N] [--threads T] [--batch B] [--schedule ar|uniform]
                                  [--plan k:K:n,...] [--no-warmup]

Loads the model directory once, runs one small warm-up generation, then for every (k, K) pair
(--k and --steps take comma-separated lists) runs ardiff_ref.generate.generate on the inputs,
B lines at a time (input_offset = the line number, so the noise is that of one run over all
lines, as in ardiff), and prints one JSON line per pair. --plan lists the cells instead, each
k:K:n (n: the first n input lines); --plan - reads one k:K:n per line from standard input and
answers each at once (ardiff_bench_generate interleaves its cells with the reference's this
way, so both sides of a ratio run under the same machine load). Each JSON line holds:
  load_s, encoder_s (summed over batches), decode_s (the K sampler steps plus the final argmax,
  summed), step_s (decode_s / (K x batches)), mbr_s (detokenisation not included), total_s
  (all of generate), sentences_per_s, tokens_per_s (non-special tokens of the chosen outputs),
  outputs (the chosen strings), torch version and threads.
Phases are timed by wrapping model.encode and the sampler/argmax/MBR functions that generate
calls, so the generation itself is exactly the reference's.
"""
import argparse
import json
import os
import sys
import time

import torch

from . import generate as gen_mod
from .modeldir import load_model_dir


class PhaseTimer:
    """Accumulates wall seconds per phase name around wrapped callables."""

    def __init__(self):
        self.s = {}

    def wrap(self, name, fn):
        def timed(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.s[name] = self.s.get(name, 0.0) + time.perf_counter() - t0
        return timed

    def reset(self):
        self.s = {}


def install_timers(model):
    """Wraps model.encode and generate's sample_loop / final_ids / mbr_choose; returns the timer."""
    t = PhaseTimer()
    model.encode = t.wrap("encoder", model.encode)
    gen_mod.sample_loop = t.wrap("decode", gen_mod.sample_loop)
    gen_mod.final_ids = t.wrap("decode", gen_mod.final_ids)
    gen_mod.mbr_choose = t.wrap("mbr", gen_mod.mbr_choose)
    return t


def run_one(model, tok, lines, seed, k, steps, batch, schedule, timer):
    """One timed generation over all lines -> dict of figures."""
    timer.reset()
    outputs, tokens, nbatch = [], 0, 0
    t0 = time.perf_counter()
    for i in range(0, len(lines), batch):
        r = gen_mod.generate(model, tok, lines[i:i + batch], seed, k, steps, schedule=schedule,
                             input_offset=i)
        outputs += r["outputs"]
        nbatch += 1 if r["kept"] else 0
        for b, c in enumerate(r["mbr_index"]):
            tokens += sum(1 for t in r["ids"][b, c].tolist() if t not in tok.special_ids)
    total = time.perf_counter() - t0
    dec = timer.s.get("decode", 0.0)
    return {"k": k, "steps": steps, "batch": batch, "inputs": len(lines), "batches": nbatch,
            "encoder_s": timer.s.get("encoder", 0.0), "decode_s": dec,
            "step_s": dec / max(1, steps * nbatch), "mbr_s": timer.s.get("mbr", 0.0),
            "total_s": total, "sentences_per_s": len(lines) / total if total > 0 else 0.0,
            "tokens": tokens, "tokens_per_s": tokens / total if total > 0 else 0.0,
            "outputs": outputs}


def int_list(s):
    try:
        v = [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected comma-separated integers, got %r" % s)
    if not v or min(v) < 1:
        raise argparse.ArgumentTypeError("values must be >= 1, got %r" % s)
    return v


def plan_list(s):
    try:
        cells = [tuple(int(x) for x in c.split(":")) for c in s.split(",") if c.strip()]
    except ValueError:
        cells = []
    if not cells or any(len(c) != 3 or min(c) < 1 for c in cells):
        raise argparse.ArgumentTypeError("expected k:K:n[,k:K:n...] with values >= 1, got %r" % s)
    return cells


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m ardiff_ref.bench_ref",
                                 description="time the PyTorch reference generation")
    ap.add_argument("model_dir")
    ap.add_argument("--inputs", required=True, help="one source per line")
    ap.add_argument("--k", type=int_list, default=[10], help="candidates, e.g. 1,10,50")
    ap.add_argument("--steps", type=int_list, default=[20], help="K, e.g. 2,3,20")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    ap.add_argument("--batch", type=int, default=8, help="inputs per generate call")
    ap.add_argument("--schedule", choices=("ar", "uniform"), default="ar")
    ap.add_argument("--plan", help="cells k:K:n,... (overrides --k and --steps); '-': stdin")
    ap.add_argument("--no-warmup", action="store_true")
    args = ap.parse_args(argv)
    if args.batch < 1 or args.threads < 1:
        ap.error("--batch and --threads must be >= 1")
    torch.set_num_threads(args.threads)
    with open(args.inputs, encoding="utf-8") as f:
        lines = [line.rstrip("\r\n") for line in f]
    if not lines:
        ap.error("%s holds no lines" % args.inputs)
    t0 = time.perf_counter()
    model, cfg, tok = load_model_dir(args.model_dir)
    load_s = time.perf_counter() - t0
    timer = install_timers(model)
    if not args.no_warmup:
        run_one(model, tok, lines[:1], args.seed, 1, 1, 1, args.schedule, timer)
    if args.plan == "-":
        cells = (plan_list(line)[0] for line in sys.stdin if line.strip())
    elif args.plan:
        try:
            cells = plan_list(args.plan)
        except argparse.ArgumentTypeError as e:
            ap.error(str(e))
    else:
        cells = [(k, steps, len(lines)) for k in args.k for steps in args.steps]
    for k, steps, n in cells:
        r = run_one(model, tok, lines[:n], args.seed, k, steps, args.batch, args.schedule, timer)
        r.update(tool="ardiff_ref.bench_ref", load_s=load_s, seed=args.seed,
                 schedule=args.schedule, torch=torch.__version__,
                 threads=torch.get_num_threads())
        print(json.dumps(r, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

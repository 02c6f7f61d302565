"""Teacher-forced denoising probe: how much of the reference sentence a model recovers from a
noised copy of it, by noise level. A quick diagnosis of an under-trained model (it tells "cannot
denoise" from "denoises, but sampling from pure noise collapses").

    python3 -m ardiff_ref.probe MODEL_DIR [MODEL_DIR ...] [--task TASK (ardiff_ref.tasks)]
                                [--n 64] [--t 0 100 500 1000 1500 1999] [--wrong-source]

For the first n inputs of the task's valid split (test.* is never read): the first reference is
tokenised into the target ([CLS] ... [SEP], pads to N), every token is noised to the same code
timestep t (q_sample with a fixed seed), the model predicts x0 given the source, x0 is clamped
to the nearest embedding, and the printed figure is the fraction of non-pad target tokens
recovered exactly.

--wrong-source adds a control line per model: the same targets and noise, but each input's
source replaced by the next input's. The gap between the two lines is what the model takes from
its source (no gap: it ignores the source and denoises from the target side alone).
"""
import argparse

import torch

from . import tasks
from .diffusion import nearest_embedding, q_sample
from .generate import batch_sources
from .modeldir import load_model_dir
from .schedule import NoiseSchedule

def probe(model_dir, rows, steps, seed=0):
    """rows: [(source, reference)] -> list of (t, accuracy) for one model directory."""
    model, cfg, tok = load_model_dir(model_dir)
    model.eval()
    ns = NoiseSchedule(cfg.diffusion_steps)
    N = cfg.tgt_len
    tgt = torch.full((len(rows), N), tok.pad_id, dtype=torch.long)
    for b, r in enumerate(rows):
        ids = [tok.cls_id] + tok.tokenize(r[1])[:N - 2] + [tok.sep_id]
        tgt[b, :len(ids)] = torch.tensor(ids)
    _, src, mask = batch_sources(tok, [r[0] for r in rows], cfg.max_src_len)
    real = tgt != tok.pad_id
    g = torch.Generator().manual_seed(seed)
    out = []
    with torch.no_grad():
        enc = model.encode(src, mask)
        x0 = model.embed(tgt)
        for t in steps:
            if not 0 <= t < cfg.diffusion_steps:
                raise SystemExit(f"probe: t = {t} outside [0, {cfg.diffusion_steps - 1}]")
            tau = torch.full((len(rows), N), t, dtype=torch.long)
            noise = torch.randn(x0.shape, generator=g)
            xh = model.denoise(q_sample(x0, tau.numpy(), noise, ns), tau, enc, mask)
            _, ids, _ = nearest_embedding(xh, model.word_embedding.weight)
            hit = (ids.reshape(tgt.shape) == tgt) & real
            out.append((t, float(hit.sum()) / float(real.sum())))
    return out


def wrong_source(rows):
    """[(source, reference)] -> the same references, each with the next row's source."""
    return [(rows[(i + 1) % len(rows)][0], r) for i, (_, r) in enumerate(rows)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir", nargs="+")
    ap.add_argument("--task", default="commongen", choices=tasks.names())
    ap.add_argument("--data", default=tasks.DATA, help="the shared data folder (default %(default)s)")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--t", type=int, nargs="+", default=[0, 100, 500, 1000, 1500, 1999])
    ap.add_argument("--wrong-source", action="store_true",
                    help="also probe with every source replaced by the next input's (control)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    ev = tasks.load_eval(args.task, args.data, "valid")
    rows = [(s, r[0]) for s, r in zip(ev["inputs"], ev["refs"])][:args.n]
    print(f"teacher-forced token recovery, first {len(rows)} {args.task} valid inputs, "
          "first reference")
    for d in args.model_dir:
        res = probe(d, rows, args.t)
        print(f"{d}: " + ", ".join(f"t={t} {a:.3f}" for t, a in res))
        if args.wrong_source:
            res = probe(d, wrong_source(rows), args.t)
            print(f"{d} (wrong source): " + ", ".join(f"t={t} {a:.3f}" for t, a in res))


if __name__ == "__main__":
    main()

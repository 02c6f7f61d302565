"""Training-step speed of the rounding-CE backward modes, measured in one run.

    PYTHONPATH=. python3 -m ardiff_ref.bench_train --resume CKPT [--steps 8] [--reps 2] \
        -- TRAINER FLAGS...          (the flags the checkpoint was trained with)

Loads the checkpoint (a trained one: the subnormal gradients `--ce_grad flush` avoids appear
only once the embeddings have separated), then alternates `--ce_grad torch` and `flush`
`--reps` times: two warm-up steps, then `--steps` timed steps from the same state and batches.
Prints the machine, torch, threads, seconds per step of each run, the mean loss of the timed
steps (the same in both modes) and the speed ratio. Nothing is written.
"""
import argparse
import os
import platform
import time

import torch

from . import train, trainlib


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run(flags, ckpt, mode, steps):
    args = train.parser().parse_args(flags + ["--ce_grad", mode])
    tr = train.Trainer(args)
    tr.load_state(torch.load(ckpt, map_location="cpu", weights_only=False))
    tr.data = trainlib.CommonGenData(args.data, "train", tr.tok, args.tgt_len, tr.cfg.max_src_len)
    for _ in range(2):
        tr.train_step(tr.next_batch())
    t = time.perf_counter()
    stats = [tr.train_step(tr.next_batch()) for _ in range(steps)]
    dt = (time.perf_counter() - t) / steps
    loss = sum(d["loss"] for d in train.StepStats.read(stats)) / steps
    return dt, loss


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--resume", required=True, help="a trainer checkpoint.pt")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("flags", nargs=argparse.REMAINDER, help="-- then the trainer's flags")
    a = ap.parse_args(argv)
    flags = a.flags[1:] if a.flags[:1] == ["--"] else a.flags
    if not os.path.isfile(a.resume):
        raise SystemExit(f"bench_train: no checkpoint {a.resume}")
    if a.steps < 1 or a.reps < 1:
        raise SystemExit("bench_train: --steps and --reps must be at least 1")
    torch.set_num_threads(a.threads)
    flags = flags + ["--out_dir", "/nonexistent-unused", "--device", "cpu"]
    print(f"# host {platform.node()}, {cpu_name()}, {os.cpu_count()} CPUs; torch {torch.__version__}, "
          f"{a.threads} thread(s); load average {os.getloadavg()[0]:.2f}")
    print(f"# checkpoint {a.resume}; {a.steps} timed steps after 2 warm-up steps, same state and "
          f"batches in every run")
    res = {"torch": [], "flush": []}
    for _ in range(a.reps):
        for mode in ("torch", "flush"):
            dt, loss = run(flags, a.resume, mode, a.steps)
            res[mode].append(dt)
            print(f"ce_grad {mode:5s}  {dt:.3f} s/step  mean loss {loss:.5f}", flush=True)
    t, f = (sum(res[m]) / len(res[m]) for m in ("torch", "flush"))
    print(f"speed-up of flush over torch: {t / f:.2f}x ({t:.3f} -> {f:.3f} s/step)")


if __name__ == "__main__":
    main()

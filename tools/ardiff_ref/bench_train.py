"""Training-step speed of two trainer modes, measured side by side in one run.

    PYTHONPATH=. python3 -m ardiff_ref.bench_train --resume CKPT [--compare ce_grad|autocast] \
        [--steps 8] [--reps 2] -- TRAINER FLAGS...   (the flags the checkpoint was trained with)

Loads the checkpoint (a trained one: the subnormal gradients `--ce_grad flush` avoids appear
only once the embeddings have separated), then alternates the two values of the compared
option `--reps` times (`ce_grad`: torch, flush; `autocast`: none, bf16): two warm-up steps, then
`--steps` timed steps from the same state and batches. Prints the machine, torch, threads,
seconds per step of each run, the mean loss of the timed steps (the same in both ce_grad modes;
bf16 rounding moves it slightly) and the speed ratio. Nothing is written.
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


MODES = {"ce_grad": ("torch", "flush"), "autocast": ("none", "bf16")}


def run(flags, ckpt, option, mode, steps):
    args = train.parser().parse_args(flags + ["--" + option, mode])
    tr = train.Trainer(args)
    tr.load_state(torch.load(ckpt, map_location="cpu", weights_only=False))
    tr.data = trainlib.Seq2SeqData(args.data, "train", tr.tok, args.tgt_len, tr.cfg.max_src_len)
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
    ap.add_argument("--compare", choices=sorted(MODES), default="ce_grad")
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
    base, new = MODES[a.compare]
    res = {base: [], new: []}
    for _ in range(a.reps):
        for mode in (base, new):
            dt, loss = run(flags, a.resume, a.compare, mode, a.steps)
            res[mode].append(dt)
            print(f"{a.compare} {mode:5s}  {dt:.3f} s/step  mean loss {loss:.5f}", flush=True)
    t, f = (sum(res[m]) / len(res[m]) for m in (base, new))
    print(f"speed-up of {new} over {base}: {t / f:.2f}x ({t:.3f} -> {f:.3f} s/step)")

if __name__ == "__main__":
    main()

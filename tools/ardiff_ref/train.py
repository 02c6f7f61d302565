"""Train an AR-Diffusion model with the official recipe (spec 2, 6), then export a model dir.

    python3 -m ardiff_ref.train --data ../shared/data/commongen --vocab vocab.txt \\
        --out_dir .train/run1 --intermediate_size 512 --num_attention_heads 8 \\
        --in_channels 64 --tgt_len 24 --max_pos_len 32 --batch_size 64 --lr 1e-3 \\
        --warmup_steps 500 --total_steps 20000 --lr_schedule constant --ema_rate 0.999
    torchrun --nproc_per_node=2 -m ardiff_ref.train ...        # DDP (gloo on CPU, nccl on GPU)
    python3 -m ardiff_ref.train --resume .train/run1/checkpoint.pt ...   # continue
    python3 -m ardiff_ref.train --resume CKPT --export_only --export DIR  # just export

Per step: a batch of (source, target) pairs; one sentence index per sequence from the
TimeSchedule (`--schedule xy_uniform` = AR-Diffusion, `uniform` = GENIE-style baseline);
loss = ardiff_ref.losses; AdamW (wd 0); linear warm-up then constant or linear decay
(HF get_{constant,linear}_schedule_with_warmup: lr(s) = peak * lambda(s) for 0-based step s);
EMA after every step. `--batch_size` is per process, as in the official trainer. Steps count
optimizer steps (no gradient accumulation). Checkpoints are written atomically.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist

from . import convert, tasks, trainlib
from .losses import DiffusionLoss, summarise_sums, term_sums
from .schedule import NoiseSchedule
from .timesteps import make_schedule

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parser():
    ap = argparse.ArgumentParser(prog="python3 -m ardiff_ref.train", description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=tasks.data_folder("commongen"),
                    help="a task's data folder (ardiff_ref.tasks; default CommonGen's)")
    ap.add_argument("--vocab", required=True, help="BERT WordPiece vocab.txt")
    ap.add_argument("--out_dir", required=True, help="checkpoints, metrics.jsonl, model/")
    g = ap.add_argument_group("model (official names)")
    g.add_argument("--intermediate_size", type=int, default=512, help="hidden = this / 4")
    g.add_argument("--num_attention_heads", type=int, default=8)
    g.add_argument("--in_channels", type=int, default=64)
    g.add_argument("--out_channels", type=int, default=0, help="0: in_channels")
    g.add_argument("--time_channels", type=int, default=0, help="0: in_channels")
    g.add_argument("--tgt_len", type=int, default=54)
    g.add_argument("--max_pos_len", type=int, default=128)
    g.add_argument("--encoder_layers", type=int, default=6)
    g.add_argument("--decoder_layers", type=int, default=6)
    g.add_argument("--diffusion_steps", type=int, default=2000)
    g.add_argument("--end_point_scale", type=float, default=2.0)
    g.add_argument("--schedule", "--schedule_sampler", dest="schedule", default="xy_uniform",
                   choices=("xy_uniform", "ar", "uniform"))
    g.add_argument("--time_att", type=convert._bool, default=True,
                   help="true (official scripts): time as the key-side self-attention term; "
                        "false: a time MLP added to the decoder input (GENIE's way; the only way "
                        "a uniform-schedule model can see its noise level)")
    g.add_argument("--src_emb_init", choices=("bert", "tgt"), default="bert",
                   help="tgt: encoder word embeddings = decoder ones x random projection "
                        "(not official; helps short runs learn the conditioning)")
    g.add_argument("--dropout", type=float, default=0.2)
    g.add_argument("--att_dropout", type=float, default=0.1)
    g = ap.add_argument_group("optimisation (official names)")
    g.add_argument("--lr", type=float, default=3e-4)
    g.add_argument("--batch_size", type=int, default=64, help="per process")
    g.add_argument("--warmup_steps", type=int, default=4000)
    g.add_argument("--total_steps", type=int, default=40000)
    g.add_argument("--lr_schedule", choices=("constant", "linear"), default="constant")
    g.add_argument("--lr_step", type=int, default=0, help="linear decay horizon (0: total_steps)")
    g.add_argument("--weight_decay", type=float, default=0.0)
    g.add_argument("--ema_rate", type=float, default=0.9999)
    g.add_argument("--grad_clip", type=float, default=-1.0, help="max grad norm; <= 0: none")
    g.add_argument("--ce_grad", choices=("flush", "torch"), default="flush",
                   help="rounding CE gradient: flush (probabilities < exp(-80) count as 0: no "
                        "subnormal floats, ~1.3x faster CPU steps) or torch (F.cross_entropy's "
                        "own, bit-for-bit the runs before 2026-11-29)")
    g.add_argument("--autocast", choices=("none", "bf16"), default="none",
                   help="bf16: matrix products in bfloat16 under torch.autocast (CPUs with "
                        "AVX-512 BF16 or AMX, recent GPUs); losses and weights stay fp32")
    g.add_argument("--ignore_pad", action="store_true", help="exclude pads from the loss (not official)")
    g.add_argument("--emb_norm", default="0", metavar="R|median",
                   help="not official: after every optimizer step, scale each row of the "
                        "target word embedding (tied with the head) to norm R, so that no "
                        "rare token drifts to the centre and becomes the nearest row of every "
                        "uncertain x0 at clamping (docs/studies.md); 'median': R is the median "
                        "row norm of the weights the run starts from, kept in the checkpoint; "
                        "0: off (official)")
    g.add_argument("--seed", type=int, default=101, help="rank r uses seed + r (official)")
    g.add_argument("--threads", type=int, default=0, help="torch threads (0: torch default)")
    g.add_argument("--device", default="auto",
                   help="cpu, cuda, cuda:N or auto (cuda when available; under torchrun each rank "
                        "takes cuda:LOCAL_RANK)")
    g.add_argument("--tf32", action="store_true",
                   help="on CUDA, let fp32 matrix products use TF32 tensor cores (torch's "
                        "default is off; no effect on a CPU)")
    g.add_argument("--stop_at", type=int, default=0,
                   help="stop (checkpoint, export) at this step; the lr schedule still follows "
                        "--total_steps (0: stop at total_steps)")
    g.add_argument("--max_minutes", type=float, default=0,
                   help="stop (save, export) after this much training wall time (0: no limit)")
    g = ap.add_argument_group("bookkeeping")
    g.add_argument("--save_interval", type=int, default=1000)
    g.add_argument("--log_interval", type=int, default=50)
    g.add_argument("--resume", help="checkpoint to continue from ('auto': OUT_DIR/checkpoint.pt if present)")
    g.add_argument("--init_from", metavar="MODEL_DIR",
                   help="start from an ardiff model directory's weights (live weights and EMA "
                        "both = them; new optimizer, step 0, so --warmup_steps applies again); "
                        "its model.ini and vocab must match these flags and --vocab. A "
                        "checkpoint found by --resume takes precedence")
    g.add_argument("--export", help="model directory to write at the end (default OUT_DIR/model)")
    g.add_argument("--export_every", type=int, default=0, metavar="N",
                   help="also export a model directory OUT_DIR/model-step-S every N steps (S = "
                        "the step; --export_weights, --export_dtype), e.g. to compare two runs "
                        "at the same step when a time limit stops them (0: only at the end)")
    g.add_argument("--export_only", action="store_true", help="with --resume: export, no training")
    g.add_argument("--export_weights", choices=("ema", "live"), default="ema")
    g.add_argument("--export_dtype", choices=("f32", "f16"), default="f32")
    g.add_argument("--gen_timesteps", type=int, default=20)
    g.add_argument("--num_samples", type=int, default=10, help="[generate] candidates")
    g.add_argument("--gen_case", choices=("none", "sentence"), default="none",
                   help="[generate] case of the exported model (sentence: for cased references)")
    return ap


def lr_lambda(step, args):
    """HF schedules: warm-up step/warmup, then 1 (constant) or linear decay to 0 at lr_step."""
    if step < args.warmup_steps:
        return step / max(1, args.warmup_steps)
    if args.lr_schedule == "constant":
        return 1.0
    horizon = args.lr_step or args.total_steps
    return max(0.0, (horizon - step) / max(1, horizon - args.warmup_steps))


def pick_device(args, rank):
    if args.device != "auto":
        return torch.device(args.device)
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)) % torch.cuda.device_count())
    return torch.device("cpu")


def setup_distributed():
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size()


def log(msg, rank=0):
    if rank == 0:
        print(msg, file=sys.stderr, flush=True)


class StepStats:
    """One step's log values, with the loss terms still on the device (no sync per step)."""

    def __init__(self, sums, gnorm, t0_frac, lr):
        self.sums, self.gnorm, self.t0_frac, self.lr = sums, gnorm, t0_frac, lr

    @staticmethod
    def read(steps):
        """[StepStats] -> [dict of floats], with one device-to-host copy for all of them."""
        sums = torch.stack([s.sums for s in steps]).tolist()
        gn = [s.gnorm for s in steps]
        gn = torch.stack(gn).tolist() if gn[0] is not None else gn
        out = []
        for s, row, g in zip(steps, sums, gn):
            d = summarise_sums(row)
            d["t0_frac"], d["lr"] = s.t0_frac, s.lr
            if g is not None:
                d["grad_norm"] = g
            out.append(d)
        return out


class Trainer:
    def __init__(self, args, rank=0, world=1):
        self.args, self.rank, self.world = args, rank, world
        self.vocab, self.tok = trainlib.load_vocab(args.vocab)
        self.cfg = trainlib.model_config(args, self.vocab, self.tok)
        torch.manual_seed(args.seed)                     # same init on every rank
        self.model = trainlib.build_model(self.cfg, args.dropout, args.att_dropout,
                                         args.src_emb_init).to(pick_device(args, rank))
        self.dev = next(self.model.parameters()).device
        self.ema = [p.detach().clone() for p in self.model.parameters()]
        self.ns = NoiseSchedule(args.diffusion_steps)
        sched = "ar" if args.schedule in ("ar", "xy_uniform") else "uniform"
        self.sched = make_schedule(sched, args.diffusion_steps, args.tgt_len, args.end_point_scale)
        self.loss_mod = DiffusionLoss(self.model, self.ns, args.ignore_pad, args.ce_grad,
                                      args.autocast)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=args.lr,
                                     weight_decay=args.weight_decay)
        self.gen = torch.Generator().manual_seed(args.seed + rank)    # timesteps and noise
        torch.manual_seed(args.seed + rank)                          # dropout
        self.step = 0
        self.emb_norm = None        # the row norm --emb_norm holds; None: not resolved yet
        self.data_pos = {"epoch": 0, "pos": 0}
        self.data = None
        self.net = self.loss_mod
        if world > 1:
            ids = [self.dev.index] if self.dev.type == "cuda" else None
            self.net = torch.nn.parallel.DistributedDataParallel(self.loss_mod, device_ids=ids)

    # ---- state -------------------------------------------------------------------------
    def state(self):
        return {"model": self.model.state_dict(), "ema": [t.clone() for t in self.ema],
                "optimizer": self.opt.state_dict(), "step": self.step,
                "data_pos": dict(self.data_pos), "gen_state": self.gen.get_state(),
                "torch_rng": torch.get_rng_state(), "config": self.cfg.__dict__.copy(),
                "args": vars(self.args), "world": self.world, "emb_norm": self.emb_norm}

    def load_state(self, st):
        self.model.load_state_dict(st["model"])
        for e, t in zip(self.ema, st["ema"]):
            e.copy_(t)
        self.opt.load_state_dict(st["optimizer"])
        self.step, self.data_pos = st["step"], dict(st["data_pos"])
        self.emb_norm = st.get("emb_norm")
        if self.world == 1 and st.get("world", 1) == 1:   # RNG streams continue exactly
            self.gen.set_state(st["gen_state"])
            torch.set_rng_state(st["torch_rng"])
        else:   # only rank 0's streams are saved: give every rank a fresh, distinct stream
            seed = self.args.seed + self.rank + 7919 * self.step
            self.gen.manual_seed(seed)
            torch.manual_seed(seed)

    def init_from(self, path):
        """Weights (and EMA) from an ardiff model directory, e.g. an export of an earlier run
        or a converted official checkpoint. ValueError when it does not fit this model."""
        from .modeldir import expected_shapes, load_model_dir
        try:
            ref, cfg, tok = load_model_dir(path)
        except (OSError, ValueError, KeyError) as e:
            raise ValueError("%s: not a readable ardiff model directory (%s)" % (path, e))
        if tok.vocab != self.vocab:
            i = next((i for i, (a, b) in enumerate(zip(tok.vocab, self.vocab)) if a != b),
                     min(len(tok.vocab), len(self.vocab)))
            raise ValueError("%s: its vocab.txt (%d entries) differs from --vocab (%d entries) "
                             "first at line %d" % (path, len(tok.vocab), len(self.vocab), i + 1))
        want, got = expected_shapes(self.cfg), expected_shapes(cfg)
        if want != got or cfg.time_att != self.cfg.time_att:
            diff = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
            raise ValueError("%s: model.ini does not match the model flags (time_att: model.ini "
                             "%s, flags %s; tensors that differ: %s)"
                             % (path, str(cfg.time_att).lower(), str(self.cfg.time_att).lower(),
                                ", ".join(diff[:4]) or "none"))
        for field in ("diffusion_steps", "noise_schedule", "rescale_timesteps"):
            theirs, ours = getattr(cfg, field), getattr(self.cfg, field)
            if theirs != ours:      # the network's time input would mean another noise level
                raise ValueError("%s: model.ini %s = %s, the flags say %s"
                                 % (path, field, str(theirs).lower(), str(ours).lower()))
        mine = dict(self.model.named_parameters())
        with torch.no_grad():
            for name, p in ref.named_parameters():
                mine[name].copy_(p.to(mine[name].device))
            for e, p in zip(self.ema, self.model.parameters()):
                e.copy_(p)

    def resolve_emb_norm(self):
        """--emb_norm -> the row norm to hold (0.0: off). A fresh run scales the rows of the live
        weights and of the EMA to it at once; a resumed run keeps its checkpoint's value."""
        spec = self.args.emb_norm
        if self.emb_norm is None:   # a fresh run (a resumed one keeps its rows and EMA as saved)
            if spec == "median":
                w = self.model.word_embedding.weight.detach()
                self.emb_norm = float(w.float().norm(dim=1).median())
            else:
                try:
                    self.emb_norm = float(spec)
                except ValueError:
                    raise ValueError("--emb_norm: expected a number or 'median', got %r" % spec)
                if not (self.emb_norm >= 0 and math.isfinite(self.emb_norm)):
                    raise ValueError("--emb_norm: expected a norm >= 0, got %r" % spec)
            if self.emb_norm > 0:
                i = [n for n, _ in self.model.named_parameters()].index("word_embedding.weight")
                self.hold_emb_norm(self.ema[i])
                self.hold_emb_norm(self.model.word_embedding.weight)
        return self.emb_norm

    @torch.no_grad()
    def hold_emb_norm(self, w):
        w.mul_(self.emb_norm / w.norm(dim=1, keepdim=True).clamp_min(1e-12))

    def save(self, path):
        if self.rank == 0:
            trainlib.atomic_save(self.state(), path)

    # ---- one step ------------------------------------------------------------------------
    def train_step(self, batch):
        a = self.args
        tgt, src, mask = batch
        B, N = tgt.shape
        tau, _ = self.sched.sample_training(B, self.gen)
        d = self.cfg.in_channels
        eps0 = torch.randn((B, N, d), generator=self.gen)
        eps = torch.randn((B, N, d), generator=self.gen)
        for group in self.opt.param_groups:
            group["lr"] = a.lr * lr_lambda(self.step, a)
        self.model.train()
        t0_frac = float((tau == 0).float().mean())       # tau is still on the host here
        tgt, src, mask, tau, eps0, eps = (self.to_dev(t) for t in (tgt, src, mask, tau, eps0, eps))
        loss, terms = self.net(tgt, src, mask, tau, eps0, eps)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = None
        if a.grad_clip > 0:
            gnorm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), a.grad_clip).detach()
        self.opt.step()
        if self.emb_norm:
            self.hold_emb_norm(self.model.word_embedding.weight)
        with torch.no_grad():   # one fused launch per op on a GPU instead of two per tensor
            params = [p.detach() for p in self.model.parameters()]
            torch._foreach_mul_(self.ema, a.ema_rate)
            torch._foreach_add_(self.ema, params, alpha=1 - a.ema_rate)
        self.step += 1
        # Nothing here waits for the device: the loss terms stay on it as sums until the log
        # line reads them (StepStats), so a GPU keeps working while the next batch is prepared.
        return StepStats(term_sums(terms), gnorm, t0_frac, self.opt.param_groups[0]["lr"])

    def to_dev(self, t):
        """Host tensor -> the model's device; on CUDA through pinned memory, without a sync
        (a copy from pageable memory waits for the stream: every earlier kernel)."""
        if self.dev.type == "cuda":
            return t.pin_memory().to(self.dev, non_blocking=True)
        return t.to(self.dev)

    def next_batch(self):
        return self.data.batch(self.data_pos, self.args.batch_size, self.rank, self.world,
                               self.args.seed)

    def train(self, stop_at=None):
        a = self.args
        stop_at = a.total_steps if stop_at is None else stop_at
        os.makedirs(a.out_dir, exist_ok=True)
        ckpt = os.path.join(a.out_dir, "checkpoint.pt")
        metrics = open(os.path.join(a.out_dir, "metrics.jsonl"), "a") if self.rank == 0 else None
        t_start, s_start, acc = time.time(), self.step, []
        c_start = time.process_time()         # CPU seconds of this process (all its threads)
        while self.step < stop_at:
            if a.max_minutes and time.time() - t_start > 60 * a.max_minutes:
                log("time limit of %g min reached at step %d" % (a.max_minutes, self.step), self.rank)
                self.save(ckpt)
                break
            acc.append(self.train_step(self.next_batch()))
            if self.step % a.log_interval == 0 or self.step == stop_at:
                acc = StepStats.read(acc)
                m = {k: sum(x[k] for x in acc) / len(acc) for k in acc[0]}
                el = time.time() - t_start
                sps = (self.step - s_start) / max(el, 1e-9)
                eta = (stop_at - self.step) / max(sps, 1e-9)
                log("step %d/%d loss %.4f mse/t0 %.4f ce %.4f tT %.2e t0_frac %.4f lr %.2e "
                    "%.2f steps/s ETA %dm%02ds" % (self.step, stop_at, m["loss"], m["mse_t0"],
                                                   m["ce"], m["tT"], m["t0_frac"], m["lr"], sps,
                                                   eta // 60, eta % 60), self.rank)
                if metrics:
                    m.update(step=self.step, elapsed_s=round(el, 1), epoch=self.data_pos["epoch"],
                             cpu_s=round(time.process_time() - c_start, 1))
                    metrics.write(json.dumps(m) + "\n")
                    metrics.flush()
                acc = []
            if self.step % a.save_interval == 0 or self.step == stop_at:
                self.save(ckpt)
            if a.export_every and self.step % a.export_every == 0 and self.rank == 0:
                # the converter builds a model (its init draws from torch's global RNG, which
                # dropout uses too): keep the run's own stream as it would be without exports
                cuda = [self.dev.index or 0] if self.dev.type == "cuda" else []
                with torch.random.fork_rng(devices=cuda):
                    trainlib.export(self, os.path.join(a.out_dir, "model-step-%d" % self.step),
                                    a.export_weights, a.export_dtype, log=lambda s: None)
        if metrics:
            metrics.close()
        return ckpt


def main(argv=None):
    args = parser().parse_args(argv)
    if args.export_every < 0:
        sys.exit("train: --export_every must be 0 or more, got %d" % args.export_every)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    rank, world = setup_distributed()
    tr = Trainer(args, rank, world)
    resume = args.resume
    if resume == "auto":
        resume = os.path.join(args.out_dir, "checkpoint.pt")
        resume = resume if os.path.exists(resume) else None
    if resume:
        # our own checkpoint (RNG states, data position): not a weights-only file; torch >= 2.6
        # would refuse it by default
        tr.load_state(torch.load(resume, map_location="cpu", weights_only=False))
        log("resumed from %s at step %d" % (resume, tr.step), rank)
    elif args.init_from:
        try:
            tr.init_from(args.init_from)
        except ValueError as e:
            sys.exit("train: --init_from %s" % e)
        log("initialised from %s (weights and EMA; step 0, new optimizer)" % args.init_from, rank)
    try:
        r = tr.resolve_emb_norm()
    except ValueError as e:
        sys.exit("train: %s" % e)
    if r:
        log("--emb_norm: every target embedding row held at norm %.4f" % r, rank)
    if not args.export_only:
        tr.data = trainlib.Seq2SeqData(args.data, "train", tr.tok, args.tgt_len,
                                         tr.cfg.max_src_len)
        log("data: %d pairs, %.2f%% targets truncated to tgt_len %d; model %.2fM parameters"
            % (len(tr.data), 100 * tr.data.truncated, args.tgt_len,
               sum(p.numel() for p in tr.model.parameters()) / 1e6), rank)
        tr.train(args.stop_at or None)
    if rank == 0:
        out = args.export or os.path.join(args.out_dir, "model")
        trainlib.export(tr, out, args.export_weights, args.export_dtype, log=lambda s: log(s))
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()

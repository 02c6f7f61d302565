"""Trainer and sampler agree: a model that memorised 24 pairs regenerates them (tests/train_e2e.sh).

  python3 -m ardiff_ref.e2e_train make DIR SCHEDULE   # data, vocab, train, export DIR/model
  python3 -m ardiff_ref.e2e_train check DIR OUT.txt   # ardiff's outputs vs the targets

The parity tests prove that ardiff computes what the reference computes; they cannot show that
what both compute is what training taught the network. This test closes the loop through the
files: a small model (1 + 2 layers, h 32, d 16) is trained with ardiff_ref.train (SCHEDULE
xy_uniform or uniform, no dropout) until it has memorised 24 (concepts -> "the X and the Y Z.")
pairs, exported as an ardiff model directory, and must regenerate the targets from pure noise:
ardiff (`generate --candidates 1 --steps 20`, its own schedule) and the PyTorch reference must
each get at least MIN_EXACT of the 24 exactly. Measured on the development machine: 24 / 24 from
ardiff and from the reference for both schedules (a 600-step run of this recipe ended at loss
0.016 and regenerated 24 / 24 at K = 20 and K = 200 with either sampling schedule).

What it does not pin: the time input. A memorised target follows from the source alone, so the
network need not read t: mutation runs (2026-11-29) that fed the network tau // 4, or 0, in
training still regenerated 24 / 24 here. The trainer's time and noising convention is pinned by
test_train.py::test_loss_terms_match_spec instead (both mutations fail it), and the sampler's by
the parity and schedule tests.
"""
import os
import sys

import numpy as np
import torch

WORDS = ("dog run park ball throw catch man field stand look cat sit mat jump boy girl "
         "play tree climb water swim lake eat apple").split()
PAIRS, STEPS, MIN_EXACT = 24, 300, 22


def pairs():
    rs = np.random.RandomState(0)
    src, tgt = [], []
    for _ in range(PAIRS):
        c = list(rs.choice(WORDS, 3, replace=False))
        src.append(" ".join(c))
        tgt.append("The %s and the %s %s." % tuple(c))
    return src, tgt


def make(out, schedule):
    from . import train, trainlib
    from .tokenizer import SPECIALS
    data = os.path.join(out, "data")
    os.makedirs(data, exist_ok=True)
    src, tgt = pairs()
    for split in ("train", "valid"):
        with open(os.path.join(data, split + ".src"), "w") as f:
            f.write("\n".join(src) + "\n")
        with open(os.path.join(data, split + ".tgt"), "w") as f:
            f.write("\n".join(tgt) + "\n")
    vocab = list(SPECIALS) + sorted(set(WORDS) | {"the", "and", "."})
    with open(os.path.join(data, "vocab.txt"), "w") as f:
        f.write("".join(t + "\n" for t in vocab))
    args = train.parser().parse_args([
        "--data", data, "--vocab", os.path.join(data, "vocab.txt"), "--out_dir",
        os.path.join(out, "run"), "--export", os.path.join(out, "model"),
        "--intermediate_size", "128", "--num_attention_heads", "2", "--in_channels", "16",
        "--tgt_len", "10", "--max_pos_len", "12", "--encoder_layers", "1", "--decoder_layers", "2",
        "--batch_size", str(PAIRS), "--lr", "3e-3", "--warmup_steps", "20", "--total_steps",
        str(STEPS), "--lr_schedule", "constant", "--ema_rate", "0.99", "--dropout", "0",
        "--att_dropout", "0", "--src_emb_init", "tgt", "--seed", "5", "--schedule", schedule,
        "--log_interval", "100", "--save_interval", "1000000", "--num_samples", "1"])
    tr = train.Trainer(args)
    tr.data = trainlib.Seq2SeqData(args.data, "train", tr.tok, args.tgt_len, tr.cfg.max_src_len)
    tr.train()
    trainlib.export(tr, args.export, "ema", log=lambda s: print(s, file=sys.stderr))
    return 0


def _exact(outs, want):
    return sum(o == w for o, w in zip(outs, want))


def check(out, hyp_path):
    from .generate import generate
    from .modeldir import load_model_dir
    src, tgt = pairs()
    want = [t.lower() for t in tgt]
    with open(hyp_path, encoding="utf-8") as f:
        got = [line.rstrip("\n") for line in f]
    if len(got) != len(want):
        print("e2e_train: %s has %d lines, want %d" % (hyp_path, len(got), len(want)))
        return 1
    model, cfg, tok = load_model_dir(os.path.join(out, "model"))
    ref = generate(model, tok, src, 0, 1, 20, schedule=cfg.gen_schedule)["outputs"]
    n_c, n_ref = _exact(got, want), _exact(ref, want)
    print("e2e_train (%s model): exact regenerations of %d targets: ardiff %d, reference %d "
          "(need >= %d each)" % (cfg.gen_schedule, len(want), n_c, n_ref, MIN_EXACT))
    bad = 0
    for i, (g, r, w) in enumerate(zip(got, ref, want)):
        if g != w or r != w:
            bad += 1
            if bad <= 5:
                print("  %2d want %r\n     ardiff %r\n     reference %r" % (i, w, g, r))
    return 0 if n_c >= MIN_EXACT and n_ref >= MIN_EXACT else 1


def main(argv):
    torch.set_num_threads(2)
    if len(argv) == 3 and argv[0] == "make" and argv[2] in ("xy_uniform", "uniform"):
        return make(argv[1], argv[2])
    if len(argv) == 3 and argv[0] == "check":
        return check(argv[1], argv[2])
    print(__doc__.split("\n\n")[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

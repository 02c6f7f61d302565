"""End-to-end check of an official-format checkpoint at a released size (tests/official_e2e.sh).

  python3 -m ardiff_ref.e2e_official make DIR [SIZE]    # DIR/ckpt/{model,ema_0.9999}_checkpoint-40000
  python3 -m ardiff_ref.e2e_official check DIR [SIZE]   # after convert + ardiff generate
  python3 -m ardiff_ref.e2e_official flags SIZE         # the converter flags of that size
  python3 -m ardiff_ref.e2e_official tokenizer SIZE     # the converter's tokenizer arguments

SIZE: commongen (default), xsum or iwslt. Models (spec §1.6): CommonGen h 128 = intermediate_size
512 / 4, 8 heads, d 64, 6 + 6 layers, tgt_len 54, max_pos_len 128; XSUM h 512, 8 heads, d 128,
6 + 6 layers, tgt_len 50, max_pos_len 512 (about 70 M parameters); IWSLT14 De-En h 256, 4
heads, d 64, 6 + 6 layers, tgt_len 90, max_pos_len 256. Vocabulary tests/fixtures/tokenizer/
vocab.txt (bert-base-uncased, 30,522 entries), for IWSLT the byte-level BPE of
tests/fixtures/bpe (vocab.json + merges.txt, 10,005 entries as the official vocabulary, trained
the official way); weights from torch seed SEED with the fixtures' init (fixtures.init_weights +
calibrate_output) so outputs are not degenerate. The EMA file holds a second model (seed
SEED + 1) as EMA weights, saved as the official trainer saves them.

check compares, with the model rebuilt from the seed (never read back from a file) as reference:
  * converter: encoder states, x0_hat = denoise(z, tau, enc) and logits of DIR/conv (plain) and
    DIR/conv_ema (EMA, the official loader's tied-head rule) - max abs diff <= TOL (1e-5);
  * generation, per schedule in SCHEDULES: ardiff's DIR/out_<schedule>.jsonl against
    ardiff_ref.generate on the same sources, seed, k and K - every candidate string, the MBR
    choice and output identical, MBR scores within 1e-6. Candidates must be non-empty and not
    all alike. Any mismatch is printed and the exit status is 1.
"""
import json
import os
import sys

import torch

from .config import ModelConfig
from .fixtures import calibrate_output, init_weights
from .generate import generate
from .model import ArDiffusionLM, load_official_state_dict
from .modeldir import load_model_dir
from .official_format import official_model_dict, save_official_checkpoint
from .bpe import ByteLevelBPE
from .tokenizer import WordPiece

SEED, STEP = 1234, 40000
SOURCES = ["dog frisbee catch", "cat couch sleep", "snow car drive"]
GEN_SEED, CANDIDATES, STEPS, SCHEDULES = 7, 3, 4, ("ar", "uniform")
TOL = 1e-5
# official run flags of the released checkpoints (spec §1.6); also passed to the converter
SIZES = {
    "commongen": dict(intermediate_size=512, num_attention_heads=8, in_channels=64,
                      out_channels=64, time_channels=64, tgt_len=54, max_pos_len=128),
    "xsum": dict(intermediate_size=2048, num_attention_heads=8, in_channels=128,
                 out_channels=128, time_channels=128, tgt_len=50, max_pos_len=512),
    "iwslt": dict(intermediate_size=1024, num_attention_heads=4, in_channels=64,
                  out_channels=64, time_channels=64, tgt_len=90, max_pos_len=256),
}
FLAGS = SIZES["commongen"]
FIX = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "tests", "fixtures"))
VOCAB = os.path.join(FIX, "tokenizer", "vocab.txt")
BPE_FILES = (os.path.join(FIX, "bpe", "vocab.json"), os.path.join(FIX, "bpe", "merges.txt"))
IWSLT_SOURCES = ["ein mann fährt mit dem fahrrad über die brücke .",
                 "Zwei Hunde spielen im Schnee, und es ist kalt!", "das ist es , was wir wollen ?"]


def tokenizer_args(size):
    """The converter's tokenizer arguments for a size."""
    if size == "iwslt":
        return ["--vocab", BPE_FILES[0], "--merges", BPE_FILES[1]]
    return ["--vocab", VOCAB]


def load_tok():
    """(tokenizer, ModelConfig tokenizer fields) of the current size (FLAGS)."""
    if FLAGS is SIZES["iwslt"]:
        tok = ByteLevelBPE.from_files(*BPE_FILES)
        return tok, dict(tok_type="bytelevel_bpe", tok_vocab="vocab.json",
                         tok_merges="merges.txt", tok_lowercase=False)
    return WordPiece.from_file(VOCAB), {}


def build(seed):
    tok, fields = load_tok()
    cfg = ModelConfig.from_official(vocab_size=len(tok.vocab), tok_pad_id=tok.pad_id,
                                    tok_cls_id=tok.cls_id, tok_sep_id=tok.sep_id,
                                    tok_unk_id=tok.unk_id, tok_mask_id=tok.mask_id, **fields,
                                    **FLAGS)
    torch.manual_seed(seed)
    model = ArDiffusionLM(cfg)
    gen = torch.Generator().manual_seed(seed)
    init_weights(model, gen)
    calibrate_output(model, tok, gen)
    return model.eval(), tok


def make(d):
    live, _ = build(SEED)
    ema, _ = build(SEED + 1)
    save_official_checkpoint(live, os.path.join(d, "ckpt"), STEP)
    save_official_checkpoint(live, os.path.join(d, "ckpt"), STEP, ema_model=ema)
    with open(os.path.join(d, "in.txt"), "w", encoding="utf-8") as f:
        f.write("".join(s + "\n" for s in SOURCES))


@torch.no_grad()
def halves(model, tok):
    """Encoder states, x0_hat and logits on the sources with fixed z and tau."""
    from .generate import batch_sources
    _, ids, mask = batch_sources(tok, SOURCES, model.cfg.max_src_len)
    g = torch.Generator().manual_seed(99)
    cfg = model.cfg
    z = torch.randn(len(SOURCES), cfg.tgt_len, cfg.in_channels, generator=g)
    tau = torch.randint(0, cfg.diffusion_steps, (len(SOURCES), cfg.tgt_len), generator=g)
    enc = model.encode(ids, mask)
    x0 = model.denoise(z, tau, enc, mask)
    return {"enc": enc, "x0_hat": x0, "logits": model.logits(x0)}


def check_converter(ref, d, sub, tok, errors):
    conv, _, _ = load_model_dir(os.path.join(d, sub))
    a, b = halves(ref, tok), halves(conv, tok)
    for name in a:
        diff = float((a[name] - b[name]).abs().max())
        print("  %-8s %-7s max |ref - converted| = %.3g" % (sub, name, diff))
        if not diff <= TOL:
            errors.append("%s: %s differs from the reference by %.3g > %g" % (sub, name, diff, TOL))


def check_generation(ref, tok, d, schedule, errors):
    r = generate(ref, tok, SOURCES, GEN_SEED, CANDIDATES, STEPS, schedule=schedule)
    with open(os.path.join(d, "out_%s.jsonl" % schedule), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if len(rows) != len(SOURCES):
        errors.append("%s: ardiff wrote %d lines for %d sources" % (schedule, len(rows), len(SOURCES)))
        return
    for b, (src, row) in enumerate(zip(SOURCES, rows)):
        want = {"candidate %d" % c: t for c, t in enumerate(r["texts"][b])}
        want.update(choice=r["mbr_index"][b], output=r["outputs"][b])
        got = {"candidate %d" % c: t for c, t in enumerate(row["candidates"])}
        got.update(choice=row["choice"], output=row["output"])
        for key, w in want.items():
            if got.get(key) != w:
                errors.append("%s, input %d (%r), %s:\n    reference: %r\n    ardiff:    %r"
                              % (schedule, b, src, key, w, got.get(key)))
        if len(row["candidates"]) != CANDIDATES:
            errors.append("%s, input %d: ardiff gave %d candidates" % (schedule, b, len(row["candidates"])))
        sd = max(abs(x - y) for x, y in zip(r["mbr_scores"][b], row["mbr_scores"]))
        if not sd <= 1e-6:
            errors.append("%s, input %d: MBR scores differ by %.3g: reference %r, ardiff %r"
                          % (schedule, b, sd, r["mbr_scores"][b], row["mbr_scores"]))
        print("  %-7s input %d choice %d: %.60r..." % (schedule, b, row["choice"], row["output"]))
    texts = [t for row in r["texts"] for t in row]
    if not all(texts) or len(set(texts)) < 2:
        errors.append("%s: degenerate reference outputs %r" % (schedule, texts))


def check(d):
    errors = []
    ref, tok = build(SEED)
    ema_ref = load_official_state_dict(ArDiffusionLM(ref.cfg),
                                       official_model_dict(ref, build(SEED + 1)[0])).eval()
    check_converter(ref, d, "conv", tok, errors)
    check_converter(ema_ref, d, "conv_ema", tok, errors)
    for schedule in SCHEDULES:
        check_generation(ref, tok, d, schedule, errors)
    for e in errors:
        print("MISMATCH " + e, file=sys.stderr)
    print("official e2e: %s" % ("FAILED (%d mismatches)" % len(errors) if errors else "all equal"))
    return 1 if errors else 0


def main(argv):
    global FLAGS, SOURCES
    torch.set_num_threads(1)
    if argv[:1] == ["flags"] and len(argv) == 2 and argv[1] in SIZES:
        print(" ".join("--%s %s" % kv for kv in SIZES[argv[1]].items()))
        return 0
    if argv[:1] == ["tokenizer"] and len(argv) == 2 and argv[1] in SIZES:
        print(" ".join(tokenizer_args(argv[1])))
        return 0
    if not 2 <= len(argv) <= 3 or argv[0] not in ("make", "check") or \
            (len(argv) == 3 and argv[2] not in SIZES):
        print(__doc__, file=sys.stderr)
        return 2
    FLAGS = SIZES[argv[2] if len(argv) == 3 else "commongen"]
    if FLAGS is SIZES["iwslt"]:
        SOURCES = IWSLT_SOURCES
    if argv[0] == "make":
        make(argv[1])
        return 0
    return check(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

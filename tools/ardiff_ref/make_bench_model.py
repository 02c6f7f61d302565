"""Write a random-weight model directory at an official model size, for benchmarks.

  python3 -m ardiff_ref.make_bench_model OUT_DIR [--size commongen|xsum] [--vocab PATH]
                                         [--seed N] [--force]

The sizes are those of the released AR-Diffusion checkpoints (6 + 6 layers); the vocabulary is
the real bert-base-uncased one (tests/fixtures/tokenizer/vocab.txt, 30,522 entries) unless
--vocab names another. Weights are drawn with a fixed seed and scaled as the golden fixtures are
(fixtures.init_weights: official-style init, deep residuals damped, the decoder output rescaled
to the spread of the embeddings), with every word-embedding row at norm sqrt(d), so each step's
activations and the chosen tokens are non-degenerate. The directory is ~40 MB (CommonGen) or
~200 MB (XSUM): make it in a temporary or ignored folder, never commit it.
"""
import argparse
import os
import sys

import numpy as np
import torch

from .config import ModelConfig
from .fixtures import calibrate_output, init_weights
from .model import ArDiffusionLM
from .modeldir import stored_tensors, write_model_dir
from .tokenizer import WordPiece

# official run flags: intermediate_size (= 4 h), heads, in/out channels, time channels, tgt_len,
# max_pos_len
SIZES = {
    "commongen": dict(intermediate_size=512, num_attention_heads=8, in_channels=64,
                      out_channels=64, time_channels=64, tgt_len=54, max_pos_len=128),
    "xsum": dict(intermediate_size=2048, num_attention_heads=8, in_channels=128,
                 out_channels=128, time_channels=128, tgt_len=50, max_pos_len=512),
}
SEED = 20240601


def default_vocab():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "tests", "fixtures", "tokenizer",
                                         "vocab.txt"))


def make_bench_model(out_dir, size="commongen", vocab_path=None, seed=SEED, force=False):
    """Builds the model, writes the directory, returns (cfg, seconds)."""
    vocab_path = vocab_path or default_vocab()
    with open(vocab_path, encoding="utf-8") as f:
        vocab = [line.rstrip("\n") for line in f]
    tok = WordPiece(vocab)
    cfg = ModelConfig.from_official(vocab_size=len(vocab), tok_pad_id=tok.pad_id,
                                    tok_cls_id=tok.cls_id, tok_sep_id=tok.sep_id,
                                    tok_unk_id=tok.unk_id, tok_mask_id=tok.mask_id,
                                    gen_steps=20, gen_candidates=10, gen_schedule="ar",
                                    **SIZES[size])
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = ArDiffusionLM(cfg)
    init_weights(model, gen)
    with torch.no_grad():                     # equal row norms: no few long rows win every argmax
        E = model.word_embedding.weight
        E.mul_(np.sqrt(cfg.in_channels) / E.norm(dim=1, keepdim=True))
    calibrate_output(model, tok, gen)
    model.eval()
    write_model_dir(out_dir, cfg, stored_tensors(model.state_dict()), vocab, force=force,
                    metadata={"format": "ardiff-1", "bench_model": size, "seed": str(seed)})
    return cfg


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m ardiff_ref.make_bench_model",
                                 description="random-weight model directory at an official size")
    ap.add_argument("out_dir")
    ap.add_argument("--size", choices=sorted(SIZES), default="commongen")
    ap.add_argument("--vocab", help="vocab.txt (default: %s)" % default_vocab())
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--force", action="store_true", help="replace a non-empty OUT_DIR")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    try:
        cfg = make_bench_model(args.out_dir, args.size, args.vocab, args.seed, args.force)
    except (OSError, ValueError) as e:
        print("make_bench_model: %s" % e, file=sys.stderr)
        return 1
    print("%s: %s model (h=%d, heads %d, d=%d, time %d, %d+%d layers, N=%d, V=%d)"
          % (args.out_dir, args.size, cfg.hidden_size, cfg.encoder_heads, cfg.in_channels,
             cfg.time_channels, cfg.encoder_layers, cfg.decoder_layers, cfg.tgt_len,
             cfg.vocab_size))
    return 0


if __name__ == "__main__":
    sys.exit(main())

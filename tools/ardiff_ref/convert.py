"""Convert an official AR-Diffusion checkpoint into an ardiff model directory.

  python3 -m ardiff_ref.convert CHECKPOINT --vocab vocab.txt --out DIR \\
      --intermediate_size 512 --num_attention_heads 8 --in_channels 64 --out_channels 64 \\
      --time_channels 64 --tgt_len 54 --max_pos_len 128 [--dtype f16] [--force]
  python3 -m ardiff_ref.convert CHECKPOINT --vocab vocab.json --merges merges.txt --out DIR ...
      (IWSLT14: the byte-level BPE files the official tokenizer_utils.py saves; copied as they
      are, [tokenizer] type = bytelevel_bpe)

Run options use the official flag names; hydra style (in_channels=64) is accepted too.
CHECKPOINT is what the official trainer writes (a dict with 'model_dict'), or a plain state
dict; a DDP 'module.' prefix is stripped. Integer index buffers are accepted and ignored.
Missing, unexpected or mis-shaped tensors are reported by name and nothing is written.
"""
import argparse
import os
import pickle
import sys

import numpy as np
import torch

from .bpe import ByteLevelBPE
from .config import ModelConfig
from .ptload import load_zip_checkpoint
from .modeldir import IGNORED_BUFFERS, expected_shapes, write_model_dir
from .tokenizer import SPECIALS


class ConversionError(Exception):
    pass



def checkpoint_label(path):
    """The checkpoint's name as the model records it: its folder and file name, never the
    machine's absolute path (e.g. 'cg-cpu3/ema_official-7000.pt')."""
    norm = os.path.normpath(str(path))
    return os.path.join(os.path.basename(os.path.dirname(norm)), os.path.basename(norm))

def load_checkpoint(path):
    """-> plain {name: tensor} of the official model (restricted unpickling, no code runs)."""
    try:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError:      # some torch versions refuse floats in weights_only
            obj = load_zip_checkpoint(path)
    except Exception as e:
        raise ConversionError("cannot read %s as a PyTorch checkpoint: %s" % (path, e))
    if isinstance(obj, dict) and "model_dict" in obj:
        obj = obj["model_dict"]
    elif isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise ConversionError("%s: neither an official checkpoint nor a state dict" % path)
    if obj and all(k.startswith("module.") for k in obj):
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return dict(obj)


def resolve_tied(sd, prefer="lm_head"):
    """Fold lm_head.weight into word_embedding.weight. Returns a note when they differed.

    The official loader copies word_embedding.weight and then lm_head.weight into the one tied
    parameter, so lm_head.weight wins; official EMA checkpoints hold the EMA embedding under
    word_embedding.weight but the live one under lm_head.weight.
    """
    note = None
    we, lh = sd.get("word_embedding.weight"), sd.pop("lm_head.weight", None)
    if lh is not None and we is not None and lh.shape == we.shape and not torch.equal(lh, we):
        note = ("word_embedding.weight and lm_head.weight differ (EMA checkpoint); using %s.weight"
                " as the official loader does" % ("lm_head" if prefer == "lm_head" else
                                                   "word_embedding"))
        if prefer == "lm_head":
            sd["word_embedding.weight"] = lh
    elif we is None and lh is not None:
        sd["word_embedding.weight"] = lh
    return note


def check_tensors(sd, cfg):
    """-> list of problems (empty if sd matches cfg exactly)."""
    want = expected_shapes(cfg)
    problems = []
    for k in sorted(set(want) - set(sd)):
        problems.append("missing tensor: %s %s" % (k, list(want[k])))
    for k in sorted(set(sd) - set(want)):
        problems.append("unexpected tensor: %s %s" % (k, list(sd[k].shape)))
    for k in sorted(set(want) & set(sd)):
        if tuple(sd[k].shape) != want[k]:
            problems.append("mis-shaped tensor: %s is %s, expected %s"
                            % (k, list(sd[k].shape), list(want[k])))
        elif not sd[k].is_floating_point():
            problems.append("non-float tensor: %s (%s)" % (k, sd[k].dtype))
    return problems


def read_vocab(path):
    with open(path, encoding="utf-8") as f:
        vocab = [line.rstrip("\n") for line in f]
    ids = {t: i for i, t in enumerate(vocab)}
    missing = [t for t in SPECIALS if t not in ids]
    if missing:
        raise ConversionError("%s lacks special tokens %s" % (path, missing))
    return vocab, ids


def read_tokenizer(args):
    """-> (files for write_model_dir, vocabulary size, ModelConfig tok_* fields)."""
    if not args.merges:
        vocab, ids = read_vocab(args.vocab)
        lowercase = True if args.lowercase is None else args.lowercase
        return vocab, len(vocab), dict(
            tok_lowercase=lowercase, tok_pad_id=ids["[PAD]"], tok_cls_id=ids["[CLS]"],
            tok_sep_id=ids["[SEP]"], tok_unk_id=ids["[UNK]"], tok_mask_id=ids["[MASK]"])
    if args.lowercase:
        raise ConversionError("--lowercase true: the byte-level BPE tokenizer never lowercases")
    try:
        tok = ByteLevelBPE.from_files(args.vocab, args.merges)
    except (OSError, ValueError) as e:
        raise ConversionError("cannot read the BPE tokenizer: %s" % e)
    files = {}
    for name, path in (("vocab.json", args.vocab), ("merges.txt", args.merges)):
        with open(path, "rb") as f:
            files[name] = f.read()
    return files, len(tok.vocab), dict(
        tok_type="bytelevel_bpe", tok_vocab="vocab.json", tok_merges="merges.txt",
        tok_lowercase=False, tok_pad_id=tok.pad_id, tok_cls_id=tok.cls_id,
        tok_sep_id=tok.sep_id, tok_unk_id=tok.unk_id, tok_mask_id=tok.mask_id)


def _bool(s):
    if str(s).lower() in ("1", "true", "yes"):
        return True
    if str(s).lower() in ("0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError("expected true/false, got %r" % s)


def parser():
    ap = argparse.ArgumentParser(prog="python3 -m ardiff_ref.convert",
                                 description="official checkpoint -> ardiff model directory")
    ap.add_argument("checkpoint")
    ap.add_argument("--vocab", required=True, help="the tokenizer's vocab.txt (BERT WordPiece), "
                    "or vocab.json with --merges (byte-level BPE, IWSLT14)")
    ap.add_argument("--merges", help="merges.txt of a byte-level BPE tokenizer (with vocab.json)")
    ap.add_argument("--out", required=True, help="output model directory")
    ap.add_argument("--force", action="store_true", help="replace a non-empty output directory")
    ap.add_argument("--dtype", choices=("f32", "f16"), default="f32")
    ap.add_argument("--tied_from", choices=("lm_head", "word_embedding"), default="lm_head",
                    help="which copy of the tied embedding to keep if they differ")
    ap.add_argument("--lowercase", type=_bool, default=None,
                    help="WordPiece: default true (bert-base-uncased); BPE: must be false")
    g = ap.add_argument_group("official run options (same names as config.yaml / gen.sh)")
    g.add_argument("--intermediate_size", type=int, required=True)
    g.add_argument("--num_attention_heads", type=int, required=True)
    g.add_argument("--in_channels", type=int, required=True)
    g.add_argument("--out_channels", type=int, required=True)
    g.add_argument("--time_channels", type=int, required=True)
    g.add_argument("--tgt_len", type=int, required=True)
    g.add_argument("--max_pos_len", type=int, required=True)
    g.add_argument("--vocab_size", type=int, default=0, help="default: lines of --vocab")
    g.add_argument("--diffusion_steps", type=int, default=2000)
    g.add_argument("--noise_schedule", default="sqrt")
    g.add_argument("--end_point_scale", type=float, default=2.0)
    g.add_argument("--rescale_timesteps", type=_bool, default=True)
    g.add_argument("--schedule_sampler", default="xy_uniform",
                   help="xy_uniform -> generate.schedule=ar, uniform -> uniform")
    g.add_argument("--gen_timesteps", type=int, default=20)
    g.add_argument("--num_samples", type=int, default=50)
    g.add_argument("--case", choices=("none", "sentence"), default="none",
                   help="[generate] case: sentence upper-cases each output's first letter "
                        "(uncased vocabulary, cased references)")
    g.add_argument("--time_att", type=_bool, default=True)
    g.add_argument("--att_strategy", default="txl")
    g.add_argument("--encoder_layers", type=int, default=6)
    g.add_argument("--decoder_layers", type=int, default=6)
    return ap


def _hydra_to_flags(argv):
    out = []
    for a in argv:
        if not a.startswith("-") and "=" in a and a.split("=", 1)[0].replace("_", "").isalnum():
            k, v = a.split("=", 1)
            out += ["--" + k, v.strip("'\"")]
        else:
            out.append(a)
    return out


def config_from_args(args, vocab_size, tok_fields):
    if args.time_att and args.att_strategy != "txl":
        raise ConversionError("att_strategy %r is not supported (only txl; with time_att=false "
                              "it does not matter)" % args.att_strategy)
    sched = {"xy_uniform": "ar", "uniform": "uniform"}.get(args.schedule_sampler)
    if sched is None:
        raise ConversionError("unsupported schedule_sampler %r" % args.schedule_sampler)
    if args.vocab_size and args.vocab_size != vocab_size:
        raise ConversionError("--vocab_size %d but %s has %d entries"
                              % (args.vocab_size, args.vocab, vocab_size))
    try:
        return ModelConfig.from_official(
            intermediate_size=args.intermediate_size, num_attention_heads=args.num_attention_heads,
            in_channels=args.in_channels, out_channels=args.out_channels,
            time_channels=args.time_channels, tgt_len=args.tgt_len,
            max_pos_len=args.max_pos_len, vocab_size=vocab_size,
            encoder_layers=args.encoder_layers, decoder_layers=args.decoder_layers,
            diffusion_steps=args.diffusion_steps, noise_schedule=args.noise_schedule,
            end_point_scale=args.end_point_scale, rescale_timesteps=args.rescale_timesteps,
            gen_steps=args.gen_timesteps, gen_candidates=args.num_samples, gen_schedule=sched,
            gen_case=args.case, time_att=args.time_att, **tok_fields)
    except ValueError as e:
        raise ConversionError("bad run options: %s" % e)


def convert(argv=None, log=print):
    args = parser().parse_args(_hydra_to_flags(sys.argv[1:] if argv is None else argv))
    vocab, vocab_size, tok_fields = read_tokenizer(args)
    cfg = config_from_args(args, vocab_size, tok_fields)
    sd = load_checkpoint(args.checkpoint)
    for k in IGNORED_BUFFERS:
        sd.pop(k, None)
    note = resolve_tied(sd, args.tied_from)
    if note:
        log("note: " + note)
    problems = check_tensors(sd, cfg)
    if problems:
        raise ConversionError("checkpoint does not match the run options; nothing written:\n  "
                              + "\n  ".join(problems))
    dtype = np.float16 if args.dtype == "f16" else np.float32
    tensors = {k: v.detach().to(torch.float32).numpy().astype(dtype) for k, v in sd.items()}
    write_model_dir(args.out, cfg, tensors, vocab, force=args.force,
                    metadata={"format": "ardiff-1", "converted_from": checkpoint_label(args.checkpoint)})
    log("wrote %s (%d tensors, %s)" % (args.out, len(tensors), args.dtype))
    return cfg


def main():
    try:
        convert()
    except (ConversionError, FileExistsError) as e:
        print("error: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

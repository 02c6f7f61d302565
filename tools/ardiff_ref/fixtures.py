"""Regenerate every golden fixture: python3 -m ardiff_ref.fixtures [--out ../tests/fixtures].

Writes tests/fixtures/rng_vectors.txt and, for each tiny model of the official architecture,
tests/fixtures/<name>/{model.ini, model.safetensors, vocab.txt, golden.safetensors, golden.json}.
The layout is documented in tests/fixtures/README.md.
"""
import argparse
import json
import os
import string

import numpy as np
import torch

from . import rng, safetensors_io
from .config import ModelConfig
from .generate import generate
from .model import ArDiffusionLM
from .modeldir import stored_tensors, write_model_dir
from .tokenizer import WordPiece

WORDS = """the a an and or but of to in on at by for with from as is are was were be been
have has had do does did not no yes it its this that these those he she they we you i me him
her them us my your our their who what when where why how which all some many few more most
one two three four five six seven eight nine ten first last new old good bad big small long
short high low man woman child children people dog dogs cat cats bird horse ball game team
player players city country world year years day days time week house home car road water
food tree trees park field river sea sun sky school book story news report government police
president minister company market money price work job music song film play plays played
playing run runs ran running walk walks walked walking sit sits sat sitting stand stands
eat eats ate eating make makes made see saw look looks looked say said tell told go goes
went come came take took give gave find found think thought know knew want wanted use used
red blue green white black young together outside inside near under over after before
during again very also only just still well then there here now today yesterday""".split()
SUFFIXES = ["##s", "##es", "##ed", "##ing", "##ly", "##er", "##est", "##n't", "##'s"]
PUNCT = list(".,!?'\"-():;/&")
SOURCES = [
    "A man is walking his dog in the park.",
    "",
    "Children play ball together",
    "The government said the new market opened today, after two years of work!",
    "Zébras & birds: who knew? 42 € \u4e2d",
    "dog cat ball " * 8,
]

MODELS = {
    # 2 + 2 layers, projections on both sides, d multiple of 4
    "tiny-a": dict(hidden_size=32, encoder_heads=4, in_channels=16, out_channels=16,
                   time_channels=16, tgt_len=12, max_pos_len=32, encoder_layers=2,
                   decoder_layers=2),
    # the official 6 + 6 layers, 2 heads, odd tgt_len, d = 10 (not a multiple of 4);
    # embedding rows rescaled to equal norm sqrt(d) so the dot-product argmax is not dominated
    # by the few longest rows
    "tiny-b": dict(equal_norm_embedding=True, hidden_size=24, encoder_heads=2, in_channels=10, out_channels=10,
                   time_channels=12, tgt_len=9, max_pos_len=24, encoder_layers=6,
                   decoder_layers=6),
    # d == h: no input/output projections; odd time_channels (zero column), 1 + 1 layers
    "tiny-c": dict(hidden_size=16, encoder_heads=4, in_channels=16, out_channels=16,
                   time_channels=7, tgt_len=8, max_pos_len=20, encoder_layers=1,
                   decoder_layers=1),
    # official time_att=False: one time MLP added to the decoder input, plain self-attention
    # (no per-layer time weights); projections on both sides, 2 + 2 layers
    "tiny-d": dict(time_att=False, hidden_size=32, encoder_heads=4, in_channels=12,
                   out_channels=12, time_channels=16, tgt_len=10, max_pos_len=32,
                   encoder_layers=2, decoder_layers=2),
}
SEED = 20240521
CANDIDATES = 3
STEPS = {"ar": 4, "uniform": 5}


def make_vocab():
    vocab = ["[PAD]", "[unused0]", "[unused1]", "[unused2]", "[unused3]",
             "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += PUNCT + list(string.digits) + list(string.ascii_lowercase)
    vocab += sorted(set(WORDS) - set(vocab))
    for t in SUFFIXES + ["##" + c for c in string.ascii_lowercase + string.digits]:
        if t not in vocab:
            vocab.append(t)
    assert len(vocab) == len(set(vocab))
    return vocab


def init_weights(model, gen):
    """Official-style init (embeddings N(0,1), txl biases U[0,1)), LayerNorms perturbed."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("LayerNorm.weight") or ".norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith("LayerNorm.bias") or ".norm" in name and name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith(("r_w_bias", "r_r_bias")):
                p.copy_(torch.rand(p.shape, generator=gen))
            elif "embedding" in name:
                p.copy_(torch.randn(p.shape, generator=gen))
            elif p.dim() == 2:
                bound = 1.0 / np.sqrt(p.shape[1])
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * bound * np.sqrt(3))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
        depth = np.sqrt(2.0 * model.cfg.decoder_layers)
        for blk in model.transformer_blocks:      # keep deep residual streams position-dependent
            for lin in (blk.attn1.to_out[0], blk.attn2.to_out[0], blk.ff.net[2]):
                lin.weight.div_(depth)
                lin.bias.div_(depth)
        model.lm_head.bias.copy_(0.5 * torch.randn(model.lm_head.bias.shape, generator=gen))


def calibrate_output(model, tok, gen):
    """Scale the last decoder layer so x0_hat has roughly the spread of the embeddings."""
    cfg = model.cfg
    ids = torch.tensor([tok.encode_source(SOURCES[0], cfg.max_src_len)])
    mask = torch.ones_like(ids)
    z = torch.randn(4, cfg.tgt_len, cfg.in_channels, generator=gen)
    tau = torch.randint(0, cfg.diffusion_steps, (4, cfg.tgt_len), generator=gen)
    with torch.no_grad():
        enc = model.encode(ids, mask).expand(4, -1, -1)
        out = model.denoise(z, tau, enc, mask.expand(4, -1))
        last = model.output_down_proj[2] if hasattr(model, "output_down_proj") \
            else model.transformer_blocks[-1].ff.net[2]
        scale = 1.2 / float(out.std())
        if hasattr(model, "output_down_proj"):
            last.weight.mul_(scale)
            last.bias.mul_(scale)
        else:                 # no projection: the residual stream is the output; rescale E
            model.word_embedding.weight.mul_(1.0 / scale)


def _f32(t):
    return t.detach().cpu().to(torch.float32).numpy()


def _i32(t):
    return np.asarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t, dtype=np.int32)


def build_fixture(name, sizes, out_root, allow_missing_mbr=False):
    sizes = dict(sizes)
    equal_norm = sizes.pop("equal_norm_embedding", False)
    vocab = make_vocab()
    tok = WordPiece(vocab)
    cfg = ModelConfig(vocab_size=len(vocab), tok_pad_id=tok.pad_id, tok_cls_id=tok.cls_id,
                      tok_sep_id=tok.sep_id, tok_unk_id=tok.unk_id, tok_mask_id=tok.mask_id,
                      gen_steps=STEPS["ar"], gen_candidates=CANDIDATES, gen_schedule="ar",
                      **sizes)
    gen = torch.Generator().manual_seed(SEED + sum(map(ord, name)))
    torch.manual_seed(0)
    model = ArDiffusionLM(cfg)
    init_weights(model, gen)
    if equal_norm:
        with torch.no_grad():
            E = model.word_embedding.weight
            E.mul_(np.sqrt(cfg.in_channels) / E.norm(dim=1, keepdim=True))
    calibrate_output(model, tok, gen)
    model.eval()
    out_dir = os.path.join(out_root, name)
    write_model_dir(out_dir, cfg, stored_tensors(model.state_dict()), vocab, force=True,
                    metadata={"format": "ardiff-1", "fixture": name})
    mbr_ok = _has_mbr()
    if not mbr_ok and not allow_missing_mbr:
        raise SystemExit("ardiff_ref.mbr is missing: MBR goldens need it "
                         "(--allow-missing-mbr writes the rest)")
    tensors, info = {}, {
        "format": "ardiff-golden-1", "model": name, "generated_by":
        "cd tools && python3 -m ardiff_ref.fixtures", "torch_version": torch.__version__,
        "seed": SEED, "candidates": CANDIDATES, "input_offset": 0, "sources": SOURCES,
        "tolerances": {"x0_abs": 1e-4, "z_abs": 1e-4, "enc_abs": 1e-4},
        "schedules": {}}
    for sch, K in STEPS.items():
        r = generate(model, tok, SOURCES, SEED, CANDIDATES, K, schedule=sch, record=True,
                     use_mbr=mbr_ok)
        if "src_ids" not in tensors:
            tensors["src_ids"] = _i32(r["src_ids"])
            tensors["src_mask"] = _i32(r["src_mask"])
            tensors["enc"] = _f32(r["enc"])
            info["src_tokens"] = r["src_lists"]
            info["batch_inputs"] = r["inputs"]
        tr = r["trace"]
        noise = [r["z_T"]] + [torch.from_numpy(rng.normals_batch(SEED, r["inputs"],
                                                                 CANDIDATES, s, cfg.tgt_len,
                                                                 cfg.in_channels))
                              for s in range(1, K + 1)]
        tensors[sch + ".table"] = _i32(r["table"])
        tensors[sch + ".noise"] = _f32(torch.stack(noise))
        tensors[sch + ".x0"] = _f32(torch.stack(tr["x0"]))
        tensors[sch + ".x0_clamped"] = _f32(torch.stack(tr["x0_clamped"]))
        tensors[sch + ".clamp_ids"] = _i32(torch.stack(tr["clamp_ids"]))
        tensors[sch + ".z"] = _f32(torch.stack(tr["z"]))
        tensors[sch + ".ids"] = _i32(r["ids"])
        si = {"steps": K, "grid": r["grid"], "texts": r["texts"],
              "clamp_margin_min": tr["clamp_margin_min"]}
        if mbr_ok:
            tensors[sch + ".mbr_scores"] = np.asarray(r["mbr_scores"], dtype=np.float32)
            tensors[sch + ".mbr_index"] = np.asarray(r["mbr_index"], dtype=np.int32)
            si.update(mbr_index=r["mbr_index"], mbr_scores=r["mbr_scores"], outputs=r["outputs"])
        info["schedules"][sch] = si
    safetensors_io.save(os.path.join(out_dir, "golden.safetensors"), tensors,
                        {"format": "ardiff-golden-1", "model": name})
    with open(os.path.join(out_dir, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(info, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return info


def _has_mbr():
    try:
        from . import mbr  # noqa: F401
        return hasattr(mbr, "mbr_select")
    except ImportError:
        return False


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(prog="python3 -m ardiff_ref.fixtures")
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "fixtures"))
    ap.add_argument("--only", nargs="*", help="model names (default: all)")
    ap.add_argument("--allow-missing-mbr", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "rng_vectors.txt"), "w", encoding="ascii") as f:
        f.write("\n".join(rng.vector_lines()) + "\n")
    for name, sizes in MODELS.items():
        if args.only and name not in args.only:
            continue
        info = build_fixture(name, sizes, args.out, args.allow_missing_mbr)
        print("%s: %s" % (name, [t[0] for t in info["schedules"]["ar"]["texts"]]))


if __name__ == "__main__":
    main()

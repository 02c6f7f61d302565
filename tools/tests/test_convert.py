"""Converter: official format -> ardiff model directory -> identical outputs; bad input refused."""
import os

import numpy as np
import pytest
import torch

from ardiff_ref import safetensors_io
from ardiff_ref.config import ModelConfig
from ardiff_ref.convert import ConversionError, convert
from ardiff_ref.model import ArDiffusionLM
from ardiff_ref.modeldir import load_model_dir
from ardiff_ref.official_format import save_official_checkpoint

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + ["w%d" % i for i in range(35)]
FLAGS = ["--intermediate_size", "128", "--num_attention_heads", "4", "--in_channels", "16",
         "--out_channels", "16", "--time_channels", "16", "--tgt_len", "12", "--max_pos_len", "32",
         "--encoder_layers", "2", "--decoder_layers", "2"]


def _model(seed=0):
    cfg = ModelConfig.from_official(intermediate_size=128, num_attention_heads=4, in_channels=16,
                                    out_channels=16, time_channels=16, tgt_len=12, max_pos_len=32,
                                    vocab_size=len(VOCAB), encoder_layers=2, decoder_layers=2,
                                    tok_cls_id=2, tok_sep_id=3, tok_unk_id=1, tok_mask_id=4)
    torch.manual_seed(seed)
    return ArDiffusionLM(cfg).eval()


@pytest.fixture
def vocab_file(tmp_path):
    p = tmp_path / "vocab.txt"
    p.write_text("".join(t + "\n" for t in VOCAB))
    return str(p)


def _outputs(m):
    g = torch.Generator().manual_seed(11)
    ids = torch.randint(5, len(VOCAB), (2, 6), generator=g)
    mask = torch.ones(2, 6, dtype=torch.long)
    mask[0, 4:] = 0
    z = torch.randn(2, 12, 16, generator=g)
    tau = torch.randint(0, 2000, (2, 12), generator=g)
    with torch.no_grad():
        enc = m.encode(ids, mask)
        return enc, m.denoise(z, tau, enc, mask), m.logits(z)


def _silent(*a):
    pass


def test_round_trip_identical_outputs(tmp_path, vocab_file):
    m = _model()
    ckpt = save_official_checkpoint(m, str(tmp_path / "run" / "model"), 40000)
    assert os.path.basename(ckpt) == "model_checkpoint-40000"
    out = str(tmp_path / "conv")
    cfg = convert([ckpt, "--vocab", vocab_file, "--out", out] + FLAGS, log=_silent)
    assert sorted(os.listdir(out)) == ["model.ini", "model.safetensors", "vocab.txt"]
    m2, cfg2, tok = load_model_dir(out)
    assert cfg2 == cfg and cfg2.hidden_size == 32 and cfg2.tok_sep_id == 3
    for a, b in zip(_outputs(m), _outputs(m2)):
        assert torch.equal(a, b)
    tensors, meta = safetensors_io.load(os.path.join(out, "model.safetensors"))
    assert "lm_head.weight" not in tensors and "lm_head.bias" in tensors
    assert all(v.dtype == np.float32 for v in tensors.values())
    assert meta["format"] == "ardiff-1"
    # the machine's path stays out of the model: the checkpoint's folder and name only
    assert meta["converted_from"] == "model/model_checkpoint-40000"
    assert str(tmp_path) not in open(os.path.join(out, "model.safetensors"), "rb").read(4096).decode(
        "latin-1")


def test_ema_checkpoint_with_ddp_prefix_and_hydra_flags(tmp_path, vocab_file):
    live, ema = _model(0), _model(1)
    ckpt = save_official_checkpoint(live, str(tmp_path / "m"), 80000, ema_model=ema,
                                    ddp_prefix=True)
    assert os.path.basename(ckpt) == "ema_0.9999_checkpoint-80000"
    notes = []
    hydra = [f.lstrip("-") + "=" + v for f, v in zip(FLAGS[::2], FLAGS[1::2])]
    convert([ckpt, "--vocab", vocab_file, "--out", str(tmp_path / "c")] + hydra, log=notes.append)
    assert any("differ" in n for n in notes)
    m2, _, _ = load_model_dir(str(tmp_path / "c"))
    sd2, sde, sdl = m2.state_dict(), ema.state_dict(), live.state_dict()
    for k in sd2:
        if k in ("word_embedding.weight", "lm_head.weight"):
            assert torch.equal(sd2[k], sdl[k]), k     # the official loader keeps lm_head.weight
        else:
            assert torch.equal(sd2[k], sde[k]), k


def _expect_refusal(tmp_path, vocab_file, sd, flags=FLAGS, match=None):
    path = str(tmp_path / "ckpt.pt")
    torch.save({"model_dict": sd, "optimizer_dict": {}, "scheduler_dict": {}, "offset": 1}, path)
    out = tmp_path / "never"
    with pytest.raises(ConversionError, match=match):
        convert([path, "--vocab", vocab_file, "--out", str(out)] + flags, log=_silent)
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".ardiff-")]


def test_missing_extra_misshaped_refused_by_name(tmp_path, vocab_file):
    sd = _model().state_dict()
    missing = {k: v for k, v in sd.items() if k != "transformer_blocks.1.attn2.to_k.weight"}
    _expect_refusal(tmp_path, vocab_file, missing,
                    match=r"missing tensor: transformer_blocks\.1\.attn2\.to_k\.weight")
    extra = dict(sd, **{"lm_transform.0.weight": torch.zeros(16, 16)})
    _expect_refusal(tmp_path, vocab_file, extra, match=r"unexpected tensor: lm_transform\.0\.weight")
    bad = dict(sd)
    bad["encoder.pooler.dense.bias"] = torch.zeros(33)
    _expect_refusal(tmp_path, vocab_file, bad,
                    match=r"mis-shaped tensor: encoder\.pooler\.dense\.bias is \[33\]")
    flags = list(FLAGS)
    flags[flags.index("--time_channels") + 1] = "8"
    _expect_refusal(tmp_path, vocab_file, sd, flags, match=r"time_trans\.0\.weight")


def test_existing_output_needs_force_and_f16(tmp_path, vocab_file):
    m = _model()
    ckpt = save_official_checkpoint(m, str(tmp_path / "m"), 1)
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    args = [ckpt, "--vocab", vocab_file, "--out", str(out)] + FLAGS
    with pytest.raises(FileExistsError):
        convert(args, log=_silent)
    assert (out / "keep.txt").exists()
    convert(args + ["--force", "--dtype", "f16"], log=_silent)
    assert not (out / "keep.txt").exists()
    tensors, _ = safetensors_io.load(str(out / "model.safetensors"))
    assert all(v.dtype == np.float16 for v in tensors.values())
    m2, _, _ = load_model_dir(str(out))
    a, b = _outputs(m), _outputs(m2)
    assert torch.allclose(a[1], b[1], atol=5e-2)


def test_vocab_size_mismatch_refused(tmp_path, vocab_file):
    sd = _model().state_dict()
    _expect_refusal(tmp_path, vocab_file, sd, FLAGS + ["--vocab_size", "41"], match="vocab_size")


def test_model_ini_round_trip_and_rejects_unknown_keys(tmp_path):
    cfg = _model().cfg
    p = tmp_path / "model.ini"
    cfg.write_ini(str(p))
    assert ModelConfig.read_ini(str(p)) == cfg
    p.write_text(p.read_text().replace("[diffusion]", "bogus = 1\n[diffusion]"))
    with pytest.warns(UserWarning, match="unknown keys"):
        assert ModelConfig.read_ini(str(p)) == cfg
    cfg.write_ini(str(p))
    p.write_text(p.read_text().replace("tgt_len = 12\n", ""))
    with pytest.raises(ValueError, match="missing key model.tgt_len"):
        ModelConfig.read_ini(str(p))
    # the optional [generate] keys: absent -> the default (and not written); a valid value
    # round-trips; another value fails naming the key
    for key, default, good, bad in (("case", "none", "sentence", "title"),
                                    ("repeats", "keep", "avoid", "drop")):
        field = "gen_" + key
        assert "\n%s = " % key not in cfg.to_ini() and getattr(cfg, field) == default
        setattr(cfg, field, good)
        cfg.write_ini(str(p))
        assert "%s = %s" % (key, good) in p.read_text() and ModelConfig.read_ini(str(p)) == cfg
        p.write_text(p.read_text().replace("%s = %s" % (key, good), "%s = %s" % (key, bad)))
        with pytest.raises(ValueError, match="generate." + key):
            ModelConfig.read_ini(str(p))
        setattr(cfg, field, default)


def test_unpickling_is_restricted(tmp_path, vocab_file):
    import argparse
    path = str(tmp_path / "evil.pt")
    sd = _model().state_dict()
    torch.save({"model_dict": sd, "optimizer_dict": {}, "scheduler_dict": {},
                "offset": 1, "extra": argparse.Namespace(a=1)}, path)
    with pytest.raises(ConversionError, match="cannot read"):
        convert([path, "--vocab", vocab_file, "--out", str(tmp_path / "x")] + FLAGS, log=_silent)
    assert not (tmp_path / "x").exists()


def test_time_att_false_round_trip(tmp_path, vocab_file):
    """An official time_att=False checkpoint converts (top-level time_trans, no per-layer time
    weights), model.ini records time_att = false, and the outputs are identical."""
    cfg = ModelConfig.from_official(intermediate_size=128, num_attention_heads=4, in_channels=16,
                                    out_channels=16, time_channels=16, tgt_len=12, max_pos_len=32,
                                    vocab_size=len(VOCAB), encoder_layers=2, decoder_layers=2,
                                    tok_cls_id=2, tok_sep_id=3, tok_unk_id=1, tok_mask_id=4,
                                    time_att=False)
    torch.manual_seed(3)
    m = ArDiffusionLM(cfg).eval()
    ckpt = save_official_checkpoint(m, str(tmp_path / "run" / "model"), 10)
    with pytest.raises(ConversionError, match="unexpected tensor: time_trans.0.weight"):
        convert([ckpt, "--vocab", vocab_file, "--out", str(tmp_path / "x")] + FLAGS, log=_silent)
    out = str(tmp_path / "conv")
    convert([ckpt, "--vocab", vocab_file, "--out", out, "--time_att", "false"] + FLAGS,
            log=_silent)
    assert "time_att = false" in open(os.path.join(out, "model.ini")).read()
    m2, cfg2, _ = load_model_dir(out)
    assert cfg2.time_att is False
    for a, b in zip(_outputs(m), _outputs(m2)):
        assert torch.equal(a, b)
    # the default (official scripts) writes no key, so existing model.ini files are unchanged
    assert "time_att" not in ModelConfig(**{**cfg.__dict__, "time_att": True}).to_ini()


BPE_FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                       "fixtures", "bpe")


def test_bytelevel_bpe_checkpoint(tmp_path):
    """An IWSLT-style checkpoint: vocab.json + merges.txt copied as they are, type recorded."""
    from ardiff_ref.bpe import ByteLevelBPE
    vocab, merges = os.path.join(BPE_FIX, "vocab.json"), os.path.join(BPE_FIX, "merges.txt")
    tok = ByteLevelBPE.from_files(vocab, merges)
    cfg = ModelConfig.from_official(intermediate_size=128, num_attention_heads=4, in_channels=16,
                                    out_channels=16, time_channels=16, tgt_len=12, max_pos_len=32,
                                    vocab_size=len(tok.vocab), encoder_layers=2, decoder_layers=2,
                                    tok_type="bytelevel_bpe", tok_vocab="vocab.json",
                                    tok_merges="merges.txt", tok_lowercase=False, tok_pad_id=0,
                                    tok_cls_id=1, tok_sep_id=2, tok_unk_id=3, tok_mask_id=4)
    torch.manual_seed(3)
    m = ArDiffusionLM(cfg).eval()
    ckpt = save_official_checkpoint(m, str(tmp_path / "run"), 7)
    out = str(tmp_path / "conv")
    args = [ckpt, "--vocab", vocab, "--merges", merges, "--out", out] + FLAGS
    cfg2 = convert(args, log=_silent)
    assert cfg2 == cfg
    assert sorted(os.listdir(out)) == ["merges.txt", "model.ini", "model.safetensors",
                                       "vocab.json"]
    for name in ("vocab.json", "merges.txt"):
        with open(os.path.join(out, name), "rb") as a, open(os.path.join(BPE_FIX, name), "rb") as b:
            assert a.read() == b.read(), name
    ini = open(os.path.join(out, "model.ini")).read()
    assert "type = bytelevel_bpe" in ini and "merges = merges.txt" in ini
    m2, cfg3, tok2 = load_model_dir(out)
    assert cfg3 == cfg and isinstance(tok2, ByteLevelBPE) and tok2.cls_id == 1
    assert tok2.decode(tok2.encode_source("Ein Mann.", 32)) == "Ein Mann."
    g = torch.Generator().manual_seed(5)
    z = torch.randn(1, 12, 16, generator=g)
    assert torch.equal(m.logits(z), m2.logits(z))
    with pytest.raises(ConversionError, match="never lowercases"):
        convert(args[:5] + ["--out", str(tmp_path / "x"), "--lowercase", "true"] + FLAGS,
                log=_silent)
    bad = tmp_path / "merges.txt"
    bad.write_text("#version: 0.2\nq \u0120zz\n")
    with pytest.raises(ConversionError, match="cannot read the BPE tokenizer"):
        convert([ckpt, "--vocab", vocab, "--merges", str(bad), "--out", str(tmp_path / "y")]
                + FLAGS, log=_silent)

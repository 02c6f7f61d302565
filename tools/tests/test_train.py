"""Trainer: loss bookkeeping (spec 10.11), an overfit check, bit-identical resume, export."""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ardiff_ref import train, trainlib
from ardiff_ref.losses import diffusion_loss
from ardiff_ref.modeldir import load_model_dir
from ardiff_ref.schedule import NoiseSchedule
from ardiff_ref.timesteps import make_schedule
from ardiff_ref.tokenizer import SPECIALS

WORDS = ("dog run park ball throw catch man field stand look cat sit mat jump boy girl "
         "play tree climb water swim lake eat apple").split()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tinydata")
    rs = np.random.RandomState(0)
    src, tgt = [], []
    for _ in range(24):
        c = list(rs.choice(WORDS, 3, replace=False))
        src.append(" ".join(c))
        tgt.append("The %s and the %s %s." % tuple(c))
    for split in ("train", "valid"):
        (d / (split + ".src")).write_text("\n".join(src) + "\n")
        (d / (split + ".tgt")).write_text("\n".join(tgt) + "\n")
    vocab = list(SPECIALS) + sorted(set(WORDS) | {"the", "and", ".", ","}) + ["##s"]
    (d / "vocab.txt").write_text("".join(t + "\n" for t in vocab))
    return d


def _args(data_dir, out_dir, *extra):
    return train.parser().parse_args(
        ["--data", str(data_dir), "--vocab", str(data_dir / "vocab.txt"), "--out_dir", str(out_dir),
         "--intermediate_size", "64", "--num_attention_heads", "2", "--in_channels", "8",
         "--tgt_len", "10", "--max_pos_len", "12", "--encoder_layers", "1",
         "--decoder_layers", "1", "--batch_size", "8", "--lr", "3e-3", "--warmup_steps", "2",
         "--total_steps", "4", "--log_interval", "2", "--save_interval", "2",
         "--ema_rate", "0.9", "--seed", "5"] + list(extra))


def _trainer(data_dir, out_dir, *extra):
    a = _args(data_dir, out_dir, *extra)
    tr = train.Trainer(a)
    tr.data = trainlib.Seq2SeqData(a.data, "train", tr.tok, a.tgt_len, tr.cfg.max_src_len)
    return tr


def test_loss_terms_match_spec(data_dir, tmp_path):
    tr = _trainer(data_dir, tmp_path)
    model, ns = tr.model.eval(), tr.ns
    tgt, src, mask = tr.next_batch()
    B, N = tgt.shape
    d = tr.cfg.in_channels
    g = torch.Generator().manual_seed(0)
    tau = torch.randint(1, 2000, (B, N), generator=g)
    tau[0, :3] = 0                                       # some clean tokens
    tau[1, :] = 0
    eps0, eps = torch.randn(B, N, d, generator=g), torch.randn(B, N, d, generator=g)
    with torch.no_grad():
        loss, t = diffusion_loss(model, ns, tgt, src, mask, tau, eps0, eps)
        E, b = model.word_embedding.weight, model.lm_head.bias
        e = E[tgt]
        x0 = e + float(np.sqrt(1 - ns.alphas_cumprod[0])) * eps0
        ab = torch.from_numpy(ns.alphas_cumprod[tau.numpy()]).float()[..., None]
        x0_hat = model.denoise(ab.sqrt() * x0 + (1 - ab).sqrt() * eps, tau,
                               model.encode(src, mask), mask)
        # t0 tokens use the clean embedding as target, the others the sampled x0
        want = torch.where(tau == 0, ((e - x0_hat) ** 2).mean(-1), ((x0 - x0_hat) ** 2).mean(-1))
        assert torch.allclose(t["mse_t0"], want, atol=1e-6)
        assert not torch.allclose(t["mse"][tau == 0], t["t0"][tau == 0])
        # CE on the sampled x0 with the tied head plus bias, pads included
        ce = F.cross_entropy((x0 @ E.t() + b).transpose(1, 2), tgt, reduction="none")
        assert torch.allclose(t["ce"], ce, atol=1e-5)
        tT = ((float(np.sqrt(ns.alphas_cumprod[-1])) * x0) ** 2).mean(-1)
        assert torch.allclose(t["tT"], tT)
        assert (tgt == 0).any() and float(t["weight"].min()) == 1.0
        assert torch.allclose(loss, (want + ce + tT).mean(), atol=1e-6)
        # --ignore_pad: average over the non-pad positions only
        loss2, _ = diffusion_loss(model, ns, tgt, src, mask, tau, eps0, eps, ignore_pad=True)
        keep = tgt != 0
        assert torch.allclose(loss2, (want + ce + tT)[keep].mean(), atol=1e-6)


def test_targets_and_sources(data_dir, tmp_path):
    tr = _trainer(data_dir, tmp_path)
    tok, tgt = tr.tok, tr.data.tgt
    assert (tgt[:, 0] == tok.cls_id).all() and tgt.shape[1] == 10
    row = tgt[0].tolist()
    assert row[row.index(tok.sep_id) + 1:] == [0] * (9 - row.index(tok.sep_id))
    assert tr.data.src[0] == tok.encode_source(open(data_dir / "train.src").readline(), 12)


def test_gzipped_sources_read_like_plain(data_dir, tmp_path):
    """AESLC ships train.src.gz: the trainer reads it when train.src is absent, same rows."""
    import gzip
    import shutil
    (tmp_path / "train.tgt").write_bytes((data_dir / "train.tgt").read_bytes())
    with gzip.open(tmp_path / "train.src.gz", "wb") as f:
        f.write((data_dir / "train.src").read_bytes())
    tr = _trainer(data_dir, tmp_path / "out")
    gz = trainlib.Seq2SeqData(str(tmp_path), "train", tr.tok, 10, 12)
    assert gz.src == tr.data.src and torch.equal(gz.tgt, tr.data.tgt)
    shutil.copy(data_dir / "train.src", tmp_path / "train.src")   # the plain file wins
    (tmp_path / "train.src.gz").write_bytes(b"not gzip")
    assert trainlib.Seq2SeqData(str(tmp_path), "train", tr.tok, 10, 12).src == tr.data.src


def test_schedule_seam_and_lr(data_dir, tmp_path):
    a = _args(data_dir, tmp_path, "--lr_schedule", "linear", "--warmup_steps", "10",
              "--total_steps", "30")
    assert [train.lr_lambda(s, a) for s in (0, 5, 10, 20, 30)] == [0, 0.5, 1.0, 0.5, 0.0]
    tr = _trainer(data_dir, tmp_path, "--schedule", "uniform")
    tau, i = tr.sched.sample_training(6, torch.Generator().manual_seed(1))
    assert (tau == i[:, None]).all()                      # uniform = equal rows
    tr = _trainer(data_dir, tmp_path)
    tau, i = tr.sched.sample_training(6, torch.Generator().manual_seed(1))
    want = make_schedule("ar", 2000, 10).token_timesteps(i.numpy())
    assert np.array_equal(tau.numpy(), want)


def test_overfits_fixed_batch(data_dir, tmp_path):
    torch.manual_seed(0)
    tr = _trainer(data_dir, tmp_path, "--dropout", "0", "--att_dropout", "0", "--lr", "1e-2",
                  "--warmup_steps", "0")
    batch = tr.next_batch()
    g = torch.Generator().manual_seed(3)
    tau, _ = tr.sched.sample_training(8, g)
    noise = (torch.randn(8, 10, 8, generator=g), torch.randn(8, 10, 8, generator=g))

    def fixed_loss():
        with torch.no_grad():
            return float(tr.loss_mod(*batch, tau, *noise)[0])
    before = fixed_loss()
    for _ in range(25):                                   # fresh timesteps and noise each step
        tr.train_step(batch)
    after = fixed_loss()
    assert after < 0.7 * before, (before, after)


def _params(tr):
    return [p.detach().clone() for p in tr.model.parameters()]


def test_resume_is_bit_identical(data_dir, tmp_path):
    ref = _trainer(data_dir, tmp_path / "a")
    ref.train(stop_at=4)
    want, want_ema = _params(ref), [e.clone() for e in ref.ema]
    part = _trainer(data_dir, tmp_path / "b")
    ckpt = part.train(stop_at=2)
    torch.manual_seed(1234)                                # disturb the global stream
    cont = _trainer(data_dir, tmp_path / "c")
    cont.load_state(torch.load(ckpt))
    assert cont.step == 2
    cont.train(stop_at=4)
    for p, q in zip(want + want_ema, _params(cont) + cont.ema):
        assert torch.equal(p, q)
    assert os.path.exists(tmp_path / "a" / "metrics.jsonl")


@pytest.mark.parametrize("which", ["ema", "live"])
def test_export_loads(data_dir, tmp_path, which):
    tr = _trainer(data_dir, tmp_path)
    tr.train(stop_at=2)
    out = trainlib.export(tr, str(tmp_path / "model"), which, log=lambda s: None)
    model, cfg, tok = load_model_dir(out)
    assert (cfg.gen_steps, cfg.gen_candidates, cfg.gen_schedule) == (20, 10, "ar")
    assert cfg.hidden_size == 16 and cfg.tgt_len == 10 and cfg.vocab_size == len(tok.vocab)
    src = dict(zip((n for n, _ in tr.model.named_parameters()),
                   tr.ema if which == "ema" else list(tr.model.parameters())))
    for name, p in model.named_parameters():
        assert torch.equal(p.detach(), src[name].detach()), name


def test_export_writes_case(data_dir, tmp_path):
    tr = _trainer(data_dir, tmp_path, "--gen_case", "sentence")
    tr.train(stop_at=1)
    out = trainlib.export(tr, str(tmp_path / "model"), log=lambda s: None)
    _, cfg, _ = load_model_dir(out)
    assert cfg.gen_case == "sentence"
    assert "case = sentence" in open(os.path.join(out, "model.ini")).read()


def test_init_from_model_dir(data_dir, tmp_path):
    """--init_from starts from an exported model directory (f32 or f16): live weights and EMA
    equal its tensors, step 0 and a new optimizer, training goes on from there; a directory
    that does not fit the flags or --vocab is refused with one line naming it."""
    tr = _trainer(data_dir, tmp_path / "a")
    tr.train(stop_at=2)
    for dtype in ("f32", "f16"):
        out = trainlib.export(tr, str(tmp_path / dtype), "ema", dtype, log=lambda s: None)
        ref, _, _ = load_model_dir(out)
        st = _trainer(data_dir, tmp_path / ("b" + dtype), "--seed", "9")
        st.init_from(out)
        assert st.step == 0 and not st.opt.state
        for (name, p), e, q in zip(st.model.named_parameters(), st.ema, ref.parameters()):
            assert torch.equal(p.detach(), q.detach()) and torch.equal(e, q.detach()), name
        if dtype == "f32":                     # the exported EMA itself, bit for bit
            for e, q in zip(tr.ema, st.ema):
                assert torch.equal(e, q)
    st.train(stop_at=2)
    assert st.step == 2 and not torch.equal(st.ema[0], next(ref.parameters()).detach())

    base = ["--data", str(data_dir), "--vocab", str(data_dir / "vocab.txt"),
            "--intermediate_size", "64", "--num_attention_heads", "2", "--in_channels", "8",
            "--tgt_len", "10", "--max_pos_len", "12", "--encoder_layers", "1",
            "--decoder_layers", "1", "--batch_size", "8", "--total_steps", "1",
            "--warmup_steps", "1", "--log_interval", "1"]
    good = str(tmp_path / "f32")
    train.main(base + ["--out_dir", str(tmp_path / "ok"), "--init_from", good])
    assert torch.load(tmp_path / "ok" / "checkpoint.pt", weights_only=False)["step"] == 1
    bad_flags = list(base)
    bad_flags[bad_flags.index("--in_channels") + 1] = "16"
    with pytest.raises(SystemExit, match="model.ini does not match the model flags"):
        train.main(bad_flags + ["--out_dir", str(tmp_path / "x"), "--init_from", good])
    with pytest.raises(SystemExit, match="time_att: model.ini true, flags false"):
        train.main(base + ["--out_dir", str(tmp_path / "y"), "--init_from", good,
                           "--time_att", "false"])
    with pytest.raises(SystemExit, match="model.ini diffusion_steps = 2000, the flags say 1000"):
        train.main(base + ["--out_dir", str(tmp_path / "v"), "--init_from", good,
                           "--diffusion_steps", "1000"])
    other = tmp_path / "other_vocab.txt"
    other.write_text((data_dir / "vocab.txt").read_text() + "zebra\n")
    with pytest.raises(SystemExit, match="differs from --vocab"):
        train.main(base + ["--out_dir", str(tmp_path / "z"), "--init_from", good,
                           "--vocab", str(other)])
    with pytest.raises(SystemExit, match="not a readable ardiff model directory"):
        train.main(base + ["--out_dir", str(tmp_path / "w"), "--init_from", str(tmp_path)])


def test_time_att_false_trains_exports_and_stops_at(data_dir, tmp_path):
    """--time_att false builds the additive-time network, exports it with time_att = false in
    model.ini (the reference reloads the same weights), and --stop_at ends the run early
    without changing the lr schedule of --total_steps."""
    out = tmp_path / "run"
    train.main(["--data", str(data_dir), "--vocab", str(data_dir / "vocab.txt"),
                "--out_dir", str(out), "--intermediate_size", "64", "--num_attention_heads", "2",
                "--in_channels", "8", "--tgt_len", "10", "--max_pos_len", "12",
                "--encoder_layers", "1", "--decoder_layers", "1", "--batch_size", "8",
                "--warmup_steps", "2", "--total_steps", "40", "--stop_at", "3",
                "--log_interval", "1", "--schedule", "uniform", "--time_att", "false"])
    st = torch.load(out / "checkpoint.pt", weights_only=False)
    assert st["step"] == 3 and st["args"]["total_steps"] == 40
    assert "time_trans.0.weight" in st["model"]
    assert not any(k.startswith("transformer_blocks.0.time_trans") for k in st["model"])
    model, cfg, _ = load_model_dir(str(out / "model"))
    assert cfg.time_att is False and cfg.gen_schedule == "uniform"
    assert "time_att = false" in open(out / "model" / "model.ini").read()
    for (name, p), e in zip(model.named_parameters(), st["ema"]):
        assert torch.equal(p.detach(), e), name


def test_export_every_writes_model_dirs_at_those_steps(data_dir, tmp_path):
    """--export_every N: a model directory OUT_DIR/model-step-S at every S divisible by N,
    the one at the last step identical to the final export; negative N is refused."""
    out = tmp_path / "run"
    base = ["--data", str(data_dir), "--vocab", str(data_dir / "vocab.txt"),
            "--intermediate_size", "64", "--num_attention_heads", "2", "--in_channels", "8",
            "--tgt_len", "10", "--max_pos_len", "12", "--encoder_layers", "1",
            "--decoder_layers", "1", "--batch_size", "8", "--warmup_steps", "2",
            "--total_steps", "5", "--log_interval", "1"]
    train.main(base + ["--out_dir", str(out), "--export_every", "2"])
    assert sorted(p.name for p in out.glob("model-step-*")) == ["model-step-2", "model-step-4"]
    m2, _, _ = load_model_dir(str(out / "model-step-2"))
    m4, _, _ = load_model_dir(str(out / "model-step-4"))
    st = torch.load(out / "checkpoint.pt", weights_only=False)
    assert st["step"] == 5
    assert any(not torch.equal(a, b) for a, b in zip(m2.parameters(), m4.parameters()))
    # step 4's directory holds the EMA weights of step 4: a run without exports, stopped at 4
    again = tmp_path / "again"
    train.main(base + ["--out_dir", str(again), "--stop_at", "4"])
    final, _, _ = load_model_dir(str(again / "model"))
    for (name, p), q in zip(final.named_parameters(), m4.parameters()):
        assert torch.equal(p, q), name        # and the exports did not change the run
    with pytest.raises(SystemExit, match="--export_every must be 0 or more, got -1"):
        train.main(base + ["--out_dir", str(tmp_path / "bad"), "--export_every", "-1"])


def test_step_stats_defer_the_read_and_match_the_weighted_means(data_dir, tmp_path):
    from ardiff_ref.losses import term_sums
    from ardiff_ref.train import StepStats
    g = torch.Generator().manual_seed(5)
    steps, want = [], []
    for _ in range(3):
        terms = {k: torch.rand(4, 6, generator=g) for k in ("loss", "mse_t0", "ce", "tT")}
        terms["weight"] = (torch.rand(4, 6, generator=g) > 0.3).float()
        n = float(terms["weight"].sum())
        want.append({k: float((terms[k] * terms["weight"]).sum()) / n
                     for k in ("loss", "mse_t0", "ce", "tT")})
        steps.append(StepStats(term_sums(terms), torch.tensor(0.5), 0.25, 1e-3))
    got = StepStats.read(steps)
    for w, d in zip(want, got):
        assert {k: d[k] for k in w} == w                   # exactly the per-step float formula
        assert (d["t0_frac"], d["lr"], d["grad_norm"]) == (0.25, 1e-3, 0.5)
    # a real step: the sums stay tensors until read, and the EMA is the official update
    tr = _trainer(data_dir, tmp_path, "--ema_rate", "0.9", "--grad_clip", "1.0")
    ema0 = [e.clone() for e in tr.ema]
    st = tr.train_step(tr.next_batch())
    assert isinstance(st.sums, torch.Tensor) and isinstance(st.gnorm, torch.Tensor)
    for e0, e, p in zip(ema0, tr.ema, tr.model.parameters()):
        assert torch.equal(e, e0.mul_(0.9).add_(p.detach(), alpha=1 - 0.9))
    (d,) = StepStats.read([st])
    assert d["loss"] > 0 and d["grad_norm"] > 0


def test_ce_grad_torch_gives_the_same_loss(data_dir, tmp_path):
    a = _trainer(data_dir, tmp_path / "a")
    b = _trainer(data_dir, tmp_path / "b", "--ce_grad", "torch")
    assert (a.loss_mod.ce_grad, b.loss_mod.ce_grad) == ("flush", "torch")
    batch = a.next_batch()
    g = torch.Generator().manual_seed(2)
    tau, _ = a.sched.sample_training(8, g)
    noise = (torch.randn(8, 10, 8, generator=g), torch.randn(8, 10, 8, generator=g))
    a.model.eval(), b.model.eval()
    la, lb = a.loss_mod(*batch, tau, *noise)[0], b.loss_mod(*batch, tau, *noise)[0]
    assert torch.equal(la, lb)
    with pytest.raises(SystemExit):
        _trainer(data_dir, tmp_path / "c", "--ce_grad", "exact")


def test_rounding_ce_is_cross_entropy_without_subnormal_gradients():
    from ardiff_ref.losses import rounding_ce
    g = torch.Generator().manual_seed(0)
    tiny = torch.finfo(torch.float32).tiny                 # smallest normal fp32
    for scale in (1.0, 30.0):                              # 30: logit gaps in the subnormal band
        x = (torch.randn(64, 500, generator=g) * scale).requires_grad_()
        y = torch.randint(0, 500, (64,), generator=g)
        w = torch.rand(64, generator=g)
        want = F.cross_entropy(x, y, reduction="none")
        (want * w).sum().backward()
        want_grad, x.grad = x.grad.clone(), None
        got = rounding_ce(x, y)
        (got * w).sum().backward()
        assert torch.equal(got, want)                      # the forward is cross_entropy's
        # torch's gradient, bit for bit, except probabilities below exp(-80), which count as 0
        if scale == 1.0:
            assert torch.equal(x.grad, want_grad)
        assert torch.allclose(x.grad, want_grad, rtol=0, atol=2e-35)
        sub = lambda t: int(((t != 0) & (t.abs() < tiny)).sum())
        assert sub(x.grad) == 0
        if scale == 30.0:
            assert sub(want_grad) > 100                    # the case the function exists for
    x = torch.randn(5, 12, dtype=torch.double, generator=g).requires_grad_()
    y = torch.randint(0, 12, (5,), generator=g)
    assert torch.autograd.gradcheck(lambda t: rounding_ce(t, y), (x,))


def test_bench_train_times_both_modes_from_one_checkpoint(data_dir, tmp_path, capsys):
    from ardiff_ref import bench_train
    ckpt = _trainer(data_dir, tmp_path / "a").train(stop_at=2)
    flags = ["--data", str(data_dir), "--vocab", str(data_dir / "vocab.txt"),
             "--intermediate_size", "64", "--num_attention_heads", "2", "--in_channels", "8",
             "--tgt_len", "10", "--max_pos_len", "12", "--encoder_layers", "1",
             "--decoder_layers", "1", "--batch_size", "8", "--seed", "5"]
    bench_train.main(["--resume", ckpt, "--steps", "1", "--reps", "1", "--"] + flags)
    out = capsys.readouterr().out.splitlines()
    rows = [x.split() for x in out if x.startswith("ce_grad")]
    assert [r[1] for r in rows] == ["torch", "flush"]
    assert rows[0][-1] == rows[1][-1]                      # same loss in both modes
    assert out[-1].startswith("speed-up of flush over torch: ")
    with pytest.raises(SystemExit, match="no checkpoint"):
        bench_train.main(["--resume", str(tmp_path / "none.pt"), "--"] + flags)


def test_autocast_bf16_trains_close_to_fp32_and_none_is_bit_identical(data_dir, tmp_path):
    a = _trainer(data_dir, tmp_path / "a")
    b = _trainer(data_dir, tmp_path / "b", "--autocast", "bf16")
    c = _trainer(data_dir, tmp_path / "c", "--autocast", "none")
    assert (a.loss_mod.autocast, b.loss_mod.autocast) == ("none", "bf16")
    batch = a.next_batch()
    g = torch.Generator().manual_seed(3)
    tau, _ = a.sched.sample_training(8, g)
    noise = (torch.randn(8, 10, 8, generator=g), torch.randn(8, 10, 8, generator=g))
    for t in (a, b, c):
        t.model.eval()
    (la, ta), (lb, tb), (lc, _) = (t.loss_mod(*batch, tau, *noise) for t in (a, b, c))
    assert torch.equal(la, lc)                            # "none" is the fp32 path, bit for bit
    assert not torch.equal(la, lb)                        # bf16 really ran
    assert lb.dtype == torch.float32 and tb["ce"].dtype == torch.float32
    assert float(lb) == pytest.approx(float(la), rel=0.05)
    lb.backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 and torch.isfinite(p.grad).all()
               for p in b.model.parameters() if p.requires_grad and p.grad is not None)
    with pytest.raises(SystemExit):
        _trainer(data_dir, tmp_path / "d", "--autocast", "fp16")


def test_bench_train_compares_autocast(data_dir, tmp_path, capsys):
    from ardiff_ref import bench_train
    ckpt = _trainer(data_dir, tmp_path / "a").train(stop_at=2)
    flags = ["--data", str(data_dir), "--vocab", str(data_dir / "vocab.txt"),
             "--intermediate_size", "64", "--num_attention_heads", "2", "--in_channels", "8",
             "--tgt_len", "10", "--max_pos_len", "12", "--encoder_layers", "1",
             "--decoder_layers", "1", "--batch_size", "8", "--seed", "5"]
    bench_train.main(["--resume", ckpt, "--compare", "autocast", "--steps", "1", "--reps", "1",
                      "--"] + flags)
    out = capsys.readouterr().out.splitlines()
    rows = [x.split() for x in out if x.startswith("autocast")]
    assert [r[1] for r in rows] == ["none", "bf16"]
    assert out[-1].startswith("speed-up of bf16 over none: ")


def test_emb_norm_holds_rows_and_resumes(data_dir, tmp_path):
    """--emb_norm median: every target embedding row at the start's median norm, after every
    step, in the checkpoint's record; a resumed run goes on bit for bit; off by default."""
    off = _trainer(data_dir, tmp_path / "off")
    assert off.resolve_emb_norm() == 0.0
    ref = _trainer(data_dir, tmp_path / "a", "--emb_norm", "median")
    want_r = float(ref.model.word_embedding.weight.detach().norm(dim=1).median())
    r = ref.resolve_emb_norm()
    assert r == pytest.approx(want_r) and r > 0
    ref.train(stop_at=4)
    norms = ref.model.word_embedding.weight.detach().norm(dim=1)
    assert torch.allclose(norms, torch.full_like(norms, r), rtol=1e-5)
    assert not torch.allclose(off.model.word_embedding.weight.norm(dim=1),
                              torch.full_like(norms, r), rtol=1e-2)   # the check can fail
    part = _trainer(data_dir, tmp_path / "b", "--emb_norm", "median")
    part.resolve_emb_norm()
    ckpt = part.train(stop_at=2)
    st = torch.load(ckpt)
    assert st["emb_norm"] == pytest.approx(r)
    cont = _trainer(data_dir, tmp_path / "c", "--emb_norm", "median")
    cont.load_state(st)
    assert cont.resolve_emb_norm() == st["emb_norm"]
    cont.train(stop_at=4)
    for p, q in zip(_params(ref) + ref.ema, _params(cont) + cont.ema):
        assert torch.equal(p, q)


@pytest.mark.parametrize("bad", ["x", "-1", "nan"])
def test_emb_norm_refuses_bad_values(data_dir, tmp_path, bad):
    tr = _trainer(data_dir, tmp_path, "--emb_norm", bad)
    with pytest.raises(ValueError, match="--emb_norm"):
        tr.resolve_emb_norm()

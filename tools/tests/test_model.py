"""Model: official state_dict names/shapes, strict loading, decoder semantics."""
import pytest
import torch

from ardiff_ref.config import ModelConfig
from ardiff_ref.model import ArDiffusionLM, load_official_state_dict, timestep_embedding

from official_keys import RELEASED, official_state_dict_shapes


def _cfg(r):
    return ModelConfig.from_official(
        intermediate_size=r["intermediate"], num_attention_heads=r["heads"],
        in_channels=r["in_ch"], out_channels=r["out_ch"], time_channels=r["time_ch"],
        tgt_len=r["tgt_len"], max_pos_len=r["max_pos"], vocab_size=r["vocab"])


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_state_dict_equals_official(name):
    r = RELEASED[name]
    want = official_state_dict_shapes(r["vocab"], r["intermediate"], r["heads"], r["in_ch"],
                                      r["out_ch"], r["time_ch"], r["max_pos"])
    with torch.device("meta") if hasattr(torch, "device") and hasattr(torch.device, "__enter__") else _null():
        m = ArDiffusionLM(_cfg(r))
    got = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert set(got) - set(want) == set(), "unexpected keys"
    assert set(want) - set(got) == set(), "missing keys"
    assert got == want


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


def _tiny(seed=0, **kw):
    base = dict(vocab_size=40, hidden_size=32, encoder_heads=4, in_channels=16, out_channels=16,
                time_channels=16, max_pos_len=32, tgt_len=12, encoder_layers=2, decoder_layers=2)
    base.update(kw)
    torch.manual_seed(seed)
    return ArDiffusionLM(ModelConfig(**base)).eval()


def test_strict_load_with_or_without_position_buffers():
    m = _tiny()
    sd = m.state_dict()
    m2 = _tiny(seed=1)
    load_official_state_dict(m2, sd)
    for k, v in m2.state_dict().items():
        assert torch.equal(v, sd[k]), k
    sd_new = {k: v for k, v in sd.items() if k != "encoder.embeddings.position_ids"}
    sd_new["encoder.embeddings.token_type_ids"] = torch.zeros(1, 32, dtype=torch.long)
    load_official_state_dict(_tiny(seed=2), sd_new)
    m.load_state_dict(sd, strict=True)


def test_tied_head_and_no_proj_when_sizes_match():
    m = _tiny()
    assert m.lm_head.weight is m.word_embedding.weight
    m2 = _tiny(in_channels=32, out_channels=32)
    names = set(m2.state_dict())
    assert not any(n.startswith(("input_up_proj", "output_down_proj")) for n in names)


def test_timestep_embedding_layout():
    t = torch.tensor([[0.0, 500.0]])
    e = timestep_embedding(t, 8)
    assert e.shape == (1, 2, 8)
    assert torch.equal(e[0, 0], torch.tensor([1.0, 1, 1, 1, 0, 0, 0, 0]))
    freqs = torch.exp(-torch.log(torch.tensor(10000.0, dtype=torch.float64)) * torch.arange(4) / 4)
    assert torch.allclose(e[0, 1, :4].double(), torch.cos(500 * freqs), atol=1e-4)
    assert timestep_embedding(t, 7)[..., -1].abs().sum() == 0


def _inputs(m, B=2, S=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, m.cfg.vocab_size, (B, S), generator=g)
    mask = torch.ones(B, S, dtype=torch.long)
    mask[1, 3:] = 0
    z = torch.randn(B, m.cfg.tgt_len, m.cfg.in_channels, generator=g)
    tau = torch.randint(0, 2000, (B, m.cfg.tgt_len), generator=g)
    return ids, mask, z, tau


def test_encode_denoise_split_equals_forward_and_masking():
    m = _tiny()
    ids, mask, z, tau = _inputs(m)
    with torch.no_grad():
        full = m(z, tau, ids, mask)
        enc = m.encode(ids, mask)
        split = m.denoise(z, tau, enc, mask)
        assert torch.equal(full, split)
        assert full.shape == z.shape
        # padded source positions influence neither the encoder's real positions nor the decoder
        ids2 = ids.clone()
        ids2[1, 3:] = 7
        enc2 = m.encode(ids2, mask)
        assert torch.allclose(enc2[1, :3], enc[1, :3], atol=1e-6)
        assert torch.allclose(m.denoise(z, tau, enc2, mask), full, atol=1e-6)


def test_per_token_time_is_a_key_side_term():
    m = _tiny()
    ids, mask, z, tau = _inputs(m)
    with torch.no_grad():
        enc = m.encode(ids, mask)
        base = m.denoise(z, tau, enc, mask)
        # uniform schedule is equal rows of the same interface
        tu = torch.full_like(tau, 700)
        assert m.denoise(z, tu, enc, mask).shape == base.shape
        # changing one token's time changes the outputs (through the keys), deterministic
        t2 = tau.clone()
        t2[:, 4] = (t2[:, 4] + 600) % 2000
        out2 = m.denoise(z, t2, enc, mask)
        assert not torch.allclose(out2, base)
        assert torch.equal(m.denoise(z, tau, enc, mask), base)


def test_official_time_term_is_blind_to_a_timestep_shared_by_all_tokens():
    """time_att=True (every official script): the time term is the same for every key when all
    tokens share one timestep, and softmax drops it, so the output does not depend on that
    timestep at all: a uniform-schedule model of this architecture cannot see its noise level.
    time_att=False (official option; GENIE's way) adds time to the input and does see it."""
    m = _tiny()
    ids, mask, z, _ = _inputs(m)
    with torch.no_grad():
        enc = m.encode(ids, mask)
        outs = [m.denoise(z, torch.full((z.shape[0], z.shape[1]), t), enc, mask)
                for t in (0, 300, 1999)]
    for o in outs[1:]:
        assert torch.allclose(o, outs[0], atol=1e-5)
    a = _tiny(time_att=False)
    assert not any("r_w_bias" in k or k.startswith("transformer_blocks.0.time") for k in a.state_dict())
    assert tuple(a.state_dict()["time_trans.2.weight"].shape) == (32, 64)
    with torch.no_grad():
        enc = a.encode(ids, mask)
        outs = [a.denoise(z, torch.full((z.shape[0], z.shape[1]), t), enc, mask)
                for t in (0, 300, 1999)]
    for o in outs[1:]:
        assert (o - outs[0]).abs().max() > 1e-2


def test_additive_time_is_added_to_the_input_before_the_layer_norm():
    """time_att=False: decoder input = up_proj(z) + position + time_trans(temb), then LayerNorm;
    blocks run plain self-attention. Checked against the network written out by hand."""
    from ardiff_ref.model import model_time
    a = _tiny(time_att=False)
    ids, mask, z, tau = _inputs(a)
    with torch.no_grad():
        enc = a.encode(ids, mask)
        got = a.denoise(z, tau, enc, mask)
        N = z.shape[1]
        x = a.input_up_proj(z) + a.position_embeddings.weight[:N]
        x = x + a.time_trans(timestep_embedding(model_time(tau, a.cfg), a.cfg.time_channels))
        x = a.LayerNorm(x)
        for blk in a.transformer_blocks:
            y = blk.norm1(x)
            at = blk.attn1
            B, L, h = y.shape
            q, k, v = (t.view(B, L, at.heads, at.dim_head).transpose(1, 2)
                       for t in (at.to_q(y), at.to_k(y), at.to_v(y)))
            p = (q @ k.transpose(-1, -2) * at.dim_head ** -0.5).softmax(-1)
            x = x + at.to_out[0]((p @ v).transpose(1, 2).reshape(B, L, h))
            x = x + blk.attn2.cross_attention(blk.norm2(x), enc, mask)
            x = x + blk.ff(blk.norm3(x))
        want = a.output_down_proj(x)
    assert torch.allclose(got, want, atol=1e-5)

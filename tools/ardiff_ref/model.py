"""The AR-Diffusion network (official CrossAttention_Diffusion_LM, att_strategy=txl).

time_att=True (every official script): time enters only as a key-side term of each decoder
self-attention (per-layer time_trans, r_w_bias, r_r_bias). Because softmax ignores a term that
is the same for every key, that term carries no information when all target tokens share one
timestep (the uniform schedule; the AR schedule's first and last steps): such a model cannot
see its noise level. time_att=False (official option, not used by the scripts): one top-level
time_trans MLP whose output is added to the decoder input before its LayerNorm (GENIE's way);
blocks then have plain self-attention and no time parameters.

state_dict keys and shapes equal the official ones (see docs/model-format.md):
  encoder.*                                 BERT encoder (bert.py)
  input_up_proj.{0,2}.{weight,bias}         only if in_channels != hidden
  output_down_proj.{0,2}.{weight,bias}      only if out_channels != hidden
  word_embedding.weight [V, d]              tied: lm_head.weight is the same tensor
  position_ids [1, max_pos_len] (int64 buffer), position_embeddings.weight [max_pos_len, h]
  LayerNorm.{weight,bias}, lm_head.{weight,bias}
  time_trans.{0,2}.{weight,bias}           only if time_att=False: [4c_t, c_t], [h, 4c_t]
  transformer_blocks.{i}.{r_w_bias,r_r_bias} [heads, d_head], .time_trans.{0,2}.* (time_att only),
     .attn1/.attn2.{to_q,to_k,to_v}.weight, .attn{1,2}.to_out.0.{weight,bias},
     .ff.net.0.proj.{weight,bias} [8h, h], .ff.net.2.{weight,bias}, .norm{1,2,3}.{weight,bias}
Decoder inputs are always per-token code timesteps tau [B, N] (uniform schedule = equal rows).
"""
import math

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from .bert import BertEncoder, MASK_VALUE


def model_time(tau, cfg):
    """Code timestep -> the float the network sees: tau * 1000 / T when rescale_timesteps."""
    t = tau.to(torch.float32)
    if cfg.rescale_timesteps:
        t = t * torch.tensor(1000.0 / cfg.diffusion_steps, dtype=torch.float32)
    return t


def time_frequencies(dim):
    """float32 [dim//2]: exp(-ln(10000) * k / half), evaluated in float64 then rounded."""
    half = dim // 2
    k = np.arange(half, dtype=np.float64)
    return torch.from_numpy(np.exp(-math.log(10000.0) * k / half).astype(np.float32))


def timestep_embedding(t, dim):
    """t [B, N] float32 -> [B, N, dim]: cos half then sin half (zero column if dim is odd)."""
    args = t[..., None] * time_frequencies(dim).to(t.device)
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[..., :1])], dim=-1)
    return emb


class Attention(nn.Module):
    """Multi-head attention without q/k/v bias; to_out = [Linear(h, h), Dropout]."""

    def __init__(self, dim, heads, dropout=0.0):
        super().__init__()
        self.heads = heads
        self.dim_head = dim // heads
        self.scale = self.dim_head ** -0.5
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(dim, dim, bias=False)
        self.to_v = nn.Linear(dim, dim, bias=False)
        self.dropatt = nn.Dropout(dropout)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim), nn.Dropout(dropout)])

    def _split(self, t):                             # [B, L, h] -> [B, heads, L, dh]
        B, L, _ = t.shape
        return t.view(B, L, self.heads, self.dim_head).transpose(1, 2)

    def _finish(self, scores, v):
        p = self.dropatt(scores.softmax(-1))
        out = torch.matmul(p, v)                     # [B, heads, Lq, dh]
        B, H, L, dh = out.shape
        out = out.transpose(1, 2).reshape(B, L, H * dh)
        return self.to_out[1](self.to_out[0](out))

    def self_attention_txl(self, x, R, u, w):
        """logits_ij = ((q_i + u).k_j + (q_i + w).R_j) / sqrt(dh); R [B, heads, N, dh]."""
        q, k, v = self._split(self.to_q(x)), self._split(self.to_k(x)), self._split(self.to_v(x))
        ac = torch.matmul(q + u[None, :, None, :], k.transpose(-1, -2))
        bd = torch.matmul(q + w[None, :, None, :], R.transpose(-1, -2))
        return self._finish((ac + bd) * self.scale, v)

    def self_attention(self, x):
        """Plain self-attention, no mask (time_att=False)."""
        q, k, v = self._split(self.to_q(x)), self._split(self.to_k(x)), self._split(self.to_v(x))
        return self._finish(torch.matmul(q, k.transpose(-1, -2)) * self.scale, v)

    def cross_attention(self, x, ctx, ctx_mask):
        q, k, v = self._split(self.to_q(x)), self._split(self.to_k(ctx)), self._split(self.to_v(ctx))
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        scores = scores.masked_fill(ctx_mask[:, None, None, :] == 0, MASK_VALUE)
        return self._finish(scores, v)


class GEGLU(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x):
        val, gate = self.proj(x).chunk(2, dim=-1)    # first half value, second half gate
        return val * F.gelu(gate.float()).to(val.dtype)


class FeedForward(nn.Module):
    def __init__(self, dim, dropout=0.0):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, 4 * dim), nn.Dropout(dropout), nn.Linear(4 * dim, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class DecoderBlock(nn.Module):
    """Pre-LN: self-attention with key-side time term, cross-attention, GEGLU FFN."""

    def __init__(self, cfg, dropout=0.0, att_dropout=0.0):
        super().__init__()
        h, heads, ct = cfg.hidden_size, cfg.decoder_heads, cfg.time_channels
        self.heads = heads
        self.time_att = cfg.time_att
        if self.time_att:
            self.dropout = nn.Dropout(dropout)
            self.time_trans = nn.Sequential(nn.Linear(ct, 4 * ct), nn.SiLU(), nn.Linear(4 * ct, h))
            self.r_w_bias = nn.Parameter(torch.rand(heads, h // heads))
            self.r_r_bias = nn.Parameter(torch.rand(heads, h // heads))
        self.attn1 = Attention(h, heads, att_dropout)
        self.ff = FeedForward(h, dropout)
        self.attn2 = Attention(h, heads, att_dropout)
        eps = cfg.layer_norm_eps
        self.norm1 = nn.LayerNorm(h, eps=eps)
        self.norm2 = nn.LayerNorm(h, eps=eps)
        self.norm3 = nn.LayerNorm(h, eps=eps)

    def forward(self, x, temb, ctx, ctx_mask):
        if self.time_att:
            R = self.attn1._split(self.time_trans(self.dropout(temb)))   # [B, heads, N, dh]
            x = x + self.attn1.self_attention_txl(self.norm1(x), R, self.r_w_bias, self.r_r_bias)
        else:
            x = x + self.attn1.self_attention(self.norm1(x))
        x = x + self.attn2.cross_attention(self.norm2(x), ctx, ctx_mask)
        return x + self.ff(self.norm3(x))


def _mlp(d_in, d_mid, d_out):
    return nn.Sequential(nn.Linear(d_in, d_mid), nn.Tanh(), nn.Linear(d_mid, d_out))


class ArDiffusionLM(nn.Module):
    def __init__(self, cfg, dropout=0.0, att_dropout=0.0):
        super().__init__()
        self.cfg = cfg
        h, d = cfg.hidden_size, cfg.in_channels
        self.encoder = BertEncoder(cfg)
        if d != h:
            self.input_up_proj = _mlp(d, 2 * h, h)
        if cfg.out_channels != h:
            self.output_down_proj = _mlp(h, 2 * h, cfg.out_channels)
        self.word_embedding = nn.Embedding(cfg.vocab_size, d)
        self.register_buffer("position_ids", torch.arange(cfg.max_pos_len).expand((1, -1)))
        self.position_embeddings = nn.Embedding(cfg.max_pos_len, h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(dropout)
        self.lm_head = nn.Linear(d, cfg.vocab_size)
        self.lm_head.weight = self.word_embedding.weight            # tied
        if not cfg.time_att:
            ct = cfg.time_channels
            self.time_trans = nn.Sequential(nn.Linear(ct, 4 * ct), nn.SiLU(), nn.Linear(4 * ct, h))
        self.transformer_blocks = nn.ModuleList(
            [DecoderBlock(cfg, dropout, att_dropout) for _ in range(cfg.decoder_layers)])

    # ---- the two halves the C runtime computes separately --------------------------------
    def encode(self, src_ids, src_mask):
        """src_ids, src_mask [B, S] -> encoder states [B, S, h]."""
        return self.encoder(src_ids, src_mask)

    def denoise(self, z, tau, enc, src_mask):
        """z [B, N, d], tau [B, N] int code timesteps, enc [B, S, h] -> x0_hat [B, N, d_out]."""
        x = z
        if hasattr(self, "input_up_proj"):
            x = self.input_up_proj(x)
        N = x.shape[1]
        temb = timestep_embedding(model_time(tau, self.cfg), self.cfg.time_channels)
        x = x + self.position_embeddings.weight[:N]
        if not self.cfg.time_att:
            x = x + self.time_trans(temb)
        x = self.dropout(self.LayerNorm(x))
        for blk in self.transformer_blocks:
            x = blk(x, temb, enc, src_mask)
        if hasattr(self, "output_down_proj"):
            x = self.output_down_proj(x)
        return x

    def forward(self, z, tau, src_ids, src_mask):
        return self.denoise(z, tau, self.encode(src_ids, src_mask), src_mask)

    # ---- embeddings and output head --------------------------------------------------------
    def embed(self, ids):
        return self.word_embedding(ids)

    def logits(self, z):
        return self.lm_head(z)


def load_official_state_dict(model, sd):
    """Load a state dict with official names; integer position buffers may be absent."""
    sd = dict(sd)
    # tied head: a file may carry only word_embedding.weight; if both are present and differ
    # (official EMA checkpoints), the official loader ends with lm_head.weight (loaded last).
    if "lm_head.weight" in sd:
        sd["word_embedding.weight"] = sd["lm_head.weight"]
    else:
        sd["lm_head.weight"] = sd["word_embedding.weight"]
    for key in ("position_ids", "encoder.embeddings.position_ids"):
        sd.setdefault(key, model.state_dict()[key])
    sd.pop("encoder.embeddings.token_type_ids", None)
    model.load_state_dict(sd, strict=True)
    return model

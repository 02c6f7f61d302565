"""A BERT encoder whose state_dict matches HuggingFace BertModel (transformers 4.25.1).

Keys (prefix 'encoder.' inside the diffusion model):
  embeddings.{word_embeddings,position_embeddings,token_type_embeddings}.weight,
  embeddings.LayerNorm.{weight,bias}, embeddings.position_ids (int64 [1, max_pos], a persistent
  buffer in transformers < 4.31; later versions drop it from the state dict),
  encoder.layer.{i}.attention.self.{query,key,value}.{weight,bias},
  encoder.layer.{i}.attention.output.dense.{weight,bias},
  encoder.layer.{i}.attention.output.LayerNorm.{weight,bias},
  encoder.layer.{i}.intermediate.dense.{weight,bias},
  encoder.layer.{i}.output.dense.{weight,bias}, encoder.layer.{i}.output.LayerNorm.{weight,bias},
  pooler.dense.{weight,bias}.
Forward = BERT with absolute positions, token type 0 everywhere, GELU (erf), post-LN.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F

# one masking constant for every attention in the reference: finite, so no inf arithmetic;
# exp(MASK_VALUE - max) underflows to exactly 0 in fp32, as -inf would.
MASK_VALUE = -1e30


class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg.hidden_size
        self.word_embeddings = nn.Embedding(cfg.vocab_size, h, padding_idx=cfg.tok_pad_id)
        self.position_embeddings = nn.Embedding(cfg.max_pos_len, h)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(0.1)
        self.register_buffer("position_ids", torch.arange(cfg.max_pos_len).expand((1, -1)))

    def forward(self, ids):                          # ids [B, S]
        S = ids.shape[1]
        x = (self.word_embeddings(ids) + self.token_type_embeddings.weight[0]
             + self.position_embeddings.weight[:S])
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg.hidden_size
        self.heads = cfg.encoder_heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, mask):                      # x [B, S, h], mask [B, S] (1 = token)
        B, S, h = x.shape
        dh = h // self.heads

        def split(t):                                # [B, S, h] -> [B, heads, S, dh]
            return t.view(B, S, self.heads, dh).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
        scores = scores.masked_fill(mask[:, None, None, :] == 0, MASK_VALUE)
        p = self.dropout(scores.softmax(-1))
        return torch.matmul(p, v).transpose(1, 2).reshape(B, S, h)


class BertSelfOutput(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg)

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.encoder_intermediate_size)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.encoder_intermediate_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertOutput(cfg)

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class BertStack(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg.encoder_layers)])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertPooler(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, x):
        return self.activation(self.dense(x[:, 0]))


class BertEncoder(nn.Module):
    """BertModel: embeddings -> encoder -> (pooler, unused at inference)."""

    def __init__(self, cfg):
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertStack(cfg)
        self.pooler = BertPooler(cfg)

    def forward(self, ids, mask):                    # -> last_hidden_state [B, S, h]
        return self.encoder(self.embeddings(ids), mask)

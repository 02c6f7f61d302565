"""Trainer helpers: vocabulary and config, model construction (official init and dropouts),
(source, target) batches of any task, atomic checkpoints, export through the converter
(ardiff_ref.convert).
"""
import gzip
import os
import tempfile

import torch
from torch import nn

from . import convert
from .config import ModelConfig
from .model import ArDiffusionLM
from .tokenizer import WordPiece


def load_vocab(path):
    vocab, _ = convert.read_vocab(path)
    return vocab, WordPiece(vocab, lowercase=True)


def model_config(args, vocab, tok):
    d = args.in_channels
    return ModelConfig.from_official(
        intermediate_size=args.intermediate_size, num_attention_heads=args.num_attention_heads,
        in_channels=d, out_channels=args.out_channels or d, time_channels=args.time_channels or d,
        tgt_len=args.tgt_len, max_pos_len=args.max_pos_len, vocab_size=len(vocab),
        encoder_layers=args.encoder_layers, decoder_layers=args.decoder_layers,
        diffusion_steps=args.diffusion_steps, end_point_scale=args.end_point_scale,
        tok_pad_id=tok.pad_id, tok_cls_id=tok.cls_id, tok_sep_id=tok.sep_id,
        tok_unk_id=tok.unk_id, tok_mask_id=tok.mask_id, gen_steps=args.gen_timesteps,
        gen_candidates=args.num_samples, time_att=getattr(args, "time_att", True),
        gen_schedule="uniform" if args.schedule == "uniform" else "ar")


def bert_init_(module, pad_id, std=0.02):
    """HF BertPreTrainedModel._init_weights: the official encoder is BertModel(config)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, std)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def build_model(cfg, dropout, att_dropout, src_emb_init="bert"):
    """ArDiffusionLM with the official dropouts everywhere: the encoder's hidden dropout is
    `dropout` and its attention-probability dropout `att_dropout` (BertConfig overrides);
    the decoder modules use PyTorch's default init, the encoder BERT's.
    src_emb_init='tgt' (not official, see init_source_embeddings_from_target_)."""
    model = ArDiffusionLM(cfg, dropout, att_dropout)
    bert_init_(model.encoder, cfg.tok_pad_id)
    if src_emb_init == "tgt":
        init_source_embeddings_from_target_(model, cfg.tok_pad_id)
    for name, m in model.encoder.named_modules():
        if isinstance(m, nn.Dropout):
            m.p = att_dropout if name.endswith("self.dropout") else dropout
    return model


def init_source_embeddings_from_target_(model, pad_id, std=0.02):
    """Not official: encoder word embeddings = decoder word embeddings x a fixed random
    projection [d, h], scaled to BERT's std. The same word then starts out with related
    vectors on both sides, so the decoder can learn ONE map to match noisy target vectors
    against the source (cross-attention) instead of one association per word; this matters
    only for short runs (the official run sees every concept thousands of times)."""
    E = model.word_embedding.weight.detach()                     # [V, d] ~ N(0, 1)
    d, h = E.shape[1], model.cfg.hidden_size
    P = torch.randn(d, h) * (std / d ** 0.5)                     # E @ P has std ~ `std`
    with torch.no_grad():
        model.encoder.embeddings.word_embeddings.weight.copy_(E @ P)
        model.encoder.embeddings.word_embeddings.weight[pad_id].zero_()


def read_split_lines(folder, name):
    """Lines of folder/name, or of folder/name.gz when only the gzipped file exists (AESLC ships
    train.src.gz)."""
    path = os.path.join(folder, name)
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rt", encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


class Seq2SeqData:
    """(src, tgt) pairs of <split>.src / <split>.tgt of any task's data folder
    (ardiff_ref.tasks), tokenised once.

    target = [CLS] + pieces[:N-2] + [SEP], padded with [PAD] to exactly N;
    source = [CLS] + pieces[:S-2] + [SEP] (the .src line: CommonGen's space-joined concepts, a
    German sentence, an email), padded per batch. Order: a permutation per epoch from (seed, epoch); rank r of W takes rows
    [pos + r*B, pos + (r+1)*B); an epoch ends when fewer than W*B rows remain (drop last).
    """

    def __init__(self, folder, split, tok, tgt_len, max_src_len):
        if split == "test":
            raise ValueError("test.* is never used (data README)")
        src = read_split_lines(folder, split + ".src")
        tgt = read_split_lines(folder, split + ".tgt")
        if len(src) != len(tgt):
            raise ValueError("%s: %d sources but %d targets" % (split, len(src), len(tgt)))
        self.pad = tok.pad_id
        self.src = [tok.encode_source(s, max_src_len) for s in src]
        body = [tok.tokenize(t) for t in tgt]
        self.truncated = sum(len(b) > tgt_len - 2 for b in body) / len(body)
        self.tgt = torch.full((len(tgt), tgt_len), tok.pad_id, dtype=torch.long)
        for i, b in enumerate(body):
            row = [tok.cls_id] + b[:tgt_len - 2] + [tok.sep_id]
            self.tgt[i, :len(row)] = torch.tensor(row)

    def __len__(self):
        return len(self.src)

    def _perm(self, seed, epoch):
        return torch.randperm(len(self), generator=torch.Generator().manual_seed(
            seed * 1000003 + epoch))

    def batch(self, pos, B, rank, world, seed):
        """pos: {'epoch', 'pos'} (advanced in place) -> (tgt [B, N], src [B, S], mask [B, S])."""
        if pos["pos"] + world * B > len(self):
            pos["epoch"], pos["pos"] = pos["epoch"] + 1, 0
        perm = self._perm(seed, pos["epoch"])
        rows = perm[pos["pos"] + rank * B: pos["pos"] + (rank + 1) * B].tolist()
        pos["pos"] += world * B
        S = max(len(self.src[r]) for r in rows)
        src = torch.full((B, S), self.pad, dtype=torch.long)
        mask = torch.zeros((B, S), dtype=torch.long)
        for b, r in enumerate(rows):
            src[b, :len(self.src[r])] = torch.tensor(self.src[r])
            mask[b, :len(self.src[r])] = 1
        return self.tgt[rows], src, mask


CommonGenData = Seq2SeqData      # its name until every task used it


def atomic_save(obj, path):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ckpt-", dir=folder)
    os.close(fd)
    try:
        with open(tmp, "wb") as f:           # torch 1.13 refuses some temp names as paths
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def weights_state_dict(trainer, which):
    """Official-format state dict of the live or the EMA weights (tied head consistent)."""
    sd = {k: v.detach().cpu().clone() for k, v in trainer.model.state_dict().items()}
    if which == "ema":
        for (name, _), e in zip(trainer.model.named_parameters(), trainer.ema):
            sd[name] = e.detach().cpu().clone()
        sd["lm_head.weight"] = sd["word_embedding.weight"]
    return sd


def export(trainer, out_dir, which="ema", dtype="f32", log=print):
    """Official-format checkpoint file -> ardiff_ref.convert -> model directory (replaced)."""
    a, cfg = trainer.args, trainer.cfg
    ckpt = os.path.join(a.out_dir, "%s_official-%d.pt" % (which, trainer.step))
    atomic_save({"model_dict": weights_state_dict(trainer, which)}, ckpt)
    argv = [ckpt, "--vocab", a.vocab, "--out", out_dir, "--force", "--dtype", dtype,
            "--intermediate_size", str(a.intermediate_size),
            "--num_attention_heads", str(a.num_attention_heads),
            "--in_channels", str(cfg.in_channels), "--out_channels", str(cfg.out_channels),
            "--time_channels", str(cfg.time_channels), "--tgt_len", str(cfg.tgt_len),
            "--max_pos_len", str(cfg.max_pos_len), "--encoder_layers", str(cfg.encoder_layers),
            "--decoder_layers", str(cfg.decoder_layers),
            "--diffusion_steps", str(cfg.diffusion_steps),
            "--end_point_scale", str(cfg.end_point_scale),
            "--schedule_sampler", "uniform" if cfg.gen_schedule == "uniform" else "xy_uniform",
            "--gen_timesteps", str(cfg.gen_steps), "--num_samples", str(cfg.gen_candidates),
            "--case", a.gen_case, "--time_att", "true" if cfg.time_att else "false"]
    convert.convert(argv, log=log)
    return out_dir

"""ardiff model directories: model.ini + model.safetensors + the tokenizer files (vocab.txt, or
vocab.json and merges.txt for byte-level BPE; docs/model-format.md).

model.safetensors holds the official state-dict tensors under their official names, except
  lm_head.weight                      tied: identical to word_embedding.weight
  position_ids, encoder.embeddings.position_ids, encoder.embeddings.token_type_ids
                                      integer index buffers (arange / zeros), not weights.
"""
import os
import shutil
import tempfile

import numpy as np
import torch

from . import safetensors_io
from .config import ModelConfig
from .model import ArDiffusionLM, load_official_state_dict
from .bpe import ByteLevelBPE
from .tokenizer import WordPiece

NOT_STORED = ("lm_head.weight", "position_ids", "encoder.embeddings.position_ids")
IGNORED_BUFFERS = ("position_ids", "encoder.embeddings.position_ids",
                   "encoder.embeddings.token_type_ids")


def build_model(cfg, meta=False):
    if meta and hasattr(torch.device, "__enter__"):
        with torch.device("meta"):
            return ArDiffusionLM(cfg)
    return ArDiffusionLM(cfg)


def expected_shapes(cfg):
    """{name: shape} of the tensors model.safetensors must hold for cfg."""
    sd = build_model(cfg, meta=True).state_dict()
    return {k: tuple(v.shape) for k, v in sd.items() if k not in NOT_STORED}


def stored_tensors(state_dict, dtype=np.float32):
    return {k: v.detach().cpu().to(torch.float32).numpy().astype(dtype)
            for k, v in state_dict.items() if k not in NOT_STORED}


def write_model_dir(out_dir, cfg, tensors, vocab_lines, force=False, metadata=None):
    """Write atomically: build in a sibling temp dir, then move into place. vocab_lines: the
    WordPiece tokens (written as cfg.tok_vocab), or {file name: bytes} of tokenizer files to
    write as they are (byte-level BPE: vocab.json and merges.txt)."""
    out_dir = os.path.abspath(out_dir)
    if os.path.isdir(out_dir) and os.listdir(out_dir) and not force:
        raise FileExistsError("%s exists and is not empty (use --force to replace it)" % out_dir)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".ardiff-", dir=parent)
    try:
        cfg.write_ini(os.path.join(tmp, "model.ini"))
        safetensors_io.save(os.path.join(tmp, "model.safetensors"), tensors, metadata)
        if isinstance(vocab_lines, dict):
            for name, data in vocab_lines.items():
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)
        else:
            with open(os.path.join(tmp, cfg.tok_vocab), "w", encoding="utf-8") as f:
                f.write("".join(t + "\n" for t in vocab_lines))
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_tokenizer(path, cfg):
    """The tokenizer of the model directory path: WordPiece or ByteLevelBPE (whose ids must be
    those model.ini names)."""
    if cfg.tok_type != "bytelevel_bpe":
        return WordPiece.from_file(os.path.join(path, cfg.tok_vocab), cfg.tok_lowercase)
    tok = ByteLevelBPE.from_files(os.path.join(path, cfg.tok_vocab),
                                  os.path.join(path, cfg.tok_merges))
    got = (tok.pad_id, tok.cls_id, tok.sep_id, tok.unk_id, tok.mask_id)
    want = (cfg.tok_pad_id, cfg.tok_cls_id, cfg.tok_sep_id, cfg.tok_unk_id, cfg.tok_mask_id)
    if got != want:
        raise ValueError("%s: special ids %s, but model.ini says %s" % (path, got, want))
    return tok


def load_model_dir(path):
    """-> (model in eval mode, cfg, tokenizer: WordPiece or ByteLevelBPE)."""
    cfg = ModelConfig.read_ini(os.path.join(path, "model.ini"))
    tensors, _ = safetensors_io.load(os.path.join(path, "model.safetensors"))
    want = expected_shapes(cfg)
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if got != want:
        raise ValueError("model.safetensors does not match model.ini: missing %s, unexpected %s, "
                         "mis-shaped %s" % (sorted(set(want) - set(got)), sorted(set(got) - set(want)),
                                            sorted(k for k in set(got) & set(want) if got[k] != want[k])))
    model = ArDiffusionLM(cfg)
    sd = {k: torch.from_numpy(np.asarray(v, dtype=np.float32)) for k, v in tensors.items()}
    load_official_state_dict(model, sd)
    return model.eval(), cfg, load_tokenizer(path, cfg)

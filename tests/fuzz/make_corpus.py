#!/usr/bin/env python3
"""make_corpus.py: writes the seed corpora of tests/fuzz/corpus/<harness>/ from the test
fixtures (tests/fixtures). Deterministic: running it again gives the same files.

    python3 tests/fuzz/make_corpus.py          # from the repository root

Seeds are small (a few KB at most) so a short fuzzing run starts from every format feature
instead of rediscovering it. Crash reproducers added by hand (crash-*, see docs/fuzzing.md) are
kept: only the seed-* files this script names are rewritten.
"""
import hashlib
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def write(harness, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def read(rel, mode="rb"):
    with open(os.path.join(FIX, rel), mode) as f:
        return f.read()


# ---- safetensors -------------------------------------------------------------------------------

def st_file(tensors, meta=None, pad=0, raw_header=None):
    """tensors: [(name, dtype, shape, data bytes)] laid out in order."""
    header, blob = {}, b""
    if meta is not None:
        header["__metadata__"] = meta
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    h = raw_header if raw_header is not None else json.dumps(header).encode() + b" " * pad
    return struct.pack("<Q", len(h)) + h + blob


def safetensors_seeds():
    real = read("tiny-a/model.safetensors")
    (hlen,) = struct.unpack("<Q", real[:8])
    header = json.loads(real[8:8 + hlen])
    data = real[8 + hlen:]
    # the fixture's first small tensors (biases and norms), with their real bytes
    small = sorted(((k, v) for k, v in header.items() if k != "__metadata__"),
                   key=lambda kv: kv[1]["data_offsets"][0])
    picked = [(k, v) for k, v in small if v["data_offsets"][1] - v["data_offsets"][0] <= 256][:6]
    ts = [(k, v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]])
          for k, v in picked]
    write("safetensors", "fixture-subset", st_file(ts, meta={"format": "pt"}, pad=3))
    f = [1.0, -2.5, 0.0, 3.25]
    write("safetensors", "f32", st_file([("w", "F32", [2, 2], struct.pack("<4f", *f))]))
    write("safetensors", "f16-bf16", st_file([
        ("a", "F16", [3], struct.pack("<3H", 0x3c00, 0x7c00, 0x0001)),
        ("b", "BF16", [1, 2], struct.pack("<2H", 0x3f80, 0x7fc0))]))
    write("safetensors", "int-dtypes", st_file([
        ("i8", "I8", [2], b"\x01\xff"), ("u8", "U8", [1], b"\x07"), ("bool", "BOOL", [1], b"\x01"),
        ("i64", "I64", [1], struct.pack("<q", -3)), ("f64", "F64", [1], struct.pack("<d", 0.5))]))
    write("safetensors", "scalar-empty", st_file([
        ("scalar", "F32", [], struct.pack("<f", 7.0)), ("empty", "F32", [0, 4], b"")]))
    write("safetensors", "rank8", st_file([("r8", "F16", [1] * 8, b"\x00\x3c")]))
    write("safetensors", "metadata", st_file([("x", "F32", [1], b"\0\0\0\0")],
                                             meta={"format": "pt", "note": "caf\u00e9"}))
    write("safetensors", "no-tensors", st_file([], meta={}))
    # near misses: each one rule of the reader broken
    ok = st_file([("w", "F32", [2], struct.pack("<2f", 1, 2))])
    write("safetensors", "truncated-data", ok[:-3])
    write("safetensors", "header-length-too-big", struct.pack("<Q", 1 << 40) + ok[8:])
    write("safetensors", "short", b"\x05\x00\x00")
    write("safetensors", "overlap", st_file([], raw_header=json.dumps({
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}).encode()) + b"\0" * 8)
    write("safetensors", "shape-mismatch", st_file([], raw_header=json.dumps({
        "a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}).encode()) + b"\0" * 8)
    write("safetensors", "duplicate-name", st_file([], raw_header=
          b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
          b'"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}') + b"\0\0")
    write("safetensors", "huge-shape", st_file([], raw_header=json.dumps({
        "a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}).encode()))
    write("safetensors", "trailing-junk", st_file([], raw_header=b'{} x'))


# ---- model.ini ---------------------------------------------------------------------------------

def config_seeds():
    for fx in ("tiny-a", "tiny-b", "tiny-c", "tiny-d"):
        write("config", fx, read(fx + "/model.ini"))
    for m in sorted(os.listdir(os.path.join(ROOT, "models"))):
        p = os.path.join(ROOT, "models", m, "model.ini")
        if os.path.isfile(p):
            with open(p, "rb") as f:
                write("config", "model-" + m, f.read())
    base = read("tiny-a/model.ini").decode()
    write("config", "comments-crlf", ("# a model\n; another comment\n" + base.replace(
        "hidden_size = 32", "hidden_size = 32  # h")).replace("\n", "\r\n"))
    write("config", "unknown-keys", base + "\n[extra]\nfoo = 1\n\n[generate]\nbar = 2\n")
    write("config", "missing-key", base.replace("tgt_len = 12\n", ""))
    write("config", "bad-values", base.replace("layer_norm_eps = 1e-12", "layer_norm_eps = nan")
          .replace("lowercase = true", "lowercase = maybe"))
    write("config", "uniform-sentence-device", base.replace(
        "schedule = ar", "schedule = UNIFORM\ncase = sentence\ndevice = cpu"))
    write("config", "vocab-escape", base.replace("vocab = vocab.txt", "vocab = ../x/vocab.txt"))
    write("config", "quoted-multiline", base.replace(
        "vocab = vocab.txt", 'vocab = "sub dir/vocab.txt"\\\n').replace("time_channels", "time_channels "))
    write("config", "empty", "")


# ---- vocabularies, text, input, MBR --------------------------------------------------------------

def vocab_seeds():
    tiny = read("tiny-a/vocab.txt")
    write("vocab", "tiny-a", tiny)
    write("vocab", "tiny-a-crlf-no-final-newline", tiny.rstrip(b"\n").replace(b"\n", b"\r\n"))
    bert = read("tokenizer/vocab.txt").split(b"\n")
    write("vocab", "bert-head", b"\n".join(bert[:120]) + b"\n")
    write("vocab", "bert-pieces", b"\n".join(bert[:5] + [l for l in bert if l.startswith(b"##")][:80]
                                             + [b"[SEP]", b"[CLS]", b"[UNK]"]) + b"\n")
    write("vocab", "minimal", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n")
    write("vocab", "unicode", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ncaf\u00e9\n##\u00e9\n\u4f60\n"
          "\ud55c\n##s\na\n")
    write("vocab", "duplicate", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nx\nx\n")
    write("vocab", "missing-unk", "[PAD]\n[CLS]\n[SEP]\n")
    write("vocab", "empty-line", "[PAD]\n\n[UNK]\n[CLS]\n[SEP]\n")
    write("vocab", "bad-utf8", b"[PAD]\n[UNK]\n[CLS]\n[SEP]\n\xc3\x28\n")


def texts():
    lines = read("tokenizer/input.txt").decode("utf-8").split("\n")
    golden = [bytes.fromhex(json.loads(l)["hex"]).decode("utf-8")
              for l in read("tokenizer/golden.jsonl").decode().split("\n") if l.strip()]
    seen, out = set(), []
    for t in lines + golden:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def tokenizer_seeds():
    t_all = texts()
    picked = [t_all[i * len(t_all) // 40] for i in range(40)] if len(t_all) > 40 else t_all
    for i, t in enumerate(picked):
        flag = bytes([(i % 2) | ((i * 37 % 128) << 1) & 0xFE])  # cased or not, various budgets
        write("tokenizer", "text-%02d" % i, flag + t.encode("utf-8"))
    write("tokenizer", "specials", b"\x41[CLS] a [SEP][MASK]b [UNK][PAD] [sep]")
    write("tokenizer", "long-word", b"\x20" + b"x" * 150 + b" " + "\u00e9".encode() * 60)
    write("tokenizer", "controls-nul", b"\x10a\x00b\x07c\xef\xbf\xbdd\xe2\x80\x8be\r\n\tf")
    write("tokenizer", "bad-utf8", b"\x7fok \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf")


def input_seeds():
    t = texts()
    write("input", "lines", "\n".join(t[:12]) + "\n")
    write("input", "crlf-no-final-newline", "\r\n".join(t[12:20]))
    write("input", "empty-lines", "\n\nfirst\n\n\nlast\n")
    write("input", "long-line", ("word " * 300).strip() + "\n")
    write("input", "cr-only", "a\rb\r\r\n\r")
    write("input", "nul", b"ok\nbad\0line\n")
    write("input", "bad-utf8", b"fine\n\xff\xfe\nalso fine\n")
    write("input", "empty", b"")
    write("input", "json-escapes", 'quote " backslash \\ tab \t bell \x07 \u2028 end\n')


def mbr_seeds():
    cases = json.loads(read("mbr/cases.json"))
    for c in cases["mbr"]:
        write("mbr", "mbr-" + c["name"], b"\0".join(s.encode() for s in c["candidates"]))
    for i, c in enumerate(cases["bleu"]):
        write("mbr", "bleu-%02d" % i, (c["hyp"] + "\0" + c["ref"]).encode())
    for i, c in enumerate(cases["tokenize"]):
        if c["text"]:
            write("mbr", "tok-%02d" % i, (c["text"] + "\0" + c["text"][::-1]).encode())
    write("mbr", "bad-utf8", b"a b\0c \xe2\x82\0d")


def main():
    for h in ("safetensors", "config", "vocab", "tokenizer", "input", "mbr"):
        d = os.path.join(OUT, h)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.startswith("seed-"):
                    os.remove(os.path.join(d, f))
    safetensors_seeds()
    config_seeds()
    vocab_seeds()
    tokenizer_seeds()
    input_seeds()
    mbr_seeds()
    for h in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, h))
        size = sum(os.path.getsize(os.path.join(OUT, h, f)) for f in files)
        print("%-12s %3d files, %6d bytes" % (h, len(files), size))
    return 0


if __name__ == "__main__":
    sys.exit(main())

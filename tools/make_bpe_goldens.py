#!/usr/bin/env python3
"""Writes tests/fixtures/bpe/: a byte-level BPE vocabulary trained the official way and the
Hugging Face tokenizer's output on it, the truth runtime/engine/bpe.c is tested against
(tests/test_bpe.c).

The official AR-Diffusion code (data_utils/tokenizer_utils.py) trains tokenizers'
ByteLevelBPETokenizer with min_frequency=1 and the special tokens <pad> <s> </s> <unk> <mask>,
saves vocab.json and merges.txt, and reads them back with a BERT-style post-processor
(<s> ... </s>), truncation to 512 and the ByteLevel decoder. Generation decodes with
decode(ids, skip_special_tokens=True) and then removes the five special strings from the text.
This script does the same with tokenizers==0.13.2, the version the official requirements pin:

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install tokenizers==0.13.2
    /tmp/tf/bin/python tools/make_bpe_goldens.py [--data ../shared/data] [--check]

Vocabulary: trained on multi30k-de-en train.src + train.tgt and iwslt14-de-en valid.src +
valid.tgt (there is no IWSLT train split here), VOCAB_SIZE entries: the official size (the
official script trains vocab_size=10000+5). test.* is never read (iwslt14-de-en/test.* is a copy
of valid.*).

Files (all regenerated; --check compares instead of writing):
  vocab.json, merges.txt  the trained tokenizer, as save_model writes it
  golden.jsonl  one JSON object per case, "kind" saying which:
      encode   text (hex of its UTF-8, or "unit_hex" repeated "repeat" times for the long ones),
               ids (without <s> </s>; for long texts only n_ids, the first 64 ids and a hash),
               pieces: the pre-tokenizer's pieces, their lengths in bytes (not for long texts),
               decode_hex: the official decode of <s> ids[:510] </s> (specials removed), if it
               is not the text itself (decode_hash for the long ones)
      invalid  hex: bytes that are not UTF-8, at: the offset Python's decoder reports
      decode   ids (any, specials included), hf_hex: decode(ids, skip_special_tokens=True),
               official_hex: that with the special strings removed (if it differs)
    Cases: a sample of the valid lines (every SAMPLE_EVERY-th), hand-written adversarial
    texts (all whitespace characters, contractions, digits, scripts, combining marks, emoji,
    code points of every plane, special strings in text), random texts, 100,000-character
    words, invalid UTF-8, random and hand-made id sequences.
  planes.txt    every code point (but surrogates) in context, per block of 4,096: the hash of
                the pre-tokenizer's piece lengths (bytes) and of the ids (see plane_text)
  corpus.txt    per line of each corpus file (CORPUS_FILES: every line of IWSLT14 valid and
                of Multi30k train and valid, both sides): n_ids and the hash of the ids (the
                lines themselves are read from --data by `test_bpe --corpus DIR`)
Hashes are FNV-1a 32 over the values as 4-byte little-endian words.
"""
import argparse
import json
import os
import random
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXDIR = os.path.join(ROOT, "tests", "fixtures", "bpe")
VOCAB_SIZE = 10000 + 5  # tokenizer_utils.py: 10,000 + the 5 specials
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<mask>"]
TRAIN_FILES = ["multi30k-de-en/train.src", "multi30k-de-en/train.tgt",
               "iwslt14-de-en/valid.src", "iwslt14-de-en/valid.tgt"]
CORPUS_FILES = ["iwslt14-de-en/valid.src", "iwslt14-de-en/valid.tgt",
                "multi30k-de-en/valid.src", "multi30k-de-en/valid.tgt",
                "multi30k-de-en/train.src", "multi30k-de-en/train.tgt"]
SAMPLE_EVERY = 211
BLOCK = 4096
LONG_IDS = 2000  # encode cases with more ids store a hash


def fnv32(values):
    h = 2166136261
    for v in values:
        for k in range(4):
            h = ((h ^ ((v >> (8 * k)) & 0xFF)) * 16777619) & 0xFFFFFFFF
    return h


def piece_lengths(text):
    """The pieces of the official pre-tokenizer (ByteLevel, add_prefix_space false), as their
    lengths in bytes (a byte-level piece has one character per byte)."""
    from tokenizers import pre_tokenizers
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False)
    return [len(p) for p, _ in pre.pre_tokenize_str(text)]


def train(data, outdir):
    from tokenizers import ByteLevelBPETokenizer
    tok = ByteLevelBPETokenizer()
    tok.train(files=[os.path.join(data, f) for f in TRAIN_FILES], vocab_size=VOCAB_SIZE,
              min_frequency=1, special_tokens=SPECIALS, show_progress=False)
    tok.save_model(outdir)


def load(outdir):
    """(plain, official): the tokenizer as read from the files, and as the official code
    configures it (tokenizer_utils.read_byte_level)."""
    from tokenizers import ByteLevelBPETokenizer, decoders
    from tokenizers.processors import BertProcessing
    vocab, merges = os.path.join(outdir, "vocab.json"), os.path.join(outdir, "merges.txt")
    plain = ByteLevelBPETokenizer(vocab, merges)
    official = ByteLevelBPETokenizer(vocab, merges)
    official._tokenizer.post_processor = BertProcessing(
        ("</s>", official.token_to_id("</s>")), ("<s>", official.token_to_id("<s>")))
    official.enable_truncation(max_length=512)
    official.decoder = decoders.ByteLevel()
    return plain, official


def official_decode(official, ids):
    text = official.decode(ids, skip_special_tokens=True)
    hf = text
    for s in SPECIALS:
        text = text.replace(s, "")
    return hf, text


def encode_case(plain, official, name, text, unit=None, repeat=None):
    ids = plain.encode(text).ids
    full = official.encode(text).ids
    s, e = official.token_to_id("<s>"), official.token_to_id("</s>")
    if full != [s] + ids[:510] + [e]:
        sys.exit(f"{name}: the official encoding is not <s> + ids[:510] + </s>")
    _, dec = official_decode(official, full)
    case = {"kind": "encode", "name": name}
    if unit is None:
        case["hex"] = text.encode("utf-8").hex()
    else:
        case["unit_hex"], case["repeat"] = unit.encode("utf-8").hex(), repeat
    if len(ids) <= LONG_IDS:
        case["ids"] = ids
        case["pieces"] = piece_lengths(text)
    else:
        case.update(n_ids=len(ids), first_ids=ids[:64], ids_hash="%08x" % fnv32(ids))
    if len(dec) > 4 * LONG_IDS:
        case["decode_hash"] = "%08x" % fnv32(dec.encode("utf-8"))
    elif dec != text:  # absent: the text itself
        case["decode_hex"] = dec.encode("utf-8").hex()
    return case


def read_lines(path):
    data = open(path, "rb").read().decode("utf-8")
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# ---- adversarial texts ---------------------------------------------------------------------

WHITESPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
NOT_WHITESPACE = "\x1c\x1d\x1e\x1f\u180e\u200b\ufeff"


def handmade():
    cases = [
        ("empty", ""), ("space", " "), ("spaces", "   "), ("lead spaces", "   a b"),
        ("trail spaces", "a b   "), ("space runs", "a  b   c    d\t\te \n\n f"),
        ("newlines", "\n\n\na\n"), ("crlf", "a\r\nb\r\n"), ("tab space", "\t a \t b\t"),
        ("every white space", "x" + "x".join(WHITESPACE) + "x"),
        ("white space runs", " " + WHITESPACE + "a" + WHITESPACE + " " + WHITESPACE),
        ("white space before", "".join(w + "a" + w + w + "1" + w + " ." for w in WHITESPACE)),
        ("not white space", "a" + "a".join(NOT_WHITESPACE) + " " + NOT_WHITESPACE + "1"),
        ("contractions", "it's I'm we're they've I'll he'd don't can't 's 't 're 've 'm 'll 'd"),
        ("contraction edge", "'S 'LL 'Re '''s ' s 'x 'r 'l 'v ''ll' ’s it’s l'homme"),
        ("digits", "123 4567 2nd 3.14 1,000 ٣٤٥ ١٢ ① ½ Ⅻ 二 𝟘𝟙 ⁵₃"),
        ("punctuation", "!!! ?! ... -- (a) [b] {c} <d> \"e\" «f» „g“ — – … ¿¡ @#$%^&*_+=|\\/~`"),
        ("german", "Größe Übermäßig straße Äpfel ÖL ẞ"),
        ("scripts", "Ελληνικά Кириллица עברית العربية हिन्दी ไทย 中文字 한국어 カタカナ ひらがな"),
        ("combining", "e\u0301 a\u0300\u0301\u0302\u0303\u0304 \u0301x 1\u0301 .\u0301 \u0301"),
        ("zalgo", "Z\u0336\u0301\u0350a\u0364\u0351l\u0359\u0347g\u0360o\u0489"),
        ("nfc nfd", "\u00e9 e\u0301 \u1e9b\u0323 \uac00 \u1100\u1161"),
        ("emoji", "😀 😀😀 a😀b 👍🏽 ❤️ ☺︎ 1️⃣ 🇩🇪🇺🇸"),
        ("emoji zwj", "👨\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈 a\u200db a\u200cb"),
        ("controls", "\x00a\x00 \x01\x7f\x80\x9f\xad\u200e\u2066x\u2069"),
        ("specials in text", "<s> hello </s> <pad><mask><unk> <<pad>s> </s></s>"),
        ("latin-1", "".join(chr(c) for c in range(0xA0, 0x100))),
        ("unicode 14 letters", "a\u0870b \u0870\u0871 1\u2c2f \U00010570x \U0002a6de"),
        ("noncharacters", "\ufffe\uffff \U0001fffe \U0010ffff \ufffd"),
        ("private use", "\ue000\uf8ff a\U000f0000 \U0010fffd"),
    ]
    for plane in range(17):  # a few code points of every plane, in context
        cps = [plane << 16 | off for off in (0x20, 0x41, 0x300, 0x4E00 % 0x10000, 0xA000,
                                             0xE000, 0xFFFD)]
        cps = [c for c in cps if not 0xD800 <= c <= 0xDFFF]
        text = " ".join("a" + chr(c) + chr(c) + " " + chr(c) + "1" for c in cps)
        cases.append((f"plane {plane}", text))
    return cases


def random_texts(rng, n):
    pools = [
        " \t\n" + WHITESPACE, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789", ".,;:!?'\"()-<>/", "äöüßéèçñ", "\u0300\u0301\u0308\u0327",
        "😀👍🏽\u200d🇩🇪", "αβγЖЯשא中文한글", "\x00\x1f\x7f\x85\xad\ufeff",
    ]
    out = []
    for i in range(n):
        chars = []
        for _ in range(rng.randint(1, 60)):
            r = rng.random()
            if r < 0.08:
                c = rng.randint(0x80, 0x10FFFF)
                chars.append(chr(c if not 0xD800 <= c <= 0xDFFF else 0x41))
            else:
                pool = pools[rng.randrange(len(pools))]
                chars.append(pool[rng.randrange(len(pool))])
        out.append((f"random {i}", "".join(chars)))
    return out


def long_words(rng):
    letters = "abcdefghijklmnopqrstuvwxyzäöüß"
    unit = "".join(letters[rng.randrange(len(letters))] for _ in range(1000))
    mixed = "".join(rng.choice("aäßΩЖ中한\u0301") for _ in range(1000))
    return [
        ("long random word", unit, 100),
        ("long umlaut word", "ü", 100000),
        ("long space run", " ", 100000),
        ("long digit run", "7", 100000),
        ("long emoji run", "😀", 100000),
        ("long mixed word", mixed, 100),
        ("long spaced words", " ab", 40000),
    ]


INVALID = [
    b"\xff", b"\xfe", b"a\x80", b"\x80", b"\xbf\x80", b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\x80",
    b"\xe0\x9f\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"abc\xe2\x82", b"\xc3", b"ok\xc3(",
    b"hello world \xe2\x28\xa1", b"\xf0\x9f\x98", b"\xf0\x9f\x98 x", b"good \xc3\xa9 then \xc3",
    b"a" * 1000 + b"\xa0", b"\xc2\xa0\xc2",
]


def decode_cases(rng, official, vocab_size):
    def tid(t):
        return official.token_to_id(t)
    sp = [tid(s) for s in SPECIALS]
    seqs = [[], sp, [tid("<"), tid("s"), tid(">")], [tid("<"), sp[0], tid("s"), tid(">")]]
    byte_ids = sorted(i for t, i in official.get_vocab().items() if len(t) == 1)  # one byte
    for _ in range(40):  # runs of single-byte tokens: split and invalid UTF-8
        seqs.append([rng.choice(byte_ids) for _ in range(rng.randint(1, 12))])
    for _ in range(160):
        seqs.append([rng.randrange(vocab_size) for _ in range(rng.randint(0, 40))])
    out = []
    for ids in seqs:
        hf, off = official_decode(official, ids)
        case = {"kind": "decode", "ids": ids, "hf_hex": hf.encode("utf-8").hex()}
        if off != hf:  # absent: equal to hf_hex
            case["official_hex"] = off.encode("utf-8").hex()
        out.append(case)
    return out


# ---- planes and corpus ---------------------------------------------------------------------

def plane_text(lo, hi):
    """The text of one block: every code point c in [lo, hi] (surrogates left out) in the
    context 'a' c '1' c c ' ' c '.' c ' ' (letter, number, run, space prefix, punctuation)."""
    parts = []
    for cp in range(lo, hi + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        parts.append("a" + c + "1" + c + c + " " + c + "." + c + " ")
    return "".join(parts)


def planes(plain):
    rows = []
    for lo in range(0, 0x110000, BLOCK):
        hi = lo + BLOCK - 1
        text = plane_text(lo, hi)
        if not text:
            continue
        lens = piece_lengths(text)
        ids = plain.encode(text).ids
        rows.append("%06X %06X %d %08x %d %08x" % (lo, hi, len(lens), fnv32(lens), len(ids),
                                                   fnv32(ids)))
    return ("# lo hi pieces pieces_hash ids ids_hash (tools/make_bpe_goldens.py: plane_text)\n"
            + "\n".join(rows) + "\n")


def corpus(plain, official, data):
    out = ["# per corpus line: n_ids ids_hash (ids without <s> </s>; tools/make_bpe_goldens.py)"]
    samples = []
    for f in CORPUS_FILES:
        lines = read_lines(os.path.join(data, f))
        out.append(f"## {f} {len(lines)}")
        for k, enc in enumerate(plain.encode_batch(lines)):
            ids = enc.ids
            _, dec = official_decode(official, official.encode(lines[k]).ids)
            if dec != lines[k]:
                sys.exit(f"{f}:{k + 1}: the official decode does not give the line back")
            out.append("%d %08x" % (len(ids), fnv32(ids)))
            if k % SAMPLE_EVERY == 0 and "train." not in f:  # golden cases: valid lines
                samples.append((f"{f}:{k + 1}", lines[k]))
    return "\n".join(out) + "\n", samples


def build(data, outdir):
    import tokenizers
    if tokenizers.__version__ != "0.13.2":
        sys.exit(f"tokenizers {tokenizers.__version__}: the goldens are made with 0.13.2, the "
                 "official pin (see the docstring)")
    for f in TRAIN_FILES + CORPUS_FILES:
        if "test." in f:
            sys.exit(f"{f}: test splits are never read")
    train(data, outdir)
    plain, official = load(outdir)
    rng = random.Random(20230515)
    corpus_txt, samples = corpus(plain, official, data)
    cases = [encode_case(plain, official, n, t) for n, t in samples + handmade()]
    cases += [encode_case(plain, official, n, t) for n, t in random_texts(rng, 80)]
    cases += [encode_case(plain, official, n, u * r, u, r) for n, u, r in long_words(rng)]
    for i, b in enumerate(INVALID):
        try:
            b.decode("utf-8")
            sys.exit(f"invalid case {i} is valid UTF-8")
        except UnicodeDecodeError as e:
            cases.append({"kind": "invalid", "name": f"invalid {i}", "hex": b.hex(),
                          "at": e.start})
    cases += decode_cases(rng, official, official.get_vocab_size())
    golden = "".join(json.dumps(c, ensure_ascii=True) + "\n" for c in cases)
    files = {"golden.jsonl": golden, "planes.txt": planes(plain), "corpus.txt": corpus_txt}
    for name, text in files.items():
        with open(os.path.join(outdir, name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    return len(cases)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--check", action="store_true", help="compare with the committed files")
    args = ap.parse_args()
    names = ["vocab.json", "merges.txt", "golden.jsonl", "planes.txt", "corpus.txt"]
    if not args.check:
        os.makedirs(FIXDIR, exist_ok=True)
        n = build(args.data, FIXDIR)
        print(f"wrote {FIXDIR}: {n} golden cases")
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(args.data, tmp)
        bad = [n for n in names if open(os.path.join(tmp, n), "rb").read()
               != open(os.path.join(FIXDIR, n), "rb").read()]
    print("differs: " + " ".join(bad) if bad else "all files equal")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

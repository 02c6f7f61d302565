"""The reference byte-level BPE (ardiff_ref/bpe.py) against Hugging Face tokenizers 0.13.2's
output on tests/fixtures/bpe/ (the goldens runtime/engine/bpe.c is tested against too)."""
import json
import os

import pytest

from ardiff_ref.bpe import BYTE_CHAR, CHAR_BYTE, ByteLevelBPE, pretokenize

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures",
                   "bpe")


def fnv32(values):
    h = 2166136261
    for v in values:
        for k in range(4):
            h = ((h ^ ((v >> (8 * k)) & 0xFF)) * 16777619) & 0xFFFFFFFF
    return h


@pytest.fixture(scope="module")
def tok():
    return ByteLevelBPE.from_files(os.path.join(FIX, "vocab.json"), os.path.join(FIX, "merges.txt"))


def _cases(kind):
    with open(os.path.join(FIX, "golden.jsonl"), encoding="utf-8") as f:
        return [c for c in map(json.loads, f) if c["kind"] == kind]


def _text(case):
    if "hex" in case:
        return bytes.fromhex(case["hex"]).decode("utf-8")
    return bytes.fromhex(case["unit_hex"]).decode("utf-8") * case["repeat"]


def test_encode_goldens(tok):
    cases = _cases("encode")
    assert len(cases) > 200
    for c in cases:
        text = _text(c)
        ids = tok.tokenize(text)
        if "ids" in c:
            assert ids == c["ids"], c["name"]
            assert [len(p.encode("utf-8")) for p in pretokenize(text)] == c["pieces"], c["name"]
        else:
            assert len(ids) == c["n_ids"] and "%08x" % fnv32(ids) == c["ids_hash"], c["name"]
        full = tok.encode_source(text, 512)
        want = bytes.fromhex(c["decode_hex"]).decode("utf-8") if "decode_hex" in c else text
        if "decode_hash" not in c:
            assert tok.decode_official(full) == want, c["name"]
            assert tok.decode(full) == want.replace("\x00", ""), c["name"]


def test_decode_goldens(tok):
    for c in _cases("decode"):
        hf = bytes.fromhex(c["hf_hex"]).decode("utf-8")
        off = bytes.fromhex(c["official_hex"]).decode("utf-8") if "official_hex" in c else hf
        assert tok.decode_raw(c["ids"]) == hf, c["ids"]
        assert tok.decode_official(c["ids"]) == off, c["ids"]
        assert tok.decode(c["ids"]) == off.replace("\x00", ""), c["ids"]


def test_planes_sample(tok):
    """Every 34th block of planes.txt (all of them take minutes in Python)."""
    with open(os.path.join(FIX, "planes.txt")) as f:
        rows = [r.split() for r in f if not r.startswith("#")]
    for r in rows[::34]:
        lo, hi = int(r[0], 16), int(r[1], 16)
        text = "".join("a%s1%s%s %s.%s " % ((chr(c),) * 5) for c in range(lo, hi + 1)
                       if not 0xD800 <= c <= 0xDFFF)
        lens = [len(p.encode("utf-8")) for p in pretokenize(text)]
        assert (len(lens), "%08x" % fnv32(lens)) == (int(r[2]), r[3]), r[0]
        ids = tok.tokenize(text)
        assert (len(ids), "%08x" % fnv32(ids)) == (int(r[4]), r[5]), r[0]


def test_source_and_maps(tok):
    assert len(BYTE_CHAR) == 256 and len(CHAR_BYTE) == 256 and BYTE_CHAR[32] == "\u0120"
    ids = tok.tokenize("a man and a dog")
    assert tok.encode_source("a man and a dog", 7) == [1] + ids + [2]
    assert tok.encode_source("a man and a dog", 6) == [1] + ids  # cut: no </s>
    long = tok.tokenize(" dog" * 600)
    assert tok.encode_source(" dog" * 600, 600) == [1] + long[:510] + [2]


def test_bad_files(tmp_path):
    v, m = tmp_path / "vocab.json", tmp_path / "merges.txt"
    v.write_text(json.dumps({t: i for i, t in enumerate(["<pad>", "<s>", "</s>", "<unk>",
                                                         "<mask>", "a", "b", "ab"])}))
    m.write_text("#version: 0.2\na b\n\n")
    with pytest.raises(ValueError, match="merges.txt:3"):
        ByteLevelBPE.from_files(str(v), str(m))
    m.write_text("a c\n")
    with pytest.raises(ValueError, match="'c'"):
        ByteLevelBPE.from_files(str(v), str(m))
    m.write_text("a b\r\n")
    assert ByteLevelBPE.from_files(str(v), str(m)).tokenize("ab") == [7]

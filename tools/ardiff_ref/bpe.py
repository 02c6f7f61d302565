"""Byte-level BPE, the official IWSLT14 tokenizer (Hugging Face tokenizers 0.13.2's
ByteLevelBPETokenizer as data_utils/tokenizer_utils.py builds it), for the reference: the same
rules as runtime/engine/bpe.h, checked against the same goldens (tests/fixtures/bpe/).

Encoding: split the text by the GPT-2 pattern
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
(classes: unicode_rx), map each piece's UTF-8 bytes to the byte-level characters, merge by rank
(lowest rank first, leftmost first; tokenizers' Word::merge_all). Source (BertProcessing,
truncation to 512, then the batch cut to max_pos_len): (<s> ids[:510] </s>)[:max_len].
Decoding (generation): bytes of every token, invalid UTF-8 -> U+FFFD per maximal invalid
subsequence, then the strings <pad> <s> </s> <unk> <mask> removed in that order
(decode_official); ardiff's outputs are C strings, so decode (what generation uses, as
runtime/engine/textcodec.c) also drops NUL characters (the token of byte 0).
"""
import heapq
import json

from . import unicode_rx

SPECIALS = ("<pad>", "<s>", "</s>", "<unk>", "<mask>")
MAX_TEXT_IDS = 510


def _printable(b):
    return 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or b >= 0xAE


def byte_chars():
    """The GPT-2 byte-to-unicode map: [256] characters."""
    out, k = [], 0
    for b in range(256):
        if _printable(b):
            out.append(chr(b))
        else:
            out.append(chr(0x100 + k))
            k += 1
    return out


BYTE_CHAR = byte_chars()
CHAR_BYTE = {c: b for b, c in enumerate(BYTE_CHAR)}

_LETTER, _NUMBER, _SPACE, _OTHER = range(4)


def _class(ch):
    cp = ord(ch)
    if unicode_rx.is_letter(cp):
        return _LETTER
    if unicode_rx.is_number(cp):
        return _NUMBER
    return _SPACE if unicode_rx.is_space(cp) else _OTHER


def _piece_end(t, i):
    n = len(t)
    if t[i] == "'" and i + 1 < n:
        if t[i + 1] in "stmd":
            return i + 2
        if i + 2 < n and t[i + 1:i + 3] in ("re", "ve", "ll"):
            return i + 3
    j = i + (t[i] == " ")
    if j < n and _class(t[j]) != _SPACE:
        c = _class(t[j])
        while j < n and _class(t[j]) == c:
            j += 1
        return j
    k = i
    while k < n and _class(t[k]) == _SPACE:
        k += 1
    return k - 1 if k < n and k - i >= 2 else k


def pretokenize(text):
    """The pieces of text (strings)."""
    unicode_rx.check_unicode_version()
    pieces, i = [], 0
    while i < len(text):
        e = _piece_end(text, i)
        pieces.append(text[i:e])
        i = e
    return pieces


class ByteLevelBPE:
    def __init__(self, vocab, merges):
        """vocab: {token: id} (ids 0..n-1); merges: [(a, b)] in rank order."""
        self.ids = dict(vocab)
        if sorted(self.ids.values()) != list(range(len(self.ids))):
            raise ValueError("vocab.json: the ids are not 0..%d, each once" % (len(self.ids) - 1))
        self.vocab = [None] * len(self.ids)
        for t, i in self.ids.items():
            self.vocab[i] = t
        self.merges = {}
        for rank, (a, b) in enumerate(merges):
            for t in (a, b, a + b):
                if t not in self.ids:
                    raise ValueError("merges.txt: %r (in merge %r %r) is not in the vocabulary"
                                     % (t, a, b))
            self.merges[(self.ids[a], self.ids[b])] = (rank, self.ids[a + b])  # later rank wins
        missing = [t for t in SPECIALS if t not in self.ids]
        if missing:
            raise ValueError("vocab.json lacks the special tokens %s" % missing)
        self.pad_id, self.cls_id, self.sep_id, self.unk_id, self.mask_id = (
            self.ids[t] for t in SPECIALS)
        self.special_ids = {self.ids[t] for t in SPECIALS}

    @classmethod
    def from_files(cls, vocab_path, merges_path):
        with open(vocab_path, encoding="utf-8") as f:
            vocab = json.load(f)
        merges = []
        with open(merges_path, encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
        if lines[-1] == "":  # a last "\n" ends the last line
            lines.pop()
        for n, line in enumerate(lines):
            line = line[:-1] if line.endswith("\r") else line
            if line.startswith("#version"):
                continue
            parts = line.split(" ")
            if len(parts) != 2:
                raise ValueError("%s:%d: %r is not a merge 'a b'" % (merges_path, n + 1, line))
            merges.append(tuple(parts))
        return cls(vocab, merges)

    def _merge(self, syms):
        """tokenizers' Word::merge_all: a queue of (rank, position, result)."""
        nxt = list(range(1, len(syms))) + [-1]
        prv = list(range(-1, len(syms) - 1))
        alive = [True] * len(syms)
        heap = []

        def push(pos):
            if pos >= 0 and nxt[pos] >= 0:
                m = self.merges.get((syms[pos], syms[nxt[pos]]))
                if m:
                    heapq.heappush(heap, (m[0], pos, m[1]))
        for p in range(len(syms) - 1):
            push(p)
        while heap:
            rank, pos, merged = heapq.heappop(heap)
            if not alive[pos] or nxt[pos] < 0:
                continue
            r = nxt[pos]
            m = self.merges.get((syms[pos], syms[r]))
            if not m or m[1] != merged:
                continue
            syms[pos], alive[r], nxt[pos] = merged, False, nxt[r]
            if nxt[r] >= 0:
                prv[nxt[r]] = pos
            push(prv[pos])
            push(pos)
        return [s for s, a in zip(syms, alive) if a]

    def tokenize(self, text):
        ids = []
        for piece in pretokenize(text):
            syms = [self.ids[BYTE_CHAR[b]] for b in piece.encode("utf-8")
                    if BYTE_CHAR[b] in self.ids]
            ids.extend(self._merge(syms))
        return ids

    def encode_source(self, text, max_len):
        return ([self.cls_id] + self.tokenize(text)[:MAX_TEXT_IDS] + [self.sep_id])[:max_len]

    def decode_raw(self, ids):
        """tokenizers' decode(ids, skip_special_tokens=True): nothing is special here."""
        out = bytearray()
        for i in ids:
            t = self.vocab[i]
            if all(c in CHAR_BYTE for c in t):
                out.extend(CHAR_BYTE[c] for c in t)
            else:
                out.extend(t.encode("utf-8"))
        return out.decode("utf-8", errors="replace")

    def decode_official(self, ids):
        """As the official generation decodes IWSLT outputs."""
        text = self.decode_raw(ids)
        for s in SPECIALS:
            text = text.replace(s, "")
        return text

    def decode(self, ids):
        """decode_official less NUL characters (ardiff's outputs are C strings)."""
        return self.decode_official(ids).replace("\x00", "")

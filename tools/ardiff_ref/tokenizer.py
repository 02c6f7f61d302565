"""A small BERT WordPiece tokenizer and the matching detokenizer (for fixtures and tests).

Encoding (BERT uncased): clean (drop NUL, U+FFFD and category C* characters except \t\n\r;
' ', \t, \n, \r and Zs -> ' '; CJK ideographs get spaces around them), lowercase, strip accents (NFD, drop Mn), split on whitespace and on punctuation (ASCII
punctuation ranges and Unicode P*), then greedy longest-match-first WordPiece with '##'
continuations; a word longer than 100 chars or with no match becomes [UNK].
Source = [CLS] + pieces[:max_len-2] + [SEP].

Decoding = HF `decode(ids, skip_special_tokens=True)` with the fast tokenizer of
transformers 4.25 / tokenizers 0.13: drop the ids of [PAD] [UNK] [CLS] [SEP] [MASK];
join the tokens with ' '; delete every ' ##'; then clean-up replacements in this order:
' .'->'.', ' ?'->'?', ' !'->'!', ' ,'->',', " ' "->"'", " n't"->"n't", " 'm"->"'m",
" 's"->"'s", " 've"->"'ve", " 're"->"'re".
"""
import unicodedata

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
CLEANUP = ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
           (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"))


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_space(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_cjk(ch):
    cp = ord(ch)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_split(text, lowercase=True):
    out = []
    for ch in text:
        if ord(ch) == 0 or ord(ch) == 0xFFFD or _is_control(ch):
            continue
        if _is_cjk(ch):
            out.append(" %s " % ch)
        else:
            out.append(" " if _is_space(ch) else ch)
    text = "".join(out)
    words = []
    for w in text.split():
        if lowercase:
            w = unicodedata.normalize("NFD", w.lower())
            w = "".join(c for c in w if unicodedata.category(c) != "Mn")
        cur = ""
        for ch in w:
            if _is_punct(ch):
                if cur:
                    words.append(cur)
                words.append(ch)
                cur = ""
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


class WordPiece:
    def __init__(self, vocab_list, lowercase=True):
        self.vocab = list(vocab_list)
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.lowercase = lowercase
        for t in SPECIALS:
            if t not in self.ids:
                raise ValueError("vocab lacks %s" % t)
        self.pad_id, self.unk_id = self.ids["[PAD]"], self.ids["[UNK]"]
        self.cls_id, self.sep_id = self.ids["[CLS]"], self.ids["[SEP]"]
        self.mask_id = self.ids["[MASK]"]
        self.special_ids = {self.ids[t] for t in SPECIALS}

    @classmethod
    def from_file(cls, path, lowercase=True):
        with open(path, encoding="utf-8") as f:
            return cls([line.rstrip("\n") for line in f], lowercase)

    def _word(self, w):
        if len(w) > 100:
            return [self.unk_id]
        pieces, start = [], 0
        while start < len(w):
            end = len(w)
            while end > start:
                sub = w[start:end] if start == 0 else "##" + w[start:end]
                if sub in self.ids:
                    break
                end -= 1
            if end == start:
                return [self.unk_id]
            pieces.append(self.ids[sub])
            start = end
        return pieces

    def tokenize(self, text):
        ids = []
        for w in basic_split(text, self.lowercase):
            ids.extend(self._word(w))
        return ids

    def encode_source(self, text, max_len):
        body = self.tokenize(text)[: max_len - 2]
        return [self.cls_id] + body + [self.sep_id]

    def decode(self, ids):
        toks = [self.vocab[i] for i in ids if i not in self.special_ids]
        s = " ".join(toks).replace(" ##", "")
        for a, b in CLEANUP:
            s = s.replace(a, b)
        return s


_ASCII_SKIP = frozenset(" \t\n\v\f\r!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def sentence_case(text):
    """[generate] case = sentence (ardiff's ad_sentence_case): skip ASCII spaces and ASCII
    punctuation; if the first other character is a-z, upper-case it; else return text as is."""
    for i, ch in enumerate(text):
        if ch in _ASCII_SKIP:
            continue
        if "a" <= ch <= "z":
            return text[:i] + ch.upper() + text[i + 1:]
        return text
    return text

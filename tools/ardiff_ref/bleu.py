"""Sentence BLEU as the official AR-Diffusion MBR computes it (spec section 4.6).

The official code (eval_utils/mbr/mbr_select.py) scores with the vendored pymteval module:
BLEUScore(max_ngram=4, case_sensitive=False, smoothing=1.0), one hypothesis, one reference.
This is our own implementation of that definition:

Tokenisation (mteval-v13a style, applied to the raw string, in this order):
  1. delete "<skipped>" and "-\\n"; "\\n" -> " "; "&quot;" -> '"', "&amp;" -> "&",
     "&lt;" -> "<", "&gt;" -> ">" (each a separate left-to-right pass);
  2. pad with one space on both sides;
  3. put spaces around every character of PUNCT (ASCII 32-38, 40-43, 47, 58-64, 91-96,
     123-126: not the apostrophe, comma, hyphen, period or digits);
  4. "." or "," after a non-digit: "X." -> "X . "; then "." or "," before a non-digit:
     ".X" -> " . X"; then "-" after a digit: "9-" -> "9 - " (each a left-to-right pass over
     non-overlapping two-character matches, as re.sub does);
  5. collapse runs of whitespace (str.isspace, Unicode) to one space, strip, split on " ".
     The empty string therefore gives one empty token [""].
Matching is case-insensitive: n-grams compare str.lower() of each token.

Score, with L_h, L_r the token counts and h_n the clipped n-gram matches:
  p_n  = max(h_n + 1, 1e-15) / max(L_h - n + 1 + 1, 1e-9)      (n = 1..4; L_h - n + 1 may be
         negative for short hypotheses, and then the precision is huge: a quirk we keep)
  BP   = exp(1 - L_r / L_h) if L_h <= L_r else 1
  BLEU = BP * exp(0.25 * sum_n log p_n)
The result can exceed 1 for hypotheses shorter than 3 tokens. runtime/engine/mbr.c implements
the same; tests/fixtures/mbr/cases.json (tools/make_mbr_goldens.py) ties the two together.
"""
import math
from collections import Counter

MAX_N = 4
SMOOTHING = 1.0
_PUNCT = frozenset(chr(c) for c in [*range(32, 39), *range(40, 44), 47, *range(58, 65),
                                    *range(91, 97), *range(123, 127)])
_ENTITIES = (("<skipped>", ""), ("-\n", ""), ("\n", " "), ("&quot;", '"'), ("&amp;", "&"),
             ("&lt;", "<"), ("&gt;", ">"))


def _pair_pass(s, first, second, template):
    """One re.sub-like pass over two-character matches first(a) and second(b): replaces the
    pair with template.format(a, b), scanning left to right without overlaps."""
    out, i = [], 0
    while i < len(s):
        if i + 1 < len(s) and first(s[i]) and second(s[i + 1]):
            out.append(template.format(s[i], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _digit(c):
    return "0" <= c <= "9"


def tokenize(sent):
    """mteval-13a-style tokens of sent (see the module docstring)."""
    for old, new in _ENTITIES:
        sent = sent.replace(old, new)
    sent = " " + sent + " "
    sent = "".join(" " + c + " " if c in _PUNCT else c for c in sent)
    sent = _pair_pass(sent, lambda c: not _digit(c), lambda c: c in ".,", "{0} {1} ")
    sent = _pair_pass(sent, lambda c: c in ".,", lambda c: not _digit(c), " {0} {1}")
    sent = _pair_pass(sent, _digit, lambda c: c == "-", "{0} {1} ")
    return " ".join(sent.split()).split(" ")


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def sentence_bleu(hyp: str, ref: str) -> float:
    """BLEU of hypothesis hyp against the single reference ref (pymteval, smoothing 1.0)."""
    h = [t.lower() for t in tokenize(hyp)]
    r = [t.lower() for t in tokenize(ref)]
    log_sum = 0.0
    for n in range(1, MAX_N + 1):
        hn, rn = _ngrams(h, n), _ngrams(r, n)
        hits = sum(min(c, rn[g]) for g, c in hn.items())
        num = max(hits + SMOOTHING, 1e-15)
        den = max((len(h) - n + 1) + SMOOTHING, 1e-9)
        log_sum += math.log(num / den)
    bp = 1.0
    if len(h) <= len(r):
        bp = math.exp(1.0 - len(r) / float(len(h) if len(h) else 1e-5))
    return bp * math.exp((1.0 / MAX_N) * log_sum)

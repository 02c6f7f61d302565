"""Sentence BLEU and MBR selection (tools/ardiff_ref/bleu.py, mbr.py).

pymteval is not installable from PyPI, so the tokenisation is checked against an independent
regex formulation of the mteval-v13a rules written here, and the scores against values worked
out by hand from the pymteval definition (4-gram, +1 smoothing, brevity penalty).
"""
import math
import random
import re

import numpy as np
import pytest

from ardiff_ref.bleu import sentence_bleu, tokenize
from ardiff_ref.mbr import mbr_select, mean_like_numpy


def regex_tokenize(s):
    """The mteval-v13a rules as regular expressions (an independent oracle for tokenize)."""
    for pat, rep in ((r"<skipped>", ""), (r"-\n", ""), (r"\n", " "), (r"&quot;", '"'),
                     (r"&amp;", "&"), (r"&lt;", "<"), (r"&gt;", ">")):
        s = re.sub(pat, rep, s)
    s = " " + s + " "
    s = re.sub(r"([\x20-\x26\x28-\x2b\x2f\x3a-\x40\x5b-\x60\x7b-\x7e])", r" \1 ", s)
    s = re.sub(r"([^0-9])([.,])", r"\1 \2 ", s)
    s = re.sub(r"([.,])([^0-9])", r" \1 \2", s)
    s = re.sub(r"([0-9])(-)", r"\1 \2 ", s)
    return re.sub(r"\s+", " ", s).strip().split(" ")


EDGE = ["", " ", "a", "a.,b", "1,000.5", "3-4-5", "x-\ny", "&amp;lt;", "..", ",.,", "9.",
        ".9", "-9-", "a\u00a0b\u3000c\x1cd", "it's", "(x)", "U.S.", "5,", ",5", "İ Σ"]


@pytest.mark.parametrize("s", EDGE)
def test_tokenize_edge_cases_match_regex_oracle(s):
    assert tokenize(s) == regex_tokenize(s)


def test_tokenize_random_strings_match_regex_oracle():
    rng = random.Random(7)
    alphabet = "ab9 0.,-'\"&;<>!?()[]{}|\\/~`^_@#$%*+=:\n\t\u00a0\u2028é中" + "&amp;&quot;"
    for _ in range(3000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        assert tokenize(s) == regex_tokenize(s), repr(s)


def test_tokenize_examples():
    assert tokenize("") == [""]
    assert tokenize("Hello, world.") == ["Hello", ",", "world", "."]
    assert tokenize("1,000.5 3-4 x-y") == ["1,000.5", "3", "-", "4", "x-y"]
    assert tokenize("it's $5") == ["it's", "$", "5"]


def test_bleu_hand_computed():
    # unigram 5/6, bigram 3/5, trigram 2/4, 4-gram 1/3 hits, each +1 smoothed; equal lengths
    want = (6 / 7 * 4 / 6 * 3 / 5 * 2 / 4) ** 0.25
    assert sentence_bleu("the cat sat on the mat", "the cat sat on a mat") == pytest.approx(
        want, rel=1e-14)
    assert sentence_bleu("a b c d e", "a b c d e") == 1.0


def test_bleu_brevity_penalty_and_short_hypothesis_quirk():
    # hyp of 2 tokens: 4-gram count is -1, +1 smoothing gives 0 -> clamped to 1e-9
    p = [(2 + 1) / (2 + 1), (1 + 1) / (1 + 1), 1 / 1, 1 / 1e-9]
    want = math.exp(1 - 6 / 2) * math.exp(0.25 * sum(math.log(x) for x in p))
    assert sentence_bleu("The Cat", "the cat sat on the mat") == pytest.approx(want, rel=1e-14)
    assert sentence_bleu("The Cat", "the cat sat on the mat") > 1.0
    # the empty string is one empty token
    assert sentence_bleu("", "") == pytest.approx(10 ** 4.5, rel=1e-12)


def test_bleu_case_insensitive_and_asymmetric():
    assert sentence_bleu("THE Cat SAT on", "the cat sat ON") == 1.0
    a, b = "a b c d e f g h", "a b c d"
    assert sentence_bleu(a, b) != sentence_bleu(b, a)


def test_mean_like_numpy_is_bit_exact():
    rng = random.Random(3)
    for n in list(range(1, 40)) + [127, 128, 129, 255, 256, 499, 1000]:
        x = [rng.random() * 10 ** rng.randint(-6, 6) for _ in range(n)]
        assert mean_like_numpy(x) == float(np.mean(np.array(x)))


def test_mbr_identical_candidates_pick_highest_index():
    assert mbr_select(["same words here"] * 5)[0] == 4


def test_mbr_single_candidate():
    assert mbr_select(["only"]) == (0, [0.0])
    with pytest.raises(ValueError):
        mbr_select([])


def test_mbr_outlier_never_chosen():
    base = "the quick brown fox jumps over the lazy dog"
    rng = random.Random(11)
    for _ in range(50):
        words = base.split()
        cands = []
        for _ in range(6):
            w = list(words)
            w[rng.randrange(len(w))] = rng.choice(["cat", "red", "big", "slow"])
            cands.append(" ".join(w))
        pos = rng.randrange(7)
        cands.insert(pos, "completely unrelated sentence about the weather today")
        assert mbr_select(cands)[0] != pos


def test_mbr_tie_goes_to_highest_index():
    choice, scores = mbr_select(["x y z w", "a b c d", "x y z w", "a b c d"])
    assert len(set(scores)) == 1 and choice == 3


def test_mbr_direction_candidate_is_the_reference():
    cands = ["a b c d e f g h", "a b c d", "a b c d e f"]
    choice, scores = mbr_select(cands)
    for j in range(3):
        util = [sentence_bleu(cands[m], cands[j]) for m in range(3) if m != j]
        assert scores[j] == mean_like_numpy(util)
    # the reversed direction (candidate as hypothesis) gives different scores
    rev = [mean_like_numpy([sentence_bleu(cands[j], cands[m]) for m in range(3) if m != j])
           for j in range(3)]
    assert rev != scores


def test_avoid_repeats_rule():
    """[generate] repeats = avoid: the best MBR score among candidates without a back-to-back
    repeated word, ties to the highest index; the MBR choice when all repeat."""
    from ardiff_ref.generate import avoid_repeats
    c = ["a a b", "x y", "p q", "c c"]
    assert avoid_repeats(c, [0.9, 0.5, 0.5, 0.1], 0) == 2      # tie between 1 and 2 -> 2
    assert avoid_repeats(c, [0.9, 0.6, 0.5, 0.1], 0) == 1
    assert avoid_repeats(["a a", "b b"], [0.2, 0.3], 1) == 1    # every candidate repeats
    assert avoid_repeats(["x y"], [0.0], 0) == 0

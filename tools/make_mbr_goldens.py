#!/usr/bin/env python3
"""Writes tests/fixtures/mbr/cases.json from the Python MBR reference (tools/ardiff_ref/bleu.py,
tools/ardiff_ref/mbr.py); tests/test_mbr.c checks runtime/engine/mbr.c against it:
  tokenize  [{"text", "tokens"}]             mteval-13a tokens (before lowercasing)
  bleu      [{"hyp", "ref", "bleu"}]          sentence BLEU, hyp against ref
  mbr       [{"name", "candidates", "scores", "choice", "avoid_choice"}]
            avoid_choice: the choice under [generate] repeats = avoid (ardiff_ref.generate)
  repeats   [{"text", "repeat"}]              back-to-back repeated word (metrics.has_repeat)
Floats are written with repr() (round-trip exact). Deterministic: random cases use fixed seeds.

Usage: python3 tools/make_mbr_goldens.py
"""
import json
import os
import random
import sys

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
from ardiff_ref.bleu import sentence_bleu, tokenize  # noqa: E402
from ardiff_ref.generate import avoid_repeats  # noqa: E402
from ardiff_ref.mbr import mbr_select  # noqa: E402
from ardiff_ref.metrics import has_repeat  # noqa: E402

OUT = os.path.join(os.path.dirname(TOOLS), "tests", "fixtures", "mbr", "cases.json")

TOKENIZE = [
    "", " ", "a", "Hello, world.", "a.,b 1,000.5 3-4 x-y -5 5- 1.5.", "&amp;lt; &quot;x&quot;",
    "<skipped>a-\nb\nc", "it's $5 (ok)! {x}[y]|z~`^_@?>=<;:/", "U.S.A. e.g. i.e.",
    "dots... and,,commas ,. .,", "9-9-9 a-9 9-a", "tab\there\x0bvt\x1cfs nbsp\u00a0x ideo\u3000y",
    "Café RÉSUMÉ İstanbul ΣΟΦΟΣ", "中文，标点。", "emoji 😀👍!", "  lead and trail  ", "#1 @2 %3 &4 *5",
]

BLEU = [
    ("the cat sat on the mat", "the cat sat on the mat"),
    ("the cat sat on the mat", "the cat sat on a mat"),
    ("the cat sat on a mat", "the cat sat on the mat"),
    ("The Cat", "the cat sat on the mat"),
    ("the cat sat on the mat", "The Cat"),
    ("", ""), ("", "a b c d e"), ("a b c d e", ""), ("a", "a"), ("a b", "a b"), ("a b c", "a b c"),
    ("a", "b c d e f g h i j"), ("x y z", "a b c"), ("hello , world .", "Hello, world."),
    ("he said \"no\" ( twice )", "he said no twice"), ("1,000 people", "1 , 000 people"),
    ("café", "CAFÉ"), ("İ", "i\u0307"), ("the the the the", "the cat"),
    ("a b c d e f g h", "h g f e d c b a"),
]

REPEATS = [
    "", "a", "a a", "A a", "a b a", "a man sitting sitting on a bench.", "a truck, truck.",
    "a_a", "a-a", "a1 a1", "a 1 1", "10 10", "the the", "thethe", "sitting sittings",
    "café CAFÉ", "ΣΟΦΙΑ σοφια", "中文 中文", "中文中文", "x\u0301 x\u0301", "emoji 😀 😀 ok",
    "a.  .a", "end end.", " lead lead", "i İ", "bike bicycle", "2 2nd",
]

WORDS = ("the a cat dog sat on mat rug big small red blue , . and of to in it is was "
         "he she they said 1 2 3 10").split()


def random_sentence(rng, lo=0, hi=14):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def mbr_cases():
    rng = random.Random(20230515)
    base = "the cat sat on the mat ."
    cases = [
        ("k1", ["only one candidate"]),
        ("k1_empty", [""]),
        ("k2_identical", ["same words here", "same words here"]),
        ("k2_asymmetric", ["a b c d e f g h", "a b c d"]),
        ("k3_identical", [base] * 3),
        ("k4_all_empty", ["", "", "", ""]),
        ("tie_pairs", ["x y z w", "a b c d", "x y z w", "a b c d"]),
        ("outlier", [base, base, "completely different words here !", base.replace("mat", "rug"),
                     base]),
        ("empties_mixed", ["", "the cat", "", "the cat sat", "cat"]),
        ("unicode_punct", ["Café « résumé » — 100%!", "cafe resume 100 %", "CAFÉ « RÉSUMÉ »",
                           "中文 标点 。", "café résumé 100%"]),
        ("numbers", ["1,000.5 items", "1 , 000 . 5 items", "1,000.5 ITEMS", "3-4 items", "items"]),
        ("k10_random", [random_sentence(rng) for _ in range(10)]),
        ("k10_near_duplicates", [base.replace("cat", w) for w in WORDS[:10]]),
        ("k50_random", [random_sentence(rng, 3, 20) for _ in range(50)]),
        ("k50_short", [random_sentence(rng, 0, 3) for _ in range(50)]),
        ("repeats_some", ["a man sitting sitting on a bench .", "a man sitting sitting on a bench .",
                          "a man sitting sitting on the bench .", "a woman is standing here .",
                          "a man man sitting on a bench ."]),
        ("repeats_all", ["a a b", "c c d", "a b b", "a a b"]),
        ("repeats_tie", ["p q r", "x y y", "p q r", "x y y", "x y y"]),
    ]
    out = []
    for name, c in cases:
        choice, scores = mbr_select(c)
        out.append((name, c, choice, scores, avoid_repeats(c, scores, choice)))
    return out


def main():
    data = {
        "tokenize": [{"text": t, "tokens": tokenize(t)} for t in TOKENIZE],
        "bleu": [{"hyp": h, "ref": r, "bleu": sentence_bleu(h, r)} for h, r in BLEU],
        "mbr": [{"name": n, "candidates": c, "scores": s, "choice": ch, "avoid_choice": av}
                for n, c, ch, s, av in mbr_cases()],
        "repeats": [{"text": t, "repeat": has_repeat(t)} for t in REPEATS],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(data['tokenize'])} tokenize, {len(data['bleu'])} bleu, "
          f"{len(data['mbr'])} mbr, {len(data['repeats'])} repeats cases")


if __name__ == "__main__":
    main()

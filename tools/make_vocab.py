"""Train a BERT-compatible WordPiece vocabulary on a train split (src + tgt), reproducibly.

    python3 tools/make_vocab.py --size 6000 --out studies/models/commongen-small/vocab.txt
    python3 tools/make_vocab.py --measure 4000 6000 8000      # compare sizes, write nothing
    python3 tools/make_vocab.py --data ../shared/data/aeslc --size 6000 --out studies/models/aeslc-small/vocab.txt
                                        # train.src.gz is read when train.src is absent

Uses HF `tokenizers` (BertNormalizer: clean text, CJK spacing, strip accents, lowercase;
BertPreTokenizer: whitespace + punctuation split; WordPieceTrainer with '##' continuations),
i.e. exactly BERT's basic tokenizer followed by greedy WordPiece, which is what ardiff's C
tokenizer and ardiff_ref.tokenizer implement. Specials come first in BERT order:
[PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4. Only train.* is read (never test.*).
"""
import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
BERT_VOCAB = 30522


def read_lines(path):
    """Lines of path, or of path.gz when only that exists (AESLC ships train.src.gz)."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        import gzip
        with gzip.open(path + ".gz", "rt", encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def train_vocab(lines, size, min_frequency=2):
    """-> list of tokens in id order (specials first)."""
    # tokenizers' parallel trainer breaks count ties in thread order: run it single-threaded
    # so that the same input gives the same vocabulary (checked: identical files across runs)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    os.environ["RAYON_NUM_THREADS"] = "1"
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    tk = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tk.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                               strip_accents=True, lowercase=True)
    tk.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tr = trainers.WordPieceTrainer(vocab_size=size, min_frequency=min_frequency,
                                   special_tokens=SPECIALS, continuing_subword_prefix="##",
                                   show_progress=False)
    tk.train_from_iterator(lines, trainer=tr)
    vocab = tk.get_vocab()
    if sorted(vocab.values()) != list(range(len(vocab))) or any(vocab[t] != i for i, t in
                                                                enumerate(SPECIALS)):
        raise RuntimeError("unexpected vocabulary layout from tokenizers")
    # tokenizers assigns ids in hash-map order, which differs between runs; the token SET is
    # what training determines, so write it in a canonical order: specials, whole words,
    # then '##' continuations, each by (length, text).
    rest = sorted((t for t in vocab if t not in SPECIALS),
                  key=lambda t: (t.startswith("##"), len(t), t))
    return SPECIALS + rest


def measure(vocab, data_dir, tgt_len):
    """Tokenisation statistics of train/valid targets under `vocab` (ardiff_ref WordPiece)."""
    sys.path.insert(0, os.path.join(REPO, "tools"))
    from ardiff_ref.tokenizer import WordPiece, basic_split
    wp = WordPiece(vocab)
    out = {"size": len(vocab), "head_cost_vs_bert": len(vocab) / BERT_VOCAB}
    for split in ("train", "valid"):
        tgt = read_lines(os.path.join(data_dir, split + ".tgt"))
        src = read_lines(os.path.join(data_dir, split + ".src"))
        lens = [len(wp.tokenize(t)) + 2 for t in tgt]            # + [CLS] [SEP]
        ids = [i for t in tgt + src for i in wp.tokenize(t)]
        words = sum(len(basic_split(t)) for t in tgt)
        lens.sort()
        out[split] = {"mean_len": sum(lens) / len(lens), "p99_len": lens[int(0.99 * len(lens))],
                      "max_len": lens[-1],
                      "truncated_%d" % tgt_len: sum(l > tgt_len for l in lens) / len(lens),
                      "pieces_per_word": (sum(lens) - 2 * len(lens)) / words,
                      "unk_rate": sum(i == wp.unk_id for i in ids) / len(ids)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data", "commongen"))
    ap.add_argument("--size", type=int, default=6000)
    ap.add_argument("--min_frequency", type=int, default=2)
    ap.add_argument("--out", help="write vocab.txt here")
    ap.add_argument("--measure", type=int, nargs="*", help="report statistics for these sizes")
    ap.add_argument("--tgt_len", type=int, default=24, help="truncation length to report")
    args = ap.parse_args()
    lines = (read_lines(os.path.join(args.data, "train.src"))
             + read_lines(os.path.join(args.data, "train.tgt")))
    if args.measure:
        import json
        for size in args.measure:
            v = train_vocab(lines, size, args.min_frequency)
            print(json.dumps(measure(v, args.data, args.tgt_len)))
    if args.out:
        vocab = train_vocab(lines, args.size, args.min_frequency)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("".join(t + "\n" for t in vocab))
        print("wrote %s (%d tokens)" % (args.out, len(vocab)), file=sys.stderr)


if __name__ == "__main__":
    main()

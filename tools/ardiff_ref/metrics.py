"""Evaluation metrics: pure functions over strings (hypotheses, lists of references).

Each corpus function takes `hyps` (one string per input) and `refs` (one list of reference
strings per input, 1 or more) and returns a dict of scores plus a signature string that says
exactly how they were computed. Scores are on the scale papers print: BLEU and ROUGE in
0..100, coverage in 0..100, CIDEr as pycocoevalcap returns it (CIDEr-D, which already includes
its x10; CommonGen's tables print this value x10 again, COCO's x100).

* `sacrebleu_corpus`: corpus BLEU with sacrebleu's defaults (13a, exp smoothing, mixed case)
  and its signature; a variable number of references per input is allowed.
* `sacrebleu_seqdiffuseq`, `sacrebleu_dinoiser`: the two SacreBLEUs the official IWSLT14
  evaluation prints (spec §8): (a) hypotheses and references through the Moses tokenizer then
  the Moses detokenizer of the target language (sacremoses' defaults: the tokenizer escapes
  & < > ' " [ ] | as XML entities, the detokenizer unescapes them), then sacrebleu's defaults;
  (b) split on whitespace and Moses-detokenized, then sacrebleu with tokenize 13a for an
  English target and intl otherwise. On fairseq-style references, which hold `&apos;`-like
  entities, the two differ: (a) cuts an entity into pieces (`it &apos;s` -> `it & apos; s`),
  (b) restores the character (`it's`).
* `rouge_corpus`: ROUGE-1/2/L F-measure from `rouge-score` with the Porter stemmer
  (use_stemmer=True, its default tokenizer: lowercase, non-alphanumerics become spaces); with
  several references the best F per ROUGE type (rouge-score's `score_multi`), then the mean
  over inputs.
* `coco_bleu_cider`: BLEU-1..4 (option 'closest') and CIDEr-D (sigma 6) from `pycocoevalcap`,
  after the coco-caption PTB tokenizer (Stanford CoreNLP 3.4.1 jar, -lowerCase, punctuation
  tokens removed; needs `java`). When java is missing or the tokenizer fails, it falls back
  to `simple_tokenize` and says so in the signature. CIDEr's document frequencies come from the
  references of the inputs scored, so CIDEr depends on the set evaluated (e.g. --limit).
* `concept_coverage`: the fraction of a CommonGen concept set found in a sentence, under the
  loose lemma rule of `concept_forms`.
"""
import contextlib
import io
import re
import shutil

# the coco-caption PTB tokenizer drops these tokens (pycocoevalcap/tokenizer/ptbtokenizer.py)
PTB_PUNCTUATION = frozenset(["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-",
                             ".", "?", "!", ",", ":", "-", "--", "...", ";"])
SIMPLE_TOKENIZER = ("simple fallback: lowercase, split into runs of letters/digits and single "
                    "other characters, drop the coco-caption punctuation tokens")
PTB_TOKENIZER = ("coco-caption PTBTokenizer (stanford-corenlp-3.4.1, -preserveLines "
                 "-lowerCase, punctuation tokens removed)")


def _check(hyps, refs):
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} reference lists")
    if not hyps:
        raise ValueError("nothing to score")
    for i, r in enumerate(refs):
        if not r or not all(isinstance(s, str) for s in r):
            raise ValueError(f"input {i}: references must be a non-empty list of strings")


# ---------------------------------------------------------------- SacreBLEU
def sacrebleu_corpus(hyps, refs, tokenize=None):
    """Corpus SacreBLEU, sacrebleu's defaults; tokenize: another of its tokenizers ('intl').
    -> {'bleu', 'signature'}."""
    from sacrebleu.metrics import BLEU
    _check(hyps, refs)
    nref = max(len(r) for r in refs)
    # sacrebleu wants one stream per reference position; None pads shorter reference lists
    streams = [[r[j] if j < len(r) else None for r in refs] for j in range(nref)]
    bleu = BLEU() if tokenize is None else BLEU(tokenize=tokenize)
    score = bleu.corpus_score(list(hyps), streams)
    return {"bleu": score.score, "signature": str(bleu.get_signature())}


# ---------------------------------------------------------------- IWSLT14's two SacreBLEUs
def moses_roundtrip(lang):
    """-> f(text): the Moses tokenizer, then the Moses detokenizer, of language `lang`
    (sacremoses' defaults), as the official IWSLT evaluation's "seqdiffuseq" score prepares
    hypotheses and references."""
    from sacremoses import MosesDetokenizer, MosesTokenizer
    mt, md = MosesTokenizer(lang=lang), MosesDetokenizer(lang=lang)
    return lambda text: md.detokenize(mt.tokenize(text))


def moses_detok_words(lang):
    """-> f(text): the words of text (split on whitespace) through the Moses detokenizer of
    `lang`, as the official IWSLT evaluation's "dinoiser" score prepares them."""
    from sacremoses import MosesDetokenizer
    md = MosesDetokenizer(lang=lang)
    return lambda text: md.detokenize(text.split())


def _prepared_bleu(hyps, refs, prepare, tokenize, how):
    _check(hyps, refs)
    out = sacrebleu_corpus([prepare(h) for h in hyps], [[prepare(r) for r in rr] for rr in refs],
                           tokenize)
    out["signature"] += f"|{how} (sacremoses {_dist_version('sacremoses')})"
    return out


def sacrebleu_seqdiffuseq(hyps, refs, lang):
    """IWSLT14 (a) "seqdiffuseq sacrebleu": Moses tokenize + detokenize for the target language
    `lang` ('en', 'de'), then corpus SacreBLEU with its defaults. -> {'bleu', 'signature'}."""
    return _prepared_bleu(hyps, refs, moses_roundtrip(lang), None,
                          f"hyps and refs Moses-tokenized then detokenized, lang {lang}")


def dinoiser_tokenize(lang):
    """The sacrebleu tokenizer of the "dinoiser" score: 13a for English, intl otherwise."""
    return "13a" if lang == "en" else "intl"


def sacrebleu_dinoiser(hyps, refs, lang):
    """IWSLT14 (b) "dinoiser sacrebleu": whitespace split, Moses detokenizer for `lang`, then
    corpus SacreBLEU with tokenize 13a (English target) or intl. -> {'bleu', 'signature'}."""
    return _prepared_bleu(hyps, refs, moses_detok_words(lang), dinoiser_tokenize(lang),
                          f"hyps and refs split on whitespace, Moses-detokenized, lang {lang}")


# ---------------------------------------------------------------- ROUGE
def rouge_corpus(hyps, refs, types=("rouge1", "rouge2", "rougeL")):
    """Mean ROUGE F (x100) per type from rouge-score, stemmed, best reference per type."""
    import rouge_score
    from rouge_score import rouge_scorer
    _check(hyps, refs)
    scorer = rouge_scorer.RougeScorer(list(types), use_stemmer=True)
    total = {t: 0.0 for t in types}
    for h, r in zip(hyps, refs):
        s = scorer.score_multi(r, h) if len(r) > 1 else scorer.score(r[0], h)
        for t in types:
            total[t] += s[t].fmeasure
    out = {t: 100.0 * v / len(hyps) for t, v in total.items()}
    version = getattr(rouge_score, "__version__", _dist_version("rouge-score"))
    out["signature"] = (f"rouge-score {version}|F-measure|use_stemmer=True (Porter)|"
                        "default tokenizer|multi-ref: best F per type|mean over inputs x100")
    return out


# ---------------------------------------------------------------- coco-caption BLEU / CIDEr
def simple_tokenize(text):
    """The documented fallback for the PTB tokenizer (see SIMPLE_TOKENIZER)."""
    toks = re.findall(r"[^\W_]+|[^\w\s]|_", text.lower())
    return " ".join(t for t in toks if t not in PTB_PUNCTUATION)


def ptb_tokenize(texts):
    """coco-caption PTB tokenization of a list of strings (same order). Raises on failure."""
    if shutil.which("java") is None:
        raise RuntimeError("java not found")
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
    # empty strings are kept out: an empty last line would shift the tokenizer's output lines
    idx = [i for i, t in enumerate(texts) if t.strip()]
    flat = {i: [{"caption": " ".join(texts[i].split())}] for i in idx}
    with contextlib.redirect_stdout(io.StringIO()):
        tok = PTBTokenizer().tokenize(flat) if flat else {}
    if sorted(tok) != idx or any(len(v) != 1 for v in tok.values()):
        raise RuntimeError("PTB tokenizer output does not line up with its input")
    out = [""] * len(texts)
    for i in idx:
        out[i] = tok[i][0]
    return out


def tokenize_for_coco(texts, tokenizer="ptb"):
    """-> (tokenized texts, description). tokenizer: 'ptb' (fallback to simple) or 'simple'."""
    if tokenizer == "ptb":
        try:
            return ptb_tokenize(texts), PTB_TOKENIZER
        except Exception as e:  # noqa: BLE001 -- any failure means the documented fallback
            return [simple_tokenize(t) for t in texts], f"{SIMPLE_TOKENIZER} (PTB failed: {e})"
    if tokenizer == "simple":
        return [simple_tokenize(t) for t in texts], SIMPLE_TOKENIZER
    raise ValueError(f"unknown tokenizer {tokenizer!r}")


def coco_bleu_cider(hyps, refs, tokenizer="ptb"):
    """BLEU-1..4 (x100) and CIDEr-D as pycocoevalcap computes them, after tokenization."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    _check(hyps, refs)
    flat = list(hyps) + [s for r in refs for s in r]
    tok, how = tokenize_for_coco(flat, tokenizer)
    res, gts, pos = {}, {}, len(hyps)
    for i, r in enumerate(refs):
        res[i] = [tok[i]]
        gts[i] = tok[pos:pos + len(r)]
        pos += len(r)
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
        cider, _ = Cider().compute_score(gts, res)
    out = {f"bleu{n + 1}": 100.0 * b for n, b in enumerate(bleu)}
    out["cider"] = float(cider)
    out["tokenizer"] = "ptb" if how == PTB_TOKENIZER else "simple"
    out["signature"] = (f"pycocoevalcap {_dist_version('pycocoevalcap')}|Bleu(4) option=closest"
                        f"|CIDEr-D sigma=6 (df over the scored references)|tokenizer: {how}")
    return out


# ---------------------------------------------------------------- CommonGen concept coverage
COVERAGE_RULE = ("a concept c is covered when a lowercase word of the output (runs of letters/"
                 "digits) equals c, c+s, c+es, c+d, c+ed, c+ing, or, for c ending in e, "
                 "c[:-1]+ing; for c ending in consonant+y, c[:-1]+ies/ied; for c ending in "
                 "consonant-vowel-consonant, c+c[-1]+ed/ing (run -> running); irregular forms "
                 "(stand -> stood) do not count")


def concept_forms(concept):
    """The word forms that count as the concept (COVERAGE_RULE)."""
    c = concept.lower()
    forms = {c, c + "s", c + "es", c + "d", c + "ed", c + "ing"}
    vowels = "aeiou"
    if len(c) > 2 and c.endswith("e"):
        forms.add(c[:-1] + "ing")
    if len(c) > 2 and c.endswith("y") and c[-2] not in vowels:
        forms.update({c[:-1] + "ies", c[:-1] + "ied"})
    if len(c) > 2 and c[-1] not in vowels + "wxy" and c[-2] in vowels and c[-3] not in vowels:
        forms.update({c + c[-1] + "ed", c + c[-1] + "ing"})
    return forms


def concept_coverage(hyp, concepts):
    """Fraction (0..1) of `concepts` (a list of words) covered by the string `hyp`."""
    if not concepts:
        raise ValueError("empty concept set")
    words = set(re.findall(r"[^\W_]+", hyp.lower()))
    return sum(bool(concept_forms(c) & words) for c in concepts) / len(concepts)


def coverage_corpus(hyps, concept_sets):
    """Mean coverage (x100) and the fraction of inputs with every concept covered (x100)."""
    if len(hyps) != len(concept_sets) or not hyps:
        raise ValueError("hypotheses and concept sets must be non-empty and line up")
    cov = [concept_coverage(h, c) for h, c in zip(hyps, concept_sets)]
    return {"coverage": 100.0 * sum(cov) / len(cov),
            "all_covered": 100.0 * sum(c == 1.0 for c in cov) / len(cov),
            "signature": "coverage: " + COVERAGE_RULE}


REPEAT_RULE = ("an output repeats when two neighbouring lowercase words (runs of letters/digits) "
               "are equal ('sitting sitting'); punctuation between them does not separate them")


def has_repeat(hyp):
    """True when `hyp` has a back-to-back repeated word (REPEAT_RULE)."""
    words = re.findall(r"[^\W_]+", hyp.lower())
    return any(a == b for a, b in zip(words, words[1:]))


def repetition_corpus(hyps):
    """Percentage of outputs with a back-to-back repeated word (issue 17's fluency check)."""
    if not hyps:
        raise ValueError("no hypotheses")
    return {"repeat": 100.0 * sum(map(has_repeat, hyps)) / len(hyps),
            "signature": "repeat: " + REPEAT_RULE}


def distinct_corpus(hyps, inputs):
    """Collapse check: distinct outputs over distinct inputs (x100, capped at 100), where the
    output of an input given several times is its first one."""
    if len(hyps) != len(inputs) or not hyps:
        raise ValueError("hypotheses and inputs must be non-empty and line up")
    first = {}
    for x, h in zip(inputs, hyps):
        first.setdefault(x, h)
    outs = set(first.values())
    return {"distinct": 100.0 * len(outs) / len(first),
            "signature": "distinct: distinct outputs / distinct inputs (first output of each "
                         "input), x100"}


def _dist_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001 -- only a label
        return "unknown"

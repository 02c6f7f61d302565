"""Metrics (ardiff_ref.metrics) and the evaluate command on small hand-checked cases.

Needs the PyPI packages that tools/setup.sh installs into the build's venv (sacrebleu,
rouge-score, pycocoevalcap); a missing one is an error here, never a skip.
"""
import json
import math

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from ardiff_ref import evaluate, metrics

HYPS = ["The dog runs in the park.", "A cat is sitting on the old couch.",
        "Kids dance in a small room."]
REFS = [["The dog runs in the park.", "A dog is running in a park."],
        ["The cat sits on a couch."],
        ["A kid is dancing in the room.", "Children dance in their room.", "Kids dance."]]


def test_sacrebleu_identical_and_disjoint():
    s = metrics.sacrebleu_corpus(["a man rides a red bike down the hill ."],
                                 [["a man rides a red bike down the hill ."]])
    assert s["bleu"] == pytest.approx(100.0)
    assert s["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    s = metrics.sacrebleu_corpus(["one two three four five"], [["six seven eight nine ten"]])
    assert s["bleu"] == 0.0


def test_sacrebleu_agrees_with_the_package_and_allows_variable_refs():
    got = metrics.sacrebleu_corpus(HYPS, REFS)
    streams = [[r[j] if j < len(r) else None for r in REFS] for j in range(3)]
    want = sacrebleu.corpus_bleu(HYPS, streams)
    assert got["bleu"] == pytest.approx(want.score, abs=1e-9)
    assert 0 < got["bleu"] < 100
    one = metrics.sacrebleu_corpus(HYPS, [[r[0]] for r in REFS])
    assert one["bleu"] == pytest.approx(sacrebleu.corpus_bleu(HYPS, [[r[0] for r in REFS]]).score)


def test_rouge_agrees_with_rouge_score_and_takes_the_best_reference():
    got = metrics.rouge_corpus(HYPS, REFS)
    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    for t in ("rouge1", "rouge2", "rougeL"):
        want = sum(max(sc.score(r, h)[t].fmeasure for r in rs) for h, rs in zip(HYPS, REFS))
        assert got[t] == pytest.approx(100 * want / len(HYPS), abs=1e-9)
    assert got["rouge1"] > got["rouge2"] > 0
    assert "use_stemmer=True" in got["signature"]
    # stemming: "running" and "runs" match "run"
    assert metrics.rouge_corpus(["runs"], [["running"]])["rouge1"] == pytest.approx(100.0)
    assert metrics.rouge_corpus(["cats sleep"], [["dogs bark"]])["rougeL"] == 0.0


@pytest.mark.parametrize("tokenizer", ["ptb", "simple"])
def test_coco_bleu_identical_disjoint(tokenizer):
    hyps = ["a man rides a red bike down the hill", "two dogs play with a ball on the grass"]
    got = metrics.coco_bleu_cider(hyps, [[h] for h in hyps], tokenizer)
    assert got["bleu3"] == pytest.approx(100.0) and got["bleu4"] == pytest.approx(100.0)
    # CIDEr-D: hypothesis = the only reference, no n-gram in every image -> cosine 1 per n,
    # no length penalty, times 10
    assert got["cider"] == pytest.approx(10.0)
    got = metrics.coco_bleu_cider(["zebra xylophone quartz", "violin umbrella kettle"],
                                  [[h] for h in hyps], tokenizer)
    assert got["bleu4"] < 1e-6 and got["cider"] == 0.0


def test_coco_tokenizers_agree_on_plain_text_and_ptb_is_used_with_java():
    got = metrics.coco_bleu_cider(HYPS, REFS, "ptb")
    simple = metrics.coco_bleu_cider(HYPS, REFS, "simple")
    assert got["tokenizer"] == "ptb", got["signature"]  # CI installs java (default-jre-headless)
    assert got["bleu4"] == pytest.approx(simple["bleu4"])
    assert got["cider"] == pytest.approx(simple["cider"])
    assert metrics.ptb_tokenize(["Kids' toys, don't!", "", "A dog."]) == \
        ["kids toys do n't", "", "a dog"]


def test_cider_one_image_is_zero_and_df_depends_on_the_scored_set():
    # with a single image every n-gram has df = 1 = number of images: idf 0, CIDEr 0
    one = metrics.coco_bleu_cider(["a dog runs"], [["a dog runs"]], "simple")
    assert one["cider"] == 0.0 and one["bleu3"] == pytest.approx(100.0)
    two = metrics.coco_bleu_cider(HYPS[:2], REFS[:2], "simple")
    three = metrics.coco_bleu_cider(HYPS, REFS, "simple")
    assert not math.isclose(two["cider"], three["cider"])


def test_simple_tokenize():
    assert metrics.simple_tokenize("The Dog's ball -- red, big!") == "the dog s ball red big"
    assert metrics.simple_tokenize("") == ""


@pytest.mark.parametrize("concept,word", [("dance", "dancing"), ("dance", "danced"),
                                          ("dance", "dances"), ("kid", "kids"),
                                          ("run", "running"), ("watch", "watches"),
                                          ("carry", "carries"), ("look", "looked"),
                                          ("field", "field")])
def test_concept_forms_covered(concept, word):
    assert word in metrics.concept_forms(concept)


def test_concept_coverage():
    assert metrics.concept_coverage("A kid is dancing in the room.", ["kid", "room", "dance"]) == 1
    # irregular forms do not count; case and punctuation do not matter
    assert metrics.concept_coverage("He stood, LOOKING at fields.",
                                    ["field", "stand", "look"]) == pytest.approx(2 / 3)
    assert metrics.concept_coverage("", ["dog"]) == 0
    assert metrics.concept_coverage("the hotdog", ["dog"]) == 0  # whole words only
    c = metrics.coverage_corpus(["dogs bark", "a cat"], [["dog", "bark"], ["cat", "sit"]])
    assert c["coverage"] == pytest.approx(75.0) and c["all_covered"] == pytest.approx(50.0)


def test_bad_inputs_fail():
    with pytest.raises(ValueError):
        metrics.sacrebleu_corpus(["a"], [])
    with pytest.raises(ValueError):
        metrics.rouge_corpus(["a"], [[]])
    with pytest.raises(ValueError):
        metrics.concept_coverage("a", [])


def _write(path, lines):
    path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")


def _fake_data(tmp_path):
    """A tiny stand-in for the shared data folder (the tests do not need the real one)."""
    d = tmp_path / "data" / "commongen"
    d.mkdir(parents=True)
    rows = [{"index": 0, "concepts": "dog run park", "refs": REFS[0]},
            {"index": 1, "concepts": "cat couch sit", "refs": REFS[1]},
            {"index": 2, "concepts": "kid room dance", "refs": REFS[2]}]
    _write(d / "valid.refs.jsonl", [json.dumps(r) for r in rows])
    (d / "test.refs.jsonl").write_text("never read\n")
    return str(tmp_path / "data"), rows


def test_evaluate_commongen_text_and_jsonl(tmp_path, capsys):
    data, rows = _fake_data(tmp_path)
    ev = evaluate.load_eval("commongen", data)
    assert ev["inputs"] == [r["concepts"] for r in rows] and ev["refs"] == REFS
    hyps = [r[0] for r in REFS[:2]]
    txt = tmp_path / "out.txt"
    _write(txt, hyps)
    args = ["--task", "commongen", "--data", data, "--limit", "2"]
    assert evaluate.main(args + ["--hyp", str(txt)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 2 and out["of"] == 3 and out["limit"] == 2
    assert out["scores"]["bleu4"] == pytest.approx(100.0)  # each output is one of its refs
    assert out["scores"]["coverage"] == pytest.approx(100.0)  # runs/run, sits/sit
    assert out["signatures"]["sacrebleu"].startswith("nrefs:var|")  # 2 refs, then 1
    js = tmp_path / "out.jsonl"
    _write(js, [json.dumps({"index": i, "source": rows[i]["concepts"], "output": h})
                for i, h in enumerate(hyps)])
    assert evaluate.main(args + ["--hyp", str(js)]) == 0
    assert json.loads(capsys.readouterr().out)["scores"] == out["scores"]
    # misaligned: a jsonl made for other inputs, or a count that does not match
    _write(js, [json.dumps({"index": 0, "source": "not the input", "output": "x"})])
    assert evaluate.main(["--task", "commongen", "--data", data, "--limit", "1",
                          "--hyp", str(js)]) == 1
    assert evaluate.main(["--task", "commongen", "--data", data, "--hyp", str(txt)]) == 1


def test_evaluate_refuses_test_split(tmp_path):
    data, _ = _fake_data(tmp_path)
    with pytest.raises(ValueError):
        evaluate.load_eval("commongen", data, "test")
    with pytest.raises(SystemExit):
        evaluate.main(["--task", "commongen", "--data", data, "--split", "test", "--hyp", "x"])


def test_coco_falls_back_and_says_so_without_java(monkeypatch):
    monkeypatch.setattr(metrics.shutil, "which", lambda name: None)
    got = metrics.coco_bleu_cider(HYPS, REFS, "ptb")
    assert got["tokenizer"] == "simple" and "java not found" in got["signature"]
    assert got["bleu4"] == pytest.approx(metrics.coco_bleu_cider(HYPS, REFS, "simple")["bleu4"])


def test_hyps_read_the_same_from_gzipped_files(tmp_path):
    """The committed whole-split outputs are outputs.jsonl.gz: read exactly as the plain file."""
    import gzip

    from ardiff_ref.evaluate import read_hyps
    rows = ['{"index": 0, "output": "A dog runs.", "source": "hund"}',
            '{"index": 1, "output": "Zébras \u4e2d", "source": null}']
    plain = tmp_path / "o.jsonl"
    plain.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with gzip.open(tmp_path / "o.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    assert read_hyps(str(tmp_path / "o.jsonl.gz")) == read_hyps(str(plain)) == \
        (["A dog runs.", "Zébras \u4e2d"], ["hund", None])
    (tmp_path / "t.txt").write_text("one\ntwo\n", encoding="utf-8")
    with gzip.open(tmp_path / "t.txt.gz", "wt", encoding="utf-8") as f:
        f.write("one\ntwo\n")
    assert read_hyps(str(tmp_path / "t.txt.gz")) == read_hyps(str(tmp_path / "t.txt")) == \
        (["one", "two"], None)


def test_repetition_counts_back_to_back_words_only():
    assert metrics.has_repeat("a man is sitting sitting on a bench")
    assert metrics.has_repeat("A bike, bike on the road.")          # punctuation between
    assert metrics.has_repeat("The the dog")                         # case folded
    assert not metrics.has_repeat("a man and a woman sit on a bench")  # repeats, not neighbours
    assert not metrics.has_repeat("")
    r = metrics.repetition_corpus(["dog dog", "a dog", "a cat", "cat cat cat"])
    assert r["repeat"] == pytest.approx(50.0)
    with pytest.raises(ValueError):
        metrics.repetition_corpus([])


def test_distinct_detects_collapse():
    assert metrics.distinct_corpus(["x", "x", "x"], ["a", "b", "c"])["distinct"] == \
        pytest.approx(100 / 3)
    assert metrics.distinct_corpus(["x", "y", "z"], ["a", "b", "c"])["distinct"] == 100.0
    # an input given twice counts once, by its first output
    assert metrics.distinct_corpus(["x", "y", "q"], ["a", "b", "a"])["distinct"] == 100.0
    with pytest.raises(ValueError):
        metrics.distinct_corpus(["x"], ["a", "b"])


def test_evaluate_reports_repeat_and_distinct(tmp_path):
    d = tmp_path / "multi30k-de-en"
    d.mkdir()
    (d / "valid.src").write_text("eins\nzwei\ndrei\n")
    (d / "valid.tgt").write_text("one\ntwo\nthree\n")
    ev = evaluate.load_eval("multi30k", str(tmp_path))
    scores, sigs = evaluate.score("multi30k", ["one one", "two", "two"], ev)
    assert scores["repeat"] == pytest.approx(100 / 3)
    assert scores["distinct"] == pytest.approx(200 / 3)
    assert "repeat" in sigs and "distinct" in sigs


# ---- IWSLT14's two SacreBLEUs (spec §8): hand-made sentences where they differ in a known way

def test_moses_preparations_of_the_two_iwslt_scores():
    """(a) Moses tokenizer then detokenizer, (b) whitespace split then detokenizer, English."""
    a, b = metrics.moses_roundtrip("en"), metrics.moses_detok_words("en")
    for f in (a, b):
        assert f("hello , world !") == "hello, world!"
        assert f("( yes ) ?") == "(yes)?"
        assert f("it costs $ 5 .") == "it costs $5."
        assert f("i don ' t know , really .") == "i don 't know, really."   # ' joins the right
        assert f("") == ""
    # fairseq's escaped references: (a) escapes the '&' again and the detokenizer unescapes it
    # back, leaving the entity cut into pieces; (b) unescapes the entity
    assert a("it &apos;s that pyramid .") == "it & apos; s that pyramid."
    assert b("it &apos;s that pyramid .") == "it's that pyramid."
    assert a('he said , &quot; hi &quot; .') == "he said, & quot; hi & quot;."
    assert b('he said , &quot; hi &quot; .') == 'he said, "hi".'
    assert b("&#91; laughter &#93;") == "[laughter]"


def _bleu_by_hand(matches, totals, hyp_len, ref_len):
    """BLEU-4 with sacrebleu's default 'exp' smoothing (a zero count n-gram order gets
    1 / (2^k total), k counting the zero orders so far), brevity penalty on the lengths."""
    logs, k = 0.0, 0
    for m, t in zip(matches, totals):
        if m == 0:
            k += 1
            p = 1.0 / (2 ** k * t)
        else:
            p = m / t
        logs += math.log(p) / 4
    bp = 1.0 if hyp_len >= ref_len else math.exp(1 - ref_len / hyp_len)
    return 100 * bp * math.exp(logs)


def test_iwslt_scores_differ_on_escaped_english_references():
    hyps, refs = ["it's that pyramid."], [["it &apos;s that pyramid ."]]
    a = metrics.sacrebleu_seqdiffuseq(hyps, refs, "en")
    b = metrics.sacrebleu_dinoiser(hyps, refs, "en")
    # (a) 13a: hyp "it's that pyramid ." (4) against "it & apos ; s that pyramid ." (8):
    # 1-grams 3/4, 2-grams 2/3, 3-grams 1/2, 4-grams 0/1; brevity exp(1 - 8/4)
    want = _bleu_by_hand([3, 2, 1, 0], [4, 3, 2, 1], 4, 8)
    assert want == pytest.approx(100 * math.exp(-1) * 0.125 ** 0.25)
    assert a["bleu"] == pytest.approx(want, abs=1e-9)
    assert a["bleu"] == pytest.approx(sacrebleu.corpus_bleu(
        ["it's that pyramid."], [["it & apos; s that pyramid."]]).score, abs=1e-9)
    assert b["bleu"] == pytest.approx(100.0)                  # (b): "it's that pyramid." twice
    assert a["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    assert "|tok:13a|" in b["signature"]


def test_iwslt_scores_differ_on_a_german_target():
    """German target: (b) takes sacrebleu's intl tokenizer, which splits the German quotes
    from the words; 13a (the seqdiffuseq score, and (b) for English) leaves "„a" and "d“"."""
    hyps, refs = ["a b c d"], [["„a b c d“"]]
    a = metrics.sacrebleu_seqdiffuseq(hyps, refs, "de")
    b = metrics.sacrebleu_dinoiser(hyps, refs, "de")
    b_en = metrics.sacrebleu_dinoiser(hyps, refs, "en")
    # 13a: "a b c d" against "„a b c d“": 1-grams 2/4 (b c), 2-grams 1/3, 3-, 4-grams 0
    by_13a = _bleu_by_hand([2, 1, 0, 0], [4, 3, 2, 1], 4, 4)
    # intl: against "„ a b c d “": every n-gram matches, brevity exp(1 - 6/4)
    by_intl = _bleu_by_hand([4, 3, 2, 1], [4, 3, 2, 1], 4, 6)
    assert by_13a == pytest.approx(100 * (0.5 / 3 / 16) ** 0.25)
    assert by_intl == pytest.approx(100 * math.exp(-0.5))
    assert a["bleu"] == pytest.approx(by_13a, abs=1e-9)
    assert b_en["bleu"] == pytest.approx(by_13a, abs=1e-9)
    assert b["bleu"] == pytest.approx(by_intl, abs=1e-9)
    assert b["bleu"] == pytest.approx(
        sacrebleu.corpus_bleu(hyps, [["„a b c d“"]], tokenize="intl").score, abs=1e-9)
    assert "|tok:intl|" in b["signature"] and "lang de" in b["signature"]
    assert "|tok:13a|" in a["signature"] and "lang de" in a["signature"]


def test_choice_rules_collapse():
    """ardiff_ref.choice_rules.collapse drops a word that repeats the previous one (the later
    copy and its punctuation stay) and leaves everything else alone."""
    from ardiff_ref.choice_rules import collapse
    from ardiff_ref.metrics import has_repeat
    assert collapse("a man sitting sitting on a bench .") == "a man sitting on a bench ."
    assert collapse("a truck truck.") == "a truck."
    assert collapse("ice ice ice cream") == "ice cream"
    assert collapse("a b a b") == "a b a b"
    assert collapse("") == ""
    for s in ("the the cat", "A a dog", "one, one two"):
        assert has_repeat(s) and not has_repeat(collapse(s))

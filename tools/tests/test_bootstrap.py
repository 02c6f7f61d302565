"""ardiff_ref.bootstrap: paired bootstrap between two stored study rows."""
import json

import pytest

from ardiff_ref import bootstrap
from ardiff_ref.runstore import RunArchive

REFS = ["A man rides a red bike down the street.", "Two dogs play in the deep snow.",
        "A woman reads a book on a park bench.", "Children play soccer on a green field.",
        "A cook stands in a busy kitchen."]


def _study(tmp_path, rows):
    data = tmp_path / "data" / "multi30k-de-en"
    data.mkdir(parents=True)
    (data / "valid.src").write_text("".join("src %d\n" % i for i in range(len(REFS))))
    (data / "valid.tgt").write_text("".join(r + "\n" for r in REFS))
    (tmp_path / "study").mkdir()
    RunArchive(str(tmp_path / "study" / "runs.tar.gz")).put({
        "runs/%s.jsonl" % name: "".join(json.dumps({"index": i, "output": o}) + "\n"
                                        for i, o in enumerate(outs)).encode()
        for name, outs in rows.items()})
    return ["--study", str(tmp_path / "study"), "--task", "multi30k",
            "--data", str(tmp_path / "data"), "--resamples", "200"]


def test_identical_rows_differ_by_zero_and_better_row_wins(tmp_path, capsys):
    worse = ["a man bike street.", "dogs snow.", "a woman book.", "children field.", "cook."]
    base = _study(tmp_path, {"good": REFS, "same": list(REFS), "bad": worse})
    bootstrap.main(base + ["--pairs", "good:same", "good:bad", "bad:good"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("good 100.00 vs same 100.00: diff +0.00, 95% bootstrap interval "
                        "[+0.00, +0.00], P(A>=B) 1.00")
    assert lines[1].startswith("good 100.00 vs bad ") and "P(A>=B) 1.00" in lines[1]
    lo = float(lines[1].split("[")[1].split(",")[0])
    assert lo > 0                                   # every resample prefers the references
    assert "P(A>=B) 0.00" in lines[2]


def test_bad_arguments_are_refused_with_one_line(tmp_path):
    base = _study(tmp_path, {"a": REFS, "short": REFS[:3]})
    with pytest.raises(SystemExit, match="pair 'a-b' is not A:B"):
        bootstrap.main(base + ["--pairs", "a-b"])
    with pytest.raises(SystemExit, match="no run missing in"):
        bootstrap.main(base + ["--pairs", "a:missing"])
    with pytest.raises(SystemExit, match="different numbers of outputs"):
        bootstrap.main(base + ["--pairs", "a:short"])


def test_iwslt14_resamples_score_the_seqdiffuseq_bleu():
    """IWSLT14's bootstrap metric is its headline: corpus SacreBLEU after the Moses round trip
    (metrics.sacrebleu_seqdiffuseq), on all inputs and on a resample alike."""
    from ardiff_ref import metrics
    refs = [["it &apos;s that pyramid ."], ["thank you ."], ["we have a problem , don &apos;t we ?"]]
    outs = ["it's that pyramid.", "thank you .", "we have a problem, right?"]
    score = bootstrap.scorer("iwslt14", refs)
    assert score(outs, [0, 1, 2]) == pytest.approx(
        metrics.sacrebleu_seqdiffuseq(outs, refs, "en")["bleu"], abs=1e-9)
    assert score(outs, [2, 0, 0]) == pytest.approx(
        metrics.sacrebleu_seqdiffuseq([outs[2], outs[0], outs[0]], [refs[2], refs[0], refs[0]],
                                      "en")["bleu"], abs=1e-9)
    assert score([r[0] for r in refs], [0, 1, 2]) == pytest.approx(100.0)

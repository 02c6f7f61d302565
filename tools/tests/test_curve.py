"""ardiff_ref.curve: compute accounting over resumed training pieces, export discovery."""
import json

import pytest

from ardiff_ref import curve
from ardiff_ref.runstore import RunArchive


def write_metrics(path, rows):
    path.write_text("".join(json.dumps({"step": s, "elapsed_s": e}) + "\n" for s, e in rows))


def test_train_seconds_sums_resumed_pieces(tmp_path):
    m = tmp_path / "metrics.jsonl"
    # piece 1: steps 50..150 in 300 s; piece 2 (resumed at 150): its clock restarts
    write_metrics(m, [(50, 100.0), (100, 200.0), (150, 300.0), (200, 90.0), (250, 190.0)])
    t = curve.train_seconds(str(m))
    assert t[150] == pytest.approx(300.0)
    assert t[200] == pytest.approx(390.0)
    assert t[250] == pytest.approx(490.0)


def test_train_seconds_new_piece_even_if_its_clock_is_ahead(tmp_path):
    # a piece resumed from an earlier checkpoint logs a step it logged before
    m = tmp_path / "metrics.jsonl"
    write_metrics(m, [(50, 10.0), (100, 20.0), (100, 25.0)])
    assert curve.train_seconds(str(m))[100] == pytest.approx(45.0)


def test_seconds_at_interpolates_and_refuses_beyond_the_log():
    t = {50: 100.0, 100: 200.0}
    assert curve.seconds_at(t, 100) == 200.0
    assert curve.seconds_at(t, 75) == pytest.approx(150.0)
    assert curve.seconds_at(t, 25) == pytest.approx(50.0)
    with pytest.raises(ValueError):
        curve.seconds_at(t, 150)


def test_exports_lists_model_dirs_by_step(tmp_path):
    for s in (1000, 250, 500):
        d = tmp_path / ("model-step-%d" % s)
        d.mkdir()
        (d / "model.ini").write_text("[model]\n")
    (tmp_path / "model-step-750").mkdir()            # unfinished export: no model.ini
    (tmp_path / "model").mkdir()
    assert [s for s, _ in curve.exports(str(tmp_path))] == [250, 500, 1000]


def test_main_fails_with_one_line_without_exports(tmp_path, capsys):
    write_metrics(tmp_path / "metrics.jsonl", [(50, 1.0)])
    rc = curve.main(["--run", str(tmp_path), "--task", "multi30k", "--out", str(tmp_path / "o")])
    assert rc == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no model-step-S export" in err[0]


def test_main_scores_each_export_once_and_writes_the_curve(tmp_path, capsys):
    """A fake ardiff (echoes each input as its output) over a fake run: rows, tables, reuse."""
    data = tmp_path / "data" / "multi30k-de-en"
    data.mkdir(parents=True)
    (data / "valid.src").write_text("ein hund\nzwei katzen\ndrei\n")
    (data / "valid.tgt").write_text("ein hund\ntwo cats\nthree\n")
    run = tmp_path / "run"
    run.mkdir()
    write_metrics(run / "metrics.jsonl", [(250, 100.0), (500, 200.0)])
    for s in (250, 500):
        (run / ("model-step-%d" % s)).mkdir()
        (run / ("model-step-%d" % s) / "model.ini").write_text("[model]\n# %d\n" % s)
    calls = tmp_path / "calls"
    fake = tmp_path / "ardiff"
    fake.write_text("#!/usr/bin/env python3\n"
                    "import json, sys\n"
                    "a = sys.argv[1:]\n"
                    "open(%r, 'a').write(a[1] + '\\n')\n"
                    "src = open(a[a.index('-i') + 1]).read().splitlines()\n"
                    "with open(a[a.index('-o') + 1], 'w') as f:\n"
                    "    for i, x in enumerate(src):\n"
                    "        f.write(json.dumps({'index': i, 'output': x}) + '\\n')\n" % str(calls))
    fake.chmod(0o755)
    out = tmp_path / "out"
    argv = ["--run", str(run), "--task", "multi30k", "--out", str(out), "--every", "250",
            "--limit", "2", "--ardiff", str(fake), "--data", str(tmp_path / "data")]
    assert curve.main(argv) == 0
    rows = (out / "curve.csv").read_text().splitlines()
    assert rows[0].startswith("step,sequences,cpu_h,sacrebleu")
    assert [r.split(",")[:3] for r in rows[1:]] == [["250", "16000", "0.028"],
                                                   ["500", "32000", "0.056"]]
    assert (out / "curve.md").exists() and not (out / "rows").exists()
    store = RunArchive(str(out / "rows.tar.gz"))           # the rows: one archive
    assert store.names() == ["rows/step-%d.%s" % (s, e) for s in (250, 500)
                             for e in ("json", "jsonl")]
    assert [r["output"] for r in store.read_jsonl("rows/step-500.jsonl")] == \
        ["ein hund", "zwei katzen"]
    assert store.read_json("rows/step-500.json")["scores"]["rouge1"] == 50.0
    assert len(calls.read_text().splitlines()) == 2
    assert curve.main(argv) == 0                          # stored rows reused: no new call
    assert len(calls.read_text().splitlines()) == 2
    (run / "model-step-500" / "model.ini").write_text("[model]\n# changed\n")
    assert curve.main(argv) == 0                          # a changed export is scored again
    assert calls.read_text().splitlines()[-1].endswith("model-step-500")


def test_cpu_clock_is_used_when_logged(tmp_path):
    m = tmp_path / "metrics.jsonl"
    m.write_text("".join(json.dumps({"step": s, "elapsed_s": e, "cpu_s": c}) + "\n"
                         for s, e, c in [(50, 100.0, 40.0), (100, 200.0, 80.0), (150, 50.0, 30.0)]))
    assert curve.pick_clock(str(m)) == "cpu"
    assert curve.pick_clock(str(m), "wall") == "wall"
    t = curve.train_seconds(str(m), "cpu_s")
    assert t[100] == pytest.approx(80.0) and t[150] == pytest.approx(110.0)   # resumed piece
    old = tmp_path / "old.jsonl"
    write_metrics(old, [(50, 100.0)])
    assert curve.pick_clock(str(old)) == "wall"
    with pytest.raises(ValueError, match="no cpu_s"):
        curve.pick_clock(str(old), "cpu")


def test_trainer_logs_process_cpu_time(tmp_path):
    import test_train as tt
    from ardiff_ref import train, trainlib
    d = tmp_path / "data"
    d.mkdir()
    for split in ("train", "valid"):
        (d / (split + ".src")).write_text("dog park\ncat mat\n" * 4)
        (d / (split + ".tgt")).write_text("the dog and the park .\nthe cat and the mat .\n" * 4)
    (d / "vocab.txt").write_text("".join(t + "\n" for t in list(tt.SPECIALS) +
                                         ["dog", "park", "cat", "mat", "the", "and", "."]))
    a = tt._args(d, tmp_path / "run")
    tr = train.Trainer(a)
    tr.data = trainlib.CommonGenData(a.data, "train", tr.tok, a.tgt_len, tr.cfg.max_src_len)
    tr.train(stop_at=2)
    rows = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert rows and all(r["cpu_s"] >= 0 for r in rows)
    assert curve.pick_clock(str(tmp_path / "run" / "metrics.jsonl")) == "cpu"

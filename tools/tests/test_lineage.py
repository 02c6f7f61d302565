"""ardiff_ref.lineage: a model's chain of runs becomes one cumulative table; bad specs are named."""
import json
import os

import pytest

from ardiff_ref import lineage


def write_curve(folder, unit, rows):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "curve.csv"), "w", encoding="utf-8") as f:
        f.write("step,sequences,%s,cider,coverage\n" % unit)
        for r in rows:
            f.write(",".join(str(x) for x in r) + "\n")


def spec_file(tmp_path, spec):
    p = tmp_path / "lineage.json"
    p.write_text(json.dumps(spec))
    return str(p)


def test_chain_is_cumulative_and_skips_repeated_start(tmp_path):
    c1 = str(tmp_path / "c1")
    c2 = str(tmp_path / "c2")
    # curve 1 logged in wall time: 2.0 h at its end, measured process CPU 0.5 h (scaled 1/4)
    write_curve(c1, "cpu_h", [(0, 0, 0.0, 0.30, 40), (1000, 64000, 1.0, 0.40, 45),
                              (2000, 128000, 2.0, 0.42, 46)])
    write_curve(c2, "cpu_h", [(0, 0, 0.0, 0.42, 46), (1000, 64000, 0.1, 0.55, 54)])
    scored = []

    def score(model):
        scored.append(model)
        return {"cider": 0.25, "coverage": 32.0}

    spec = lineage.load_spec(spec_file(tmp_path, {"task": "commongen", "stages": [
        {"label": "gpu", "model": "models/x", "sequences": 640000, "gpu_min": 4.0},
        {"label": "cpu1", "curve": c1, "cpu_h": 0.5},
        {"label": "cpu2", "curve": c2}]}))
    t = lineage.build(spec, score)
    assert len(scored) == 1 and scored[0].endswith(os.path.join("models", "x"))
    # gpu end, cpu1 steps 1000 and 2000 (its step 0 is the gpu model), cpu2 step 1000
    assert [(r["stage"], r["step"]) for r in t] == [("gpu", None), ("cpu1", 1000), ("cpu1", 2000),
                                                    ("cpu2", 1000)]
    assert [r["sequences"] for r in t] == [640000, 704000, 768000, 832000]
    assert [r["gpu_min"] for r in t] == [4.0, 4.0, 4.0, 4.0]
    assert t[1]["cpu_h"] == pytest.approx(0.25) and t[2]["cpu_h"] == pytest.approx(0.5)
    assert t[3]["cpu_h"] == pytest.approx(0.6)
    assert t[3]["scores"]["cider"] == pytest.approx(0.55)


def test_write_table_and_plot(tmp_path):
    c = str(tmp_path / "c")
    write_curve(c, "gpu_min", [(0, 0, 0.0, 0.1, 10), (500, 256000, 2.0, 0.2, 20)])
    spec = lineage.load_spec(spec_file(tmp_path, {"task": "commongen", "note": "a note",
                                                  "stages": [{"label": "g", "curve": c}]}))
    t = lineage.build(spec, lambda m: pytest.fail("no model stage"))
    out = str(tmp_path / "out")
    os.makedirs(out)
    keys = lineage.write(out, spec, t, 200)
    assert keys == [k for k in ("cider", "coverage") if k in keys] and "cider" in keys
    md = open(os.path.join(out, "lineage.md"), encoding="utf-8").read()
    assert "| g | 0 | 0 | 0.0 | 0.00 |" in md and "| g | 500 | 256,000 | 2.0 | 0.00 |" in md
    assert md.rstrip().endswith("a note")
    assert lineage.plot(out, spec, t, 200)
    assert os.path.getsize(os.path.join(out, "lineage.png")) > 1000


@pytest.mark.parametrize("spec, msg", [
    ({"task": "nope", "stages": [{"label": "a", "curve": "x"}]}, "'task' must be one of"),
    ({"task": "commongen", "stages": []}, "'stages' must be a non-empty list"),
    ({"task": "commongen", "stages": [{"curve": "x"}]}, "stages[0]: needs a 'label'"),
    ({"task": "commongen", "stages": [{"label": "a", "curve": "x", "model": "y"}]},
     "exactly one of 'model' or 'curve'"),
    ({"task": "commongen", "stages": [{"label": "a", "model": "y", "gpu_min": 1}]},
     "needs 'sequences'"),
    ({"task": "commongen", "stages": [{"label": "a", "model": "y", "sequences": 5}]},
     "needs 'gpu_min' or 'cpu_h'"),
    ({"task": "commongen", "stages": [{"label": "a", "curve": "x", "cpu_h": -1}]},
     "'cpu_h' must be a number >= 0"),
])
def test_bad_spec_is_named(tmp_path, spec, msg):
    with pytest.raises(lineage.LineageError) as e:
        lineage.load_spec(spec_file(tmp_path, spec))
    assert msg in str(e.value) and "lineage.json" in str(e.value)


def test_missing_curve_is_named(tmp_path):
    spec = lineage.load_spec(spec_file(tmp_path, {"task": "commongen", "stages": [
        {"label": "a", "curve": str(tmp_path / "none")}]}))
    with pytest.raises(lineage.LineageError, match="curve.csv"):
        lineage.build(spec, lambda m: {})


def test_run_past_its_last_row_moves_the_next_start(tmp_path):
    c1 = str(tmp_path / "c1")
    c2 = str(tmp_path / "c2")
    write_curve(c1, "cpu_h", [(0, 0, 0.0, 0.2, 1), (3000, 192000, 0.5, 0.3, 2)])
    write_curve(c2, "cpu_h", [(0, 0, 0.0, 0.31, 2), (1000, 64000, 0.1, 0.4, 3)])
    spec = lineage.load_spec(spec_file(tmp_path, {"task": "multi30k", "stages": [
        {"label": "a", "curve": c1, "end_sequences": 384000, "end_cpu_h": 0.9},
        {"label": "b", "curve": c2}]}))
    t = lineage.build(spec, lambda m: {})
    assert [(r["stage"], r["sequences"]) for r in t] == [("a", 0), ("a", 192000), ("b", 448000)]
    assert t[-1]["cpu_h"] == pytest.approx(1.0)
    bad = spec_file(tmp_path, {"task": "multi30k", "stages": [
        {"label": "a", "curve": c1, "end_sequences": 1000}]})
    with pytest.raises(lineage.LineageError, match="below"):
        lineage.build(lineage.load_spec(bad), lambda m: {})
    with pytest.raises(lineage.LineageError, match="'end_\\*' fields are for 'curve' stages"):
        lineage.load_spec(spec_file(tmp_path, {"task": "multi30k", "stages": [
            {"label": "a", "model": "m", "sequences": 1, "cpu_h": 1, "end_cpu_h": 2}]}))

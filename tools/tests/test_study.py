"""Study bookkeeping: stored runs carry no copy of the eval data; recorded paths are portable."""
import json
import os

from ardiff_ref import study
from ardiff_ref.evaluate import align


def test_strip_sources_keeps_everything_else(tmp_path):
    p = tmp_path / "run.jsonl"
    rows = [{"index": i, "source": "Ein Hund läuft %d" % i, "output": "A dog %d" % i,
             "candidates": ["a dog %d" % i], "timing_ms": {"batch_inputs": 2}} for i in range(3)]
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    study.strip_sources(str(p))
    back = [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()]
    assert all("source" not in r for r in back)
    for r, b in zip(rows, back):
        r.pop("source")
        assert r == b
    assert "läuft" not in p.read_text(encoding="utf-8")
    # scoring still lines the outputs up with the eval inputs (by position)
    ev = {"inputs": ["x", "y", "z", "w"], "refs": [["a"]] * 4}
    cut = align(ev, [b["output"] for b in back], [b.get("source") for b in back], 3)
    assert cut["inputs"] == ["x", "y", "z"]


def test_portable_paths():
    shared = os.path.join(os.path.dirname(study.REPO), "shared", "data", "multi30k-de-en")
    text = "--data %s --out %s" % (shared, os.path.join(study.REPO, "bench", "results", "x"))
    assert study.portable(text) == "--data ../../shared/data/multi30k-de-en --out ../bench/results/x"

"""Study bookkeeping: stored runs carry no copy of the eval data; recorded paths are portable;
rows live in one archive per study (runs.tar.gz)."""
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
    text = "--data %s --out %s" % (shared, os.path.join(study.REPO, "studies", "x"))
    assert study.portable(text) == "--data ../../shared/data/multi30k-de-en --out ../studies/x"



def fake_ardiff(path, log):
    """A stand-in for `ardiff generate MODEL -i IN -o OUT ...`: logs MODEL, one line per input."""
    import stat
    path.write_text("#!/bin/sh\n"
                    f"echo \"$2\" >> {log}\n"
                    "while read -r line; do echo '{\"output\": \"x\"}'; done < \"$4\" > \"$6\"\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def fake_model(d, name):
    d.mkdir(parents=True)
    for f in study.MODEL_FILES:
        (d / f).write_text(name + f)
    return str(d)


def fake_study(tmp_path):
    """-> (args of study.generate, the fake ardiff's call log, the two fake models, inputs)."""
    import argparse
    log = tmp_path / "calls.txt"
    fake = tmp_path / "fake-ardiff"
    fake_ardiff(fake, log)
    models = {name: fake_model(tmp_path / name, name) for name in ("ar", "uni")}
    inputs = tmp_path / "inputs.txt"
    inputs.write_text("a\nb\n")
    args = argparse.Namespace(ardiff=str(fake), ar_model=models["ar"], uniform_model=models["uni"],
                              seed=1, batch=None, device=None, out=str(tmp_path / "out"),
                              keep_other_devices=False)
    return args, log, models, inputs


def test_stored_runs_are_reused_only_for_the_same_model_and_inputs(tmp_path):
    """A replaced model or new inputs under the same paths must run again, not reuse old runs."""
    args, log, models, inputs = fake_study(tmp_path)
    rows = [r for r in study.grid(2.0) if r["K"] * r["k"] <= 3 or r["name"] == "uniform-K20-k1"]
    assert {r["model"] for r in rows} == {"ar", "uniform"}

    def calls():
        return log.read_text().split() if log.exists() else []

    study.generate(args, rows, str(inputs))
    assert len(calls()) == len(rows)
    study.generate(args, rows, str(inputs))                          # nothing changed
    assert len(calls()) == len(rows)
    (tmp_path / "uni" / "model.safetensors").write_text("retrained")  # replace one model
    study.generate(args, rows, str(inputs))
    n_uni = sum(r["model"] == "uniform" for r in rows)
    assert calls()[len(rows):] == [models["uni"]] * n_uni
    inputs.write_text("a\nb\nc\n")                                    # a new --limit
    study.generate(args, rows, str(inputs))
    assert len(calls()) == 2 * len(rows) + n_uni
    meta = study.archive(args.out).read_json("runs/" + rows[0]["name"] + ".meta.json")
    assert meta["inputs_sha256"] == study.sha256_files([str(inputs)])


def test_stored_runs_are_reused_from_a_clone_at_another_path(tmp_path, monkeypatch):
    """The committed runs must count as done in a clone elsewhere (paths compared relative to
    tools/), and a meta written with absolute paths (older study versions) still matches."""
    import argparse
    import shutil
    log = tmp_path / "calls.txt"

    def make_repo(root):
        for name in ("ar", "uni"):
            fake_model(root / "models" / name, name)
        (root / "build").mkdir()
        fake_ardiff(root / "build" / "ardiff", log)
        (root / "bench").mkdir()
        (root / "bench" / "inputs.txt").write_text("a\nb\n")

    def run(root):
        monkeypatch.setattr(study, "REPO", str(root))
        args = argparse.Namespace(ardiff=str(root / "build" / "ardiff"),
                                  ar_model=str(root / "models" / "ar"),
                                  uniform_model=str(root / "models" / "uni"),
                                  seed=1, batch=None, device=None, out=str(root / "bench" / "out"))
        study.generate(args, rows, str(root / "bench" / "inputs.txt"))

    def calls():
        return log.read_text().split() if log.exists() else []

    rows = [r for r in study.grid(2.0) if r["K"] * r["k"] <= 2]
    first = tmp_path / "first"
    make_repo(first)
    run(first)
    assert len(calls()) == len(rows)
    meta = study.archive(str(first / "bench" / "out")).read("runs/" + rows[0]["name"]
                                                              + ".meta.json").decode()
    assert str(tmp_path) not in meta and '"../build/ardiff"' in meta
    second = tmp_path / "second"
    shutil.copytree(first, second, symlinks=True)
    run(second)                                            # the clone: nothing runs again
    assert len(calls()) == len(rows)
    # a meta from before (absolute paths of the checkout it ran in) is still recognised there
    store = study.archive(str(second / "bench" / "out"))
    mp = "runs/" + rows[0]["name"] + ".meta.json"
    m = store.read_json(mp)
    m["cmd"] = [a.replace("../", str(second) + "/", 1) if a.startswith("../") else a
                for a in m["cmd"]]
    store.put({mp: json.dumps(m).encode()})
    run(second)
    assert len(calls()) == len(rows)
    (second / "bench" / "inputs.txt").write_text("a\n")    # but changed inputs still rerun
    run(second)
    assert len(calls()) == 2 * len(rows)


def test_grid_default_and_with_k50():
    base = study.grid(2.0)
    names = [r["name"] for r in base]
    assert len(names) == len(set(names)) == 7 * 2 + 4 * 2 + 2       # + anchors 1 and 3
    assert {r["k"] for r in base} == {1, 10}
    passes = [r["K"] * r["k"] for r in base]
    assert passes == sorted(passes)
    more = study.grid(2.0, (1, 10, 50))
    k50 = [r for r in more if r["k"] == 50]
    assert sorted(r["K"] for r in k50 if r["model"] == "ar") == list(study.AR_STEPS)
    assert sorted(r["K"] for r in k50 if r["model"] == "uniform") == list(study.UNIFORM_STEPS)
    assert "ar-K20-k50-a2" in {r["name"] for r in k50}
    assert [r for r in more if r["k"] != 50] == base


def test_runs_from_another_device_run_again_unless_kept(tmp_path):
    """One table, one device: a row stored on another machine is regenerated (its timings are
    not comparable), metas without the field take the folder's old device.txt (record_devices,
    before main rewrites it), and --keep-other-devices reuses them; results.md then names each
    row's device."""
    args, log, _, inputs = fake_study(tmp_path)
    rows = [r for r in study.grid(2.0) if r["K"] * r["k"] <= 2]

    def calls():
        return len(log.read_text().split()) if log.exists() else 0

    def meta(r):
        return study.archive(args.out).read_json("runs/" + r["name"] + ".meta.json")

    def set_meta(r, m):
        study.archive(args.out).put({"runs/" + r["name"] + ".meta.json": json.dumps(m).encode()})

    study.generate(args, rows, str(inputs), "cpu A")
    assert calls() == len(rows)
    assert all(meta(r)["device"] == "cpu A" for r in rows)
    study.generate(args, rows, str(inputs), "cpu A")                 # same device: reused
    assert calls() == len(rows)
    for r in rows[:2]:                                               # older metas: no field
        m = meta(r)
        del m["device"]
        set_meta(r, m)
    study.record_devices(study.archive(args.out), "cpu A")           # the folder's device.txt
    assert all(meta(r)["device"] == "cpu A" for r in rows)
    study.generate(args, rows, str(inputs), "cpu A")
    assert calls() == len(rows)
    m = meta(rows[0])                                                # none recorded: unknown
    del m["device"]
    set_meta(rows[0], m)
    study.generate(args, rows[:1], str(inputs), "cpu A")
    assert calls() == len(rows) + 1
    assert meta(rows[0])["device"] == "cpu A"
    args.keep_other_devices = True
    study.generate(args, rows, str(inputs), "gpu B")                 # kept on request
    assert calls() == len(rows) + 1
    args.keep_other_devices = False
    study.generate(args, rows[:1], str(inputs), "gpu B")             # otherwise run again
    assert calls() == len(rows) + 2
    assert meta(rows[0])["device"] == "gpu B"

    results = [dict(task="aeslc", model=r["model"], schedule=r["schedule"], K=r["K"], k=r["k"],
                    anchor="", passes_per_input=r["K"] * r["k"], n=2, s_per_input=0.1,
                    process_wall_s=1.0, device=meta(r)["device"],
                    rougeL=0.0) for r in rows]
    args.task, args.limit, args.left_out = "aeslc", 2, []
    study.write_outputs(args, results, {})
    md = (tmp_path / "out" / "results.md").read_text()
    assert "rows from 2 devices" in md and "| device |" in md and "- device: cpu A; gpu B" in md
    study.write_outputs(args, results[1:], {})
    md = (tmp_path / "out" / "results.md").read_text()
    assert "one device, one run" in md and "| device |" not in md and "- device: cpu A;" in md


def test_score_command_is_recorded_once(tmp_path, monkeypatch):
    import argparse
    (tmp_path / "commands.sh").write_text("#!/usr/bin/env bash\n")
    monkeypatch.setattr("sys.argv", ["study", "--task", "aeslc", "--phase", "score"])
    args = argparse.Namespace(out=str(tmp_path))
    study.append_score_command(args)
    study.append_score_command(args)                    # scored again: not repeated
    text = (tmp_path / "commands.sh").read_text()
    assert text.count("--phase score") == 1 and text.startswith("#!/usr/bin/env bash\n")
    monkeypatch.setattr("sys.argv", ["study", "--task", "multi30k", "--phase", "score"])
    study.append_score_command(args)                    # a different command is added
    assert (tmp_path / "commands.sh").read_text().count("--phase score") == 2


def test_rows_are_kept_in_one_archive_and_scored_from_it(tmp_path):
    """Every row (outputs without `source`, and its meta) goes into OUT/runs.tar.gz as it
    finishes: no loose files stay behind, a run that stops keeps the rows it finished, the
    archive unpacks with tar to the paths commands.sh names, and scoring reads it."""
    import subprocess
    import tarfile

    import pytest
    args, log, _, inputs = fake_study(tmp_path)
    fake = tmp_path / "fake-ardiff"        # as fake_ardiff, with timings; fails when --steps $FAIL
    fake.write_text("#!/bin/sh\n"
                    "[ \"$8\" = \"${FAIL:-none}\" ] && exit 3\n"
                    f"echo \"$2\" >> {log}\n"
                    "while read -r line; do echo '{\"output\": \"x\", \"source\": \"s\", "
                    "\"timing_ms\": {\"batch_encode\": 1, \"batch_decode\": 2, \"batch_mbr\": 1, "
                    "\"batch_inputs\": 2}}'; done < \"$4\" > \"$6\"\n")
    rows = [r for r in study.grid(2.0) if r["K"] * r["k"] <= 3]
    assert [r["K"] for r in rows] == [1, 2, 3]
    study.generate(args, rows[:1], str(inputs), "cpu A")
    out = tmp_path / "out"
    assert sorted(os.listdir(out)) == ["runs.tar.gz"]            # the scratch folder is gone
    first = (out / "runs.tar.gz").read_bytes()
    assert study.archive(args.out).names() == ["runs/ar-K1-k1-a2.jsonl",
                                               "runs/ar-K1-k1-a2.meta.json"]
    with tarfile.open(out / "runs.tar.gz") as tar:
        tar.extractall(tmp_path / "unpacked")
    assert (tmp_path / "unpacked" / "runs" / "ar-K1-k1-a2.jsonl").read_text().count(
        '{"output":"x","timing_ms"') == 2                          # stored without `source`
    # a row that fails stops the run; the rows finished before it stay stored
    os.environ["FAIL"] = "3"
    try:
        with pytest.raises(subprocess.CalledProcessError):
            study.generate(args, rows, str(inputs), "cpu A")
    finally:
        del os.environ["FAIL"]
    assert study.archive(args.out).names() == sorted(
        "runs/%s.%s" % (r["name"], e) for r in rows[:2] for e in ("jsonl", "meta.json"))
    assert (out / "runs.tar.gz").read_bytes() != first
    study.generate(args, rows, str(inputs), "cpu A")
    assert len(log.read_text().split()) == len(rows)               # stored rows reused
    # the same members give the same bytes, whatever order they were added in
    a = study.RunArchive(str(tmp_path / "a.tar.gz"))
    b = study.RunArchive(str(tmp_path / "b.tar.gz"))
    a.put({"x": b"1", "y": b"2"})
    b.put({"y": b"2"})
    b.put({"x": b"1"})
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()
    # scoring: every row read back from the archive, lined up with the eval inputs
    ev = {"inputs": ["a", "b"], "refs": [["x"], ["y"]]}
    args.task, args.tokenizer = "multi30k", "ptb"
    results, sigs = study.score_rows(args, rows, ev)
    assert [r["K"] for r in results] == [1, 2, 3] and "sacrebleu" in sigs
    assert all(r["n"] == 2 and r["device"] == "cpu A" and r["s_per_input"] == 0.002
               for r in results)

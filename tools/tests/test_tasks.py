"""The task registry (ardiff_ref.tasks) is the one list of tasks: a task registered here shows up
in every tool that takes --task, and the shell scripts' recipe is the registry's."""
import json
import os
import subprocess

import pytest

from ardiff_ref import baselines, bootstrap, curve, evaluate, probe, study, tasks

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)


def load_fake(folder):
    with open(os.path.join(folder, "valid.src"), encoding="utf-8") as f:
        src = f.read().splitlines()
    return {"inputs": src, "refs": [[s.upper()] for s in src]}


def score_fake(hyps, ev, tokenizer, out):
    hits = sum(h == r[0] for h, r in zip(hyps, ev["refs"]))
    out.add("exact", {"exact": 100.0 * hits / len(hyps), "signature": "exact match x100"},
            ["exact"])


FAKE = tasks.Task("fake", "fake-data", load_fake, score_fake, headline="exact", plot=("exact",),
                  table=("exact",), curve=("exact", "repeat"),
                  copy_baseline=("shout", str.upper), bootstrap="rougeL",
                  vocab="models/fake/vocab.txt", shape=("--tgt_len", "7", "--max_pos_len", "9"))


@pytest.fixture
def fake_task(monkeypatch, tmp_path):
    monkeypatch.setitem(tasks.TASKS, "fake", FAKE)
    d = tmp_path / "fake-data"
    d.mkdir()
    (d / "valid.src").write_text("one\ntwo\nthree\n")
    (d / "train.src").write_text("one two\nthree\n")
    (d / "train.tgt").write_text("ONE TWO\nTHREE\n")
    return tmp_path


def help_text(main, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("tool", [evaluate, study, bootstrap, probe, curve, baselines])
def test_every_tool_offers_the_registered_tasks(tool, fake_task, capsys):
    text = help_text(tool.main, capsys)
    assert "{" + ",".join(tasks.names()) + "}" in text.replace("\n", "").replace(" ", "")
    assert "fake" in tasks.names()


def test_evaluate_loads_and_scores_a_registered_task(fake_task, capsys):
    hyp = fake_task / "out.txt"
    hyp.write_text("ONE\ntwo\nTHREE\n")
    assert evaluate.main(["--task", "fake", "--data", str(fake_task), "--hyp", str(hyp)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out["scores"]) == ["exact", "repeat", "distinct"]     # the task's, then shared
    assert out["scores"]["exact"] == pytest.approx(200 / 3) and out["n"] == 3
    assert out["signatures"]["exact"] == "exact match x100"


def test_baselines_take_the_copy_baseline_from_the_registry(fake_task):
    ev = tasks.load_eval("fake", str(fake_task))
    got = baselines.baselines("fake", str(fake_task), ev)
    assert got == {"shout": ["ONE", "TWO", "THREE"], "retrieval": ["ONE TWO", "ONE TWO", "THREE"]}


def test_recipe_printer_and_names(fake_task, capsys):
    assert tasks.main(["--names"]) == 0
    assert capsys.readouterr().out.split() == tasks.names()
    assert tasks.main(["--recipe", "fake", "12"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("DIR=fake-data; VOCAB=models/fake/vocab.txt; RECIPE=(")
    assert "--batch_size 12 " in line and line.rstrip().endswith("--tgt_len 7 --max_pos_len 9)")
    assert tasks.main(["--recipe", "nope", "12", "--caller", "gpu_x"]) == 2
    assert capsys.readouterr().err == \
        "gpu_x: unknown task 'nope' (one of: %s)\n" % " ".join(tasks.names())
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        tasks.get("nope")


def shell(script):
    return subprocess.run(["bash", "-c", ". tools/gpu_recipe.sh; " + script], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_the_shell_recipe_is_the_registry():
    """tools/gpu_recipe.sh (sourced by gpu_train, gpu_continue, cpu_continue) names no task
    itself: its task list, data folders, vocabularies and flags are the registry's."""
    r = shell('echo "$GPU_RECIPE_TASKS"')
    assert r.returncode == 0 and r.stdout.split() == tasks.names(), r.stderr
    for name in tasks.names():
        r = shell(f'gpu_recipe t {name} 33 && printf "%s\\n" "$DIR" "$VOCAB" "${{RECIPE[@]}}"')
        assert r.returncode == 0, r.stderr
        t = tasks.get(name)
        assert r.stdout.splitlines() == [t.data, t.vocab] + tasks.recipe(name, 33)
        assert os.path.isfile(os.path.join(ROOT, t.vocab)), t.vocab
    r = shell("gpu_recipe gpu_x nope 1; echo rc=$?")
    assert r.stdout.strip() == "rc=2" and r.stderr.startswith("gpu_x: unknown task 'nope'")
    with open(os.path.join(TOOLS, "gpu_recipe.sh")) as f:
        text = f.read()
    for t in tasks.TASKS.values():
        assert t.name not in text and t.data not in text

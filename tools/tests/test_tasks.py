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
    # the baselines' retrieval needs a train split: only the tasks with a training recipe
    offered = tasks.names(trainable=tool is baselines)
    assert "{" + ",".join(offered) + "}" in text.replace("\n", "").replace(" ", "")
    assert "fake" in offered


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
    itself: its task list, data folders, vocabularies and flags are the registry's; a task
    without a training recipe (IWSLT14: no train split) is refused with one line."""
    r = shell('echo "$GPU_RECIPE_TASKS"')
    assert r.returncode == 0 and r.stdout.split() == tasks.names(trainable=True), r.stderr
    assert set(tasks.names()) - set(tasks.names(trainable=True)) == {"iwslt14"}
    for name in tasks.names(trainable=True):
        r = shell(f'gpu_recipe t {name} 33 && printf "%s\\n" "$DIR" "$VOCAB" "${{RECIPE[@]}}"')
        assert r.returncode == 0, r.stderr
        t = tasks.get(name)
        assert r.stdout.splitlines() == [t.data, t.vocab] + tasks.recipe(name, 33)
        assert os.path.isfile(os.path.join(ROOT, t.vocab)), t.vocab
    r = shell("gpu_recipe gpu_x nope 1; echo rc=$?")
    assert r.stdout.strip() == "rc=2" and r.stderr.startswith("gpu_x: unknown task 'nope'")
    r = shell("gpu_recipe gpu_x iwslt14 1; echo rc=$?")
    assert r.stdout.strip() == "rc=2" and r.stderr == (
        "gpu_x: task 'iwslt14' has no training recipe (tasks with one: %s)\n"
        % " ".join(tasks.names(trainable=True)))
    with open(os.path.join(TOOLS, "gpu_recipe.sh")) as f:
        text = f.read()
    for t in tasks.TASKS.values():
        assert t.name not in text and t.data not in text


def test_iwslt14_entry(tmp_path, capsys):
    """IWSLT14 De->En in the registry: its folder's valid split (never test.*), scored by
    evaluate with both official SacreBLEUs and their signatures; no training recipe (the shared
    data has no train split). A stand-in folder in the fairseq format (Moses-tokenized,
    lowercased, XML escapes kept)."""
    t = tasks.get("iwslt14")
    assert t.data == "iwslt14-de-en" and not t.trainable and t.vocab is None
    assert t.headline == "seqdiffuseq_bleu" and t.bootstrap == "seqdiffuseq"
    with pytest.raises(ValueError, match="no training recipe"):
        tasks.recipe("iwslt14", 8)
    d = tmp_path / "iwslt14-de-en"
    d.mkdir()
    (d / "valid.src").write_text("das ist die pyramide .\nvielen dank .\n", encoding="utf-8")
    (d / "valid.tgt").write_text("it &apos;s that pyramid .\nthank you .\n", encoding="utf-8")
    (d / "test.src").write_text("not to be read\n")
    with pytest.raises(ValueError, match="only the valid split"):
        tasks.load_eval("iwslt14", str(tmp_path), split="test")
    ev = tasks.load_eval("iwslt14", str(tmp_path))
    assert ev == {"inputs": ["das ist die pyramide .", "vielen dank ."],
                  "refs": [["it &apos;s that pyramid ."], ["thank you ."]]}
    hyp = tmp_path / "out.txt"
    hyp.write_text("it's that pyramid.\nthank you .\n", encoding="utf-8")
    assert evaluate.main(["--task", "iwslt14", "--data", str(tmp_path), "--hyp", str(hyp)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out["scores"]) == ["seqdiffuseq_bleu", "dinoiser_bleu", "repeat", "distinct"]
    # dinoiser: the escapes undone on both sides, so the outputs equal the references
    assert out["scores"]["dinoiser_bleu"] == pytest.approx(100.0)
    assert 0 < out["scores"]["seqdiffuseq_bleu"] < 100     # "it & apos; s" against "it's"
    sigs = out["signatures"]
    assert sigs["seqdiffuseq"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|")
    assert sigs["seqdiffuseq"].endswith("|hyps and refs Moses-tokenized then detokenized, "
                                        "lang en (sacremoses 0.1.1)")
    assert sigs["dinoiser"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|")
    assert sigs["dinoiser"].endswith("|hyps and refs split on whitespace, Moses-detokenized, "
                                     "lang en (sacremoses 0.1.1)")

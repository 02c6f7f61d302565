"""The task registry: every task the tools know, described once.

    python3 -m ardiff_ref.tasks                        # one line per task
    python3 -m ardiff_ref.tasks --names [--trainable]  # the names (of those with a recipe)
    python3 -m ardiff_ref.tasks --recipe TASK BATCH [--caller NAME]
        # shell assignments DIR=, VOCAB=, RECIPE=(...) for tools/gpu_recipe.sh; an unknown task
        # or one without a recipe: one line "NAME: unknown task 'X' (one of: ...)" or
        # "NAME: task 'X' has no training recipe (...)" on stderr, exit 2

A task is one `Task` in TASKS: its name, its folder under the shared data folder, the loader of
its valid split, its metrics, the columns its tables show and the metric that heads them, its
copy baseline, the per-input metric of the paired bootstrap, and the model shape of its training
recipe with the vocabulary its models use (none for a task whose shared data has no train split,
IWSLT14: its models are official checkpoints, converted). evaluate, study, baselines, bootstrap, probe, curve,
the trainer's data and the training scripts (tools/gpu_recipe.sh, through --recipe) read it:
adding a task is adding one entry. This module imports only the standard library (the GPU
scripts run it before anything else); the metrics are imported when a task is scored.
"""
import argparse
import gzip
import json
import os
import shlex
import sys
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "..", "shared", "data")    # the shared data folder (never copied)


# ---- reading a split -------------------------------------------------------------------------

def open_text(path):
    """A UTF-8 text file for reading; gzip-compressed when its name ends in .gz (the committed
    whole-split outputs are stored that way)."""
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def read_lines(path):
    with open_text(path) as f:
        text = f.read()
    return text.split("\n")[:-1] if text else []


def read_jsonl(path):
    with open_text(path) as f:
        return [json.loads(line) for line in f if line.strip()]


# ---- scores ----------------------------------------------------------------------------------

class Scores:
    """Scores and the signatures of the metrics that made them, in the order added (evaluate
    prints them in that order)."""

    def __init__(self):
        self.scores, self.sigs = {}, {}

    def add(self, name, res, keys, prefix=""):
        self.scores.update({prefix + k: res[k] for k in keys})
        self.sigs[name] = res["signature"]


# ---- the tasks -------------------------------------------------------------------------------

def load_commongen(folder):
    """One input per line of valid.refs.jsonl (993 distinct concept sets), all its refs."""
    rows = read_jsonl(os.path.join(folder, "valid.refs.jsonl"))
    return {"inputs": [r["concepts"] for r in rows], "refs": [r["refs"] for r in rows],
            "concepts": [r["concepts"].split() for r in rows]}


def score_commongen(hyps, ev, tokenizer, out):
    from . import metrics
    refs = ev["refs"]
    coco = metrics.coco_bleu_cider(hyps, refs, tokenizer)
    out.add("coco", coco, ["bleu3", "bleu4", "cider"])
    out.scores["coco_tokenizer"] = coco["tokenizer"]
    out.add("rouge", metrics.rouge_corpus(hyps, refs, ("rouge2", "rougeL")), ["rouge2", "rougeL"])
    out.add("coverage", metrics.coverage_corpus(hyps, ev["concepts"]), ["coverage", "all_covered"])
    out.add("sacrebleu", metrics.sacrebleu_corpus(hyps, refs), ["bleu"], "sacre")


def load_pairs(folder):
    """valid.src -> valid.tgt (one reference): Multi30k, IWSLT14."""
    src = read_lines(os.path.join(folder, "valid.src"))
    tgt = read_lines(os.path.join(folder, "valid.tgt"))
    return {"inputs": src, "refs": [[t] for t in tgt]}


def score_multi30k(hyps, ev, tokenizer, out):
    from . import metrics
    out.add("sacrebleu", metrics.sacrebleu_corpus(hyps, ev["refs"]), ["bleu"], "sacre")
    out.add("rouge", metrics.rouge_corpus(hyps, ev["refs"]), ["rouge1", "rouge2", "rougeL"])


def load_aeslc(folder):
    """valid.src -> the three human `annotations` of valid.refs.jsonl (and the original subject
    line, scored as subject_*)."""
    src = read_lines(os.path.join(folder, "valid.src"))
    rows = read_jsonl(os.path.join(folder, "valid.refs.jsonl"))
    return {"inputs": src, "refs": [r["annotations"] for r in rows],
            "subjects": [[r["subject"]] for r in rows]}


def score_aeslc(hyps, ev, tokenizer, out):
    from . import metrics
    out.add("rouge", metrics.rouge_corpus(hyps, ev["refs"]), ["rouge1", "rouge2", "rougeL"])
    out.sigs["rouge"] += "|refs: the 3 human annotations"
    out.add("rouge_subject", metrics.rouge_corpus(hyps, ev["subjects"]),
            ["rouge1", "rouge2", "rougeL"], "subject_")


# IWSLT14 De->En: the target language of its evaluation (the Moses detokenizer's, and English
# picks the 13a tokenizer of the dinoiser score)
IWSLT14_TARGET = "en"


def score_iwslt14(hyps, ev, tokenizer, out):
    """Both SacreBLEUs of the official evaluation (eval_utils/iwslt/eval.py, spec §8), on the
    references as fairseq's preparation left them (Moses-tokenized, lowercased, XML escapes
    such as `&apos;` kept: the data folder's README), as the official evaluation reads them."""
    from . import metrics
    lang = IWSLT14_TARGET
    out.add("seqdiffuseq", metrics.sacrebleu_seqdiffuseq(hyps, ev["refs"], lang), ["bleu"],
            "seqdiffuseq_")
    out.add("dinoiser", metrics.sacrebleu_dinoiser(hyps, ev["refs"], lang), ["bleu"],
            "dinoiser_")


def copy_source(text):
    return text


def lead4(text):
    """The first 4 words (AESLC subjects are 4 words on average)."""
    return " ".join(text.split()[:4])


@dataclass(frozen=True)
class Task:
    name: str                # --task NAME everywhere
    data: str                # its folder under the shared data folder
    load: Callable           # folder -> dict(inputs=[str], refs=[[str]], ...) of the valid split
    score: Callable          # (hyps, ev, tokenizer, Scores) -> None: the task's own metrics
    headline: str            # the one number of a row (learning-curve plot and log lines)
    plot: Tuple[str, ...]    # the study plot's metrics
    table: Tuple[str, ...]   # the baselines table's columns
    curve: Tuple[str, ...]   # the learning-curve table's columns
    copy_baseline: Tuple[str, Callable]   # (name, source -> output) of the trivial baseline
    bootstrap: str           # the paired bootstrap's metric: sacrebleu | seqdiffuseq | rougeL
    vocab: Optional[str] = None    # the vocabulary of its models, relative to the repository
                                   # root; None: no training recipe (no train split)
    shape: Tuple[str, ...] = ()    # the task's trainer flags on top of RECIPE (model shape, case)

    @property
    def trainable(self):
        """It has a training recipe (and a train split for the retrieval baseline)."""
        return self.vocab is not None


TASKS = {t.name: t for t in (
    Task("commongen", "commongen", load_commongen, score_commongen,
         headline="cider", plot=("bleu4", "cider"),
         table=("bleu4", "cider", "rougeL", "coverage", "sacrebleu"),
         curve=("bleu4", "cider", "rougeL", "coverage", "all_covered", "repeat", "distinct"),
         copy_baseline=("copy", copy_source), bootstrap="rougeL",
         vocab="models/commongen/vocab.txt",
         shape=("--tgt_len", "24", "--max_pos_len", "32")),
    Task("multi30k", "multi30k-de-en", load_pairs, score_multi30k,
         headline="sacrebleu", plot=("sacrebleu",), table=("sacrebleu", "rougeL"),
         curve=("sacrebleu", "rougeL", "repeat", "distinct"),
         copy_baseline=("copy", copy_source), bootstrap="sacrebleu",
         vocab="models/multi30k/vocab.txt",
         shape=("--tgt_len", "32", "--max_pos_len", "64", "--gen_case", "sentence")),
    Task("aeslc", "aeslc", load_aeslc, score_aeslc,
         headline="rougeL", plot=("rougeL",), table=("rouge1", "rouge2", "rougeL"),
         curve=("rougeL", "rouge1", "repeat", "distinct"),
         copy_baseline=("lead4", lead4), bootstrap="rougeL",
         vocab="studies/models/aeslc-small/vocab.txt",
         shape=("--tgt_len", "20", "--max_pos_len", "64")),
    Task("iwslt14", "iwslt14-de-en", load_pairs, score_iwslt14,
         headline="seqdiffuseq_bleu", plot=("seqdiffuseq_bleu", "dinoiser_bleu"),
         table=("seqdiffuseq_bleu", "dinoiser_bleu"),
         curve=("seqdiffuseq_bleu", "dinoiser_bleu", "repeat", "distinct"),
         copy_baseline=("copy", copy_source), bootstrap="seqdiffuseq"),
)}

# The trainer flags every task's recipe shares (the CPU recipes' of studies/claim-*/training/,
# 300 warm-up steps); --batch_size is the caller's. Callers add --seed, --schedule, --device and
# the run's own options.
RECIPE = ("--intermediate_size", "512", "--num_attention_heads", "8", "--in_channels", "64",
          "--encoder_layers", "3", "--decoder_layers", "3", "--batch_size", "{batch}",
          "--lr", "1e-3", "--warmup_steps", "300", "--total_steps", "1000000",
          "--lr_schedule", "constant", "--ema_rate", "0.999", "--dropout", "0.1",
          "--att_dropout", "0.1", "--src_emb_init", "tgt", "--export_dtype", "f16")


def names(trainable=False):
    """The task names, in registry order (argparse choices, defaults of --tasks); trainable:
    only those with a training recipe."""
    return [n for n, t in TASKS.items() if t.trainable or not trainable]


def get(name):
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r} (one of: {' '.join(TASKS)})") from None


def data_folder(task, data_root=DATA):
    """The task's folder under the shared data folder."""
    return os.path.join(data_root, get(task).data)


def load_eval(task, data_root=DATA, split="valid"):
    """-> dict(inputs=[str], refs=[[str]], extra) for the task's split (valid only)."""
    if split != "valid":
        raise ValueError("only the valid split is evaluated here (test.* is held out)")
    t = get(task)
    return t.load(os.path.join(data_root, t.data))


def recipe(task, batch):
    """-> the trainer flags of the task's recipe at this batch size (list of str)."""
    t = get(task)
    if not t.trainable:
        raise ValueError(f"task {task!r} has no training recipe (tasks with one: "
                         f"{' '.join(names(trainable=True))})")
    return [a.format(batch=batch) for a in RECIPE] + list(t.shape)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--names", action="store_true", help="print the task names")
    ap.add_argument("--trainable", action="store_true",
                    help="with --names: only the tasks with a training recipe")
    ap.add_argument("--recipe", nargs=2, metavar=("TASK", "BATCH"),
                    help="print DIR=, VOCAB=, RECIPE=(...) as shell assignments")
    ap.add_argument("--caller", default="tasks", help="the name unknown-task errors start with")
    args = ap.parse_args(argv)
    if args.names:
        print(" ".join(names(args.trainable)))
    elif args.recipe:
        task, batch = args.recipe
        if task not in TASKS:
            print(f"{args.caller}: unknown task '{task}' (one of: {' '.join(TASKS)})",
                  file=sys.stderr)
            return 2
        t = TASKS[task]
        if not t.trainable:
            print(f"{args.caller}: task '{task}' has no training recipe (tasks with one: "
                  f"{' '.join(names(trainable=True))})", file=sys.stderr)
            return 2
        print(f"DIR={shlex.quote(t.data)}; VOCAB={shlex.quote(t.vocab)}; "
              f"RECIPE=({shlex.join(recipe(task, batch))})")
    else:
        for t in TASKS.values():
            model = (f"vocab {t.vocab}, shape {' '.join(t.shape)}" if t.trainable
                     else "no training recipe")
            print(f"{t.name}: data {t.data}, headline {t.headline}, baseline "
                  f"{t.copy_baseline[0]}, {model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

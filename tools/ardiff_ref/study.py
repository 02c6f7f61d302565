"""The paper's claim measured with ardiff: quality against decoder passes, AR vs uniform.

    python3 -m ardiff_ref.study --ar-model DIR --uniform-model DIR --task commongen \
        --out ../studies/claim-commongen/ [--limit N] [--device SPEC] [--batch B] \
        [--ardiff build/ardiff] [--seed 1] [--phase all|generate|score]

Runs `ardiff generate` on the first N eval inputs of the task's valid split (evaluate.py's
inputs; all of them without --limit) for every row of the grid, all on one device in one run:
  AR model, AR schedule:      K in {1, 2, 3, 5, 10, 20, 50}, k in {1, 10}, the model's anchor
  uniform model, uniform:     K in {20, 100, 500, 2000},       k in {1, 10}
  (`--candidates 1 10 50` adds k = 50 rows: every K with k = 50, left out above --max-passes)
  AR model, anchor sweep:     K = 20, k = 10, anchor scale in {1, 2, 3}
Rows run cheapest first (K*k); `--max-passes P` leaves out rows with K*k > P (listed as not
run in results.md) when the device is too slow for them. Each run's jsonl and meta (command,
sha256s, device) are kept in OUT/runs.tar.gz (ardiff_ref.runstore; ardiff writes a row into the
scratch folder OUT/runs/ before it is packed), and a rerun skips rows already done with the
same command, model files and inputs
(sha256 in the meta; paths inside the repository are compared relative to tools/, so a clone
at another path reuses the committed runs) on the same device (`ardiff devices` as device.txt
records it: a row stored from another machine runs again, so that one table's timings come from
one device; `--keep-other-devices` reuses them and results.md then shows each row's device).
Then every row is scored (evaluate.score) and
OUT/results.csv, OUT/results.md, OUT/quality_vs_steps.png and OUT/commands.sh are written.
`--phase generate` needs only the ardiff binary (no metric packages: for a lent GPU machine);
`--phase score` scores the runs already in OUT. Seconds per input are the run's own batch
timings (encoder + K decoder passes + MBR, summed over batches / inputs; no start-up).
"""
import argparse
import configparser
import csv
import datetime
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time

from . import tasks
from .runstore import RunArchive, json_bytes
from .tasks import DATA, REPO, load_eval

AR_STEPS = (1, 2, 3, 5, 10, 20, 50)
UNIFORM_STEPS = (20, 100, 500, 2000)
CANDIDATES = (1, 10)
ANCHORS = (1.0, 2.0, 3.0)


def model_anchor(model_dir):
    ini = configparser.ConfigParser()
    if not ini.read(os.path.join(model_dir, "model.ini")):
        raise SystemExit(f"study: no model.ini in {model_dir}")
    return float(ini["diffusion"]["end_point_scale"])


def grid(ar_anchor, candidates=CANDIDATES):
    """-> list of row dicts (model, schedule, K, k, anchor), deduplicated, cheapest first."""
    rows = []
    for k in candidates:
        rows += [dict(model="ar", schedule="ar", K=K, k=k, anchor=ar_anchor) for K in AR_STEPS]
        rows += [dict(model="uniform", schedule="uniform", K=K, k=k, anchor=None)
                 for K in UNIFORM_STEPS]
    rows += [dict(model="ar", schedule="ar", K=20, k=10, anchor=a) for a in ANCHORS]
    seen, out = set(), []
    for r in rows:
        key = (r["model"], r["K"], r["k"], r["anchor"])
        if key not in seen:
            seen.add(key)
            r["name"] = f"{r['model']}-K{r['K']}-k{r['k']}" + (
                f"-a{r['anchor']:g}" if r["anchor"] is not None else "")
            out.append(r)
    return sorted(out, key=lambda r: (r["K"] * r["k"], r["name"]))


def ardiff_cmd(args, row, inputs, output):
    model = args.ar_model if row["model"] == "ar" else args.uniform_model
    cmd = [args.ardiff, "generate", model, "-i", inputs, "-o", output, "--steps", str(row["K"]),
           "--candidates", str(row["k"]), "--schedule", row["schedule"], "--seed",
           str(args.seed), "--format", "jsonl", "--force", "-q"]
    if row["anchor"] is not None:
        cmd += ["--anchor-scale", f"{row['anchor']:g}"]
    if args.batch:
        cmd += ["--batch", str(args.batch)]
    for d in args.device or []:
        cmd += ["--device", d]
    return cmd


MODEL_FILES = ("model.ini", "model.safetensors", "vocab.txt")


def sha256_files(paths):
    """One sha256 over the files' contents, in order (a missing file counts as empty)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(os.path.basename(p).encode() + b"\0")
        if os.path.exists(p):
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        h.update(b"\0")
    return h.hexdigest()


def run_key(cmd, model_dir, inputs):
    """What a stored run depends on: the command, the model's files, the inputs' contents (a
    replaced model or a new --limit under the same paths must not reuse old outputs)."""
    return {"cmd": cmd, "model_sha256": sha256_files([os.path.join(model_dir, f)
                                                      for f in MODEL_FILES]),
            "inputs_sha256": sha256_files([inputs])}


def archive(out):
    """The study folder's rows: OUT/runs.tar.gz (runstore.RunArchive)."""
    return RunArchive(os.path.join(out, "runs.tar.gz"))


def record_devices(runs, device):
    """Metas (in the RunArchive `runs`) written before they recorded their device get `device`
    (the folder's device.txt, which described where they ran), before anything rewrites that
    file."""
    changed = {}
    for name in runs.names():
        if name.endswith(".meta.json"):
            meta = runs.read_json(name)
            if "device" not in meta:
                changed[name] = json_bytes({**meta, "device": device})
    if changed:
        runs.put(changed)


def generate(args, rows, inputs, device="unknown"):
    """Run ardiff for every row not already done on this device; -> nothing (OUT/runs.tar.gz).

    A table's timings compare rows of one device, so a run stored from another device (its
    meta's `device`) runs again unless args.keep_other_devices."""
    runs = os.path.join(args.out, "runs")       # scratch: ardiff writes a row here
    store = archive(args.out)
    keys = {}
    for r in rows:
        out = os.path.join(runs, r["name"] + ".jsonl")
        member, meta_member = "runs/" + r["name"] + ".jsonl", "runs/" + r["name"] + ".meta.json"
        cmd = ardiff_cmd(args, r, inputs, out)
        model = args.ar_model if r["model"] == "ar" else args.uniform_model
        if model not in keys:
            keys[model] = run_key(cmd, model, inputs)
        # the command as commands.sh records it (repository paths relative to tools/), so a
        # clone elsewhere, or a copy of the study folder, reuses the runs stored with it
        key = dict(keys[model], cmd=[portable(a) for a in cmd])
        old = store.read_json(meta_member)
        if old is not None and store.read(member) is not None:
            old["cmd"] = [portable(a) for a in old.get("cmd", [])]   # metas with absolute paths
            old_device = old.get("device", "unknown")
            if all(old.get(k) == v for k, v in key.items()):
                if old_device == device or getattr(args, "keep_other_devices", False):
                    print(f"study: {r['name']} already done", file=sys.stderr)
                    continue
                print(f"study: {r['name']}: stored run is from {old_device}, this run is on "
                      f"{device}; running again (one device per table; --keep-other-devices "
                      "keeps it)", file=sys.stderr)
            elif old["cmd"] == key["cmd"]:
                print(f"study: {r['name']}: model or inputs changed since the stored run; "
                      "running again", file=sys.stderr)
        print(f"study: {r['name']}: {shlex.join(cmd)}", file=sys.stderr, flush=True)
        os.makedirs(runs, exist_ok=True)
        t0 = time.monotonic()
        subprocess.run(cmd, check=True)
        strip_sources(out)
        meta = {**key, "device": device, "process_wall_s": time.monotonic() - t0,
                "finished_utc": datetime.datetime.utcnow().isoformat(timespec="seconds")}
        with open(out, "rb") as f:
            store.put({member: f.read(), meta_member: json_bytes(meta)})
        os.remove(out)
    if os.path.isdir(runs) and not os.listdir(runs):
        os.rmdir(runs)


def strip_sources(path):
    """Drop ardiff's `source` field from a stored run: the eval inputs stay in ../shared (the
    data are never copied into the repository); lines are in input order, which is what the
    scoring relies on (evaluate.align)."""
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(x) for x in f if x.strip()]
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            r.pop("source", None)
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    os.replace(tmp, path)


def seconds_per_input(rows):
    """From ardiff jsonl: each line carries its batch's timings and input count."""
    total = 0.0
    for r in rows:
        t = r["timing_ms"]
        total += (t["batch_encode"] + t["batch_decode"] + t["batch_mbr"]) / t["batch_inputs"]
    return total / 1000.0 / len(rows)


def score_rows(args, rows, ev, device="unknown"):
    from .evaluate import align, score
    results, sigs = [], {}
    store = archive(args.out)
    for r in rows:
        lines = store.read_jsonl("runs/" + r["name"] + ".jsonl")
        meta = store.read_json("runs/" + r["name"] + ".meta.json")
        if lines is None or meta is None:
            print(f"study: {r['name']} missing, not scored", file=sys.stderr)
            continue
        hyps = [x["output"] for x in lines]
        sc, sigs = score(args.task, hyps, align(ev, hyps, [x.get("source") for x in lines],
                                                len(hyps)), args.tokenizer)
        results.append(dict(task=args.task, model=r["model"], schedule=r["schedule"], K=r["K"],
                            k=r["k"], anchor="" if r["anchor"] is None else r["anchor"],
                            passes_per_input=r["K"] * r["k"], n=len(hyps),
                            s_per_input=seconds_per_input(lines),
                            process_wall_s=meta["process_wall_s"],
                            device=meta.get("device", device), **sc))
    return results, sigs


def portable(text):
    """Paths inside the repository written relative to tools/ (where commands.sh runs), so the
    recorded files do not depend on where the repository was checked out; the shared data next
    to the repository (../shared, the default --data) likewise."""
    shared = os.path.join(os.path.dirname(REPO), "shared") + os.sep
    return text.replace(REPO + os.sep, ".." + os.sep).replace(shared, os.path.join("..", "..", "shared") + os.sep)


def write_outputs(args, results, sigs):
    cols = list(results[0].keys())
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(results)
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)  # noqa: E731
    devices = sorted({r["device"] for r in results})
    hide = ("task", "process_wall_s", "coco_tokenizer") + (("device",) if len(devices) == 1 else ())
    show = [c for c in cols if c not in hide]
    title = "one device, one run" if len(devices) == 1 else \
        f"rows from {len(devices)} devices: compare timings only within one"
    lines = [f"# {args.task}: quality vs decoder passes (ardiff, {title})", "",
             f"- inputs: the first {results[0]['n']} of the valid split"
             + (f" (--limit {args.limit})" if args.limit else " (all)"),
             f"- AR model: `{args.ar_model}`; uniform model: `{args.uniform_model}`",
             f"- device: {'; '.join(devices)}; seed {args.seed}; "
             f"batch {args.batch or 'ardiff default'}",
             "- s_per_input: the run's batch timings (encoder + decoder passes + MBR) per input",
             "", "| " + " | ".join(show) + " |", "|" + "---|" * len(show)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in show) + " |" for r in results]
    if args.left_out:
        lines += ["", f"Not run (--max-passes {args.max_passes}): " + ", ".join(args.left_out)]
    lines += ["", "Metric signatures:", ""] + [f"- {k}: `{v}`" for k, v in sigs.items()]
    if "coco_tokenizer" in cols:
        lines.append(f"- coco tokenizer used: {sorted({r['coco_tokenizer'] for r in results})}")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(portable("\n".join(lines) + "\n"))
    plot(args, results)


def plot(args, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    metrics = tasks.get(args.task).plot
    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 4.5), squeeze=False)
    default = {r["anchor"] for r in results if r["model"] == "ar" and r["K"] != 20}
    for ax, m in zip(axes[0], metrics):
        for model in ("ar", "uniform"):
            for k in sorted({r["k"] for r in results}):
                pts = sorted((r["passes_per_input"], r[m]) for r in results
                             if r["model"] == model and r["k"] == k
                             and (model == "uniform" or r["anchor"] in default))
                if pts:
                    ax.plot(*zip(*pts), marker="o" if model == "ar" else "s",
                            linestyle={1: "-", 10: "--"}.get(k, ":"), label=f"{model} k={k}")
        ax.set_xscale("log")
        ax.set_xlabel("decoder passes per input (K x k)")
        ax.set_ylabel(m)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    n = results[0]["n"]
    fig.suptitle(f"{args.task} valid, first {n} inputs: quality vs decoder passes (ardiff)")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "quality_vs_steps.png"), dpi=120)


def write_commands(args, rows, inputs):
    """OUT/commands.sh: the study command, then each ardiff run and its evaluate command."""
    py = shlex.quote(os.path.normpath(sys.executable))
    lines = ["#!/usr/bin/env bash", "# Regenerates this folder (run from tools/).",
             "set -euo pipefail", "", "# the whole study in one command:",
             f"{py} -m ardiff_ref.study " + shlex.join(sys.argv[1:]), "",
             "# (it writes inputs.txt, the eval inputs the rows below read, and keeps every row in",
             "# runs.tar.gz: `tar -xzf runs.tar.gz` here unpacks runs/NAME.jsonl, which keep no",
             "# `source` field: the data stay in ../shared)",
             "# which is, row by row (ardiff, then the scores of one row):"]
    for r in rows:
        out = os.path.join(args.out, "runs", r["name"] + ".jsonl")
        lines.append(shlex.join(ardiff_cmd(args, r, inputs, out)))
        lines.append(f"{py} -m ardiff_ref.evaluate --task {args.task} --split valid --hyp "
                     f"{shlex.quote(out)} --data {shlex.quote(args.data)}"
                     + (f" --limit {args.limit}" if args.limit else ""))
    with open(os.path.join(args.out, "commands.sh"), "w") as f:
        f.write(portable("\n".join(lines) + "\n"))


def append_score_command(args):
    """Adds the scoring command to commands.sh once (scoring again does not repeat it)."""
    path = os.path.join(args.out, "commands.sh")
    text = portable("\n# scored (results.csv, results.md, quality_vs_steps.png) with:\n"
                    f"{shlex.quote(os.path.normpath(sys.executable))} -m ardiff_ref.study "
                    + shlex.join(sys.argv[1:]) + "\n")
    old = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    if not old.endswith(text):
        with open(path, "a") as f:
            f.write(text)


def describe_device(args):
    try:
        res = subprocess.run([args.ardiff, "devices"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        return f"unknown ({e})"
    names = [x.strip() for x in res.stdout.splitlines() if x.startswith("[")]
    return f"--device {','.join(args.device)} of {names}" if args.device else f"default of {names}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ar-model", required=True)
    ap.add_argument("--uniform-model", required=True)
    ap.add_argument("--task", default="commongen", choices=tasks.names())
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int, help="the first N eval inputs only")
    ap.add_argument("--device", action="append", help="ardiff --device (repeatable)")
    ap.add_argument("--batch", type=int, help="ardiff --batch")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ardiff", default=os.path.join(REPO, os.environ.get("ARDIFF_BUILD_DIR",
                                                                           "build"), "ardiff"))
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--tokenizer", default="ptb", choices=["ptb", "simple"])
    ap.add_argument("--phase", default="all", choices=["all", "generate", "score"])
    ap.add_argument("--candidates", type=int, nargs="+", default=list(CANDIDATES), metavar="k",
                    help="the k values of the grid (default %(default)s; e.g. 1 10 50)")
    ap.add_argument("--max-passes", type=int, default=0,
                    help="leave out rows with K*k above this (0: run every row)")
    ap.add_argument("--keep-other-devices", action="store_true",
                    help="reuse stored runs made on another device (default: run them again, "
                         "so that a table's timings come from one device; with it, results.md "
                         "gets a device column)")
    args = ap.parse_args(argv)
    if any(k < 1 for k in args.candidates):
        raise SystemExit(f"study: --candidates must be at least 1, got {args.candidates}")
    args.ar_model, args.uniform_model, args.out, args.ardiff, args.data = (
        os.path.abspath(p) for p in (args.ar_model, args.uniform_model, args.out, args.ardiff,
                                     args.data))
    os.makedirs(args.out, exist_ok=True)
    ev = load_eval(args.task, args.data, "valid")
    n = len(ev["inputs"]) if args.limit is None else min(args.limit, len(ev["inputs"]))
    ev = {key: v[:n] for key, v in ev.items()}
    inputs = os.path.join(args.out, "inputs.txt")
    with open(inputs, "w", encoding="utf-8") as f:
        f.write("".join(x + "\n" for x in ev["inputs"]))
    rows = grid(model_anchor(args.ar_model), tuple(args.candidates))
    args.left_out = [r["name"] for r in rows if args.max_passes and r["K"] * r["k"] > args.max_passes]
    rows = [r for r in rows if r["name"] not in args.left_out]
    device_file = os.path.join(args.out, "device.txt")
    if args.phase in ("all", "generate"):
        if os.path.exists(device_file):      # what older metas ran on, before it is rewritten
            with open(device_file) as f:
                record_devices(archive(args.out), f.read().strip() or "unknown")
        device = describe_device(args)
        with open(device_file, "w") as f:    # first: a run stopped by a deadline keeps it
            f.write(device + "\n")
        write_commands(args, rows, inputs)
        generate(args, rows, inputs, device)
    if args.phase in ("all", "score"):
        device = "unknown"                   # for metas without the field (and no device.txt)
        if os.path.exists(device_file):
            with open(device_file) as f:
                device = f.read().strip()
        results, sigs = score_rows(args, rows, ev, device)
        if not results:
            raise SystemExit("study: no runs to score")
        write_outputs(args, results, sigs)
        if args.phase == "score":
            append_score_command(args)
        print(open(os.path.join(args.out, "results.md")).read())
    return 0


if __name__ == "__main__":
    sys.exit(main())

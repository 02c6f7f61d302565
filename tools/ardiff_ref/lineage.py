"""A model's whole learning curve, across the runs it came from: score against cumulative compute.

    python3 -m ardiff_ref.lineage ../models/commongen/lineage.json [--out DIR]

A bundled model is usually the end of a chain of runs (a GPU run from scratch, a GPU
continuation, CPU continuations, ...). Each run has its own curve (`ardiff_ref.curve`) in its
own unit; this tool puts the chain together for the model's README: one table (stage, step,
training sequences, GPU-minutes and CPU-hours so far, the task's curve metrics) and one plot of
the task's headline metric against cumulative training sequences, with the stages marked and
their compute in the legend.

lineage.json (paths relative to the repository root):

    {"task": "commongen",
     "note": "...",                                      (optional, printed under the table)
     "stages": [
       {"label": "H200 from scratch", "model": "studies/models/commongen-small",
        "sequences": 480000, "gpu_min": 2.0},           a run known by its end model only:
                                                         scored here (first LIMIT valid inputs)
       {"label": "CPU cg-cpu3", "curve": "studies/curves/cg-cpu3",
        "cpu_h": 0.55}                                   a run with a curve folder: its rows;
     ]}                                                  cpu_h / gpu_min (optional) replace the
                                                         curve's last compute value, rows scaled
                                                         in proportion (for curves logged in
                                                         wall time on a shared machine);
                                                         end_sequences and end_cpu_h /
                                                         end_gpu_min (optional): where the run
                                                         ended when it went on past its last
                                                         scored row (the next stage starts there)

A curve's step-0 row is the previous stage's end model and is not repeated. Scores of `model`
stages are kept in OUT/rows.tar.gz (reused while the model's files and the command are
unchanged). Writes OUT/lineage.md, OUT/lineage.csv and OUT/lineage.png (OUT: the folder of
lineage.json unless --out). The valid split only: test.* is never read.
"""
import argparse
import csv
import hashlib
import json
import os
import sys
import tempfile

from . import evaluate, tasks
from .curve import score_export
from .tasks import REPO


class LineageError(ValueError):
    pass


def load_spec(path):
    """The parsed lineage.json, checked; LineageError names the file and the field."""
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise LineageError(f"{path}: {e}") from e
    if not isinstance(spec, dict) or spec.get("task") not in tasks.names():
        raise LineageError(f"{path}: 'task' must be one of {', '.join(tasks.names())}")
    stages = spec.get("stages")
    if not isinstance(stages, list) or not stages:
        raise LineageError(f"{path}: 'stages' must be a non-empty list")
    for i, st in enumerate(stages):
        where = f"{path}: stages[{i}]"
        if not isinstance(st, dict) or not isinstance(st.get("label"), str):
            raise LineageError(f"{where}: needs a 'label' string")
        if ("model" in st) == ("curve" in st):
            raise LineageError(f"{where} ({st['label']}): give exactly one of 'model' or 'curve'")
        for k in ("sequences", "gpu_min", "cpu_h", "end_sequences", "end_cpu_h", "end_gpu_min"):
            if k in st and (not isinstance(st[k], (int, float)) or st[k] < 0):
                raise LineageError(f"{where} ({st['label']}): '{k}' must be a number >= 0")
        if "model" in st and any(k.startswith("end_") for k in st):
            raise LineageError(f"{where} ({st['label']}): 'end_*' fields are for 'curve' stages")
        if "model" in st and "sequences" not in st:
            raise LineageError(f"{where} ({st['label']}): a 'model' stage needs 'sequences'")
        if "model" in st and "gpu_min" not in st and "cpu_h" not in st:
            raise LineageError(f"{where} ({st['label']}): a 'model' stage needs 'gpu_min' or 'cpu_h'")
    return spec


def read_curve(folder):
    """Rows of a curve folder's curve.csv: [{step, sequences, unit, compute, scores}]."""
    path = os.path.join(folder, "curve.csv")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise LineageError(f"{path}: {e}") from e
    if not rows:
        raise LineageError(f"{path}: no rows")
    unit = "gpu_min" if "gpu_min" in rows[0] else "cpu_h"
    if unit not in rows[0]:
        raise LineageError(f"{path}: no cpu_h or gpu_min column")
    out = []
    for r in rows:
        try:
            out.append({"step": int(r.pop("step")), "sequences": int(r.pop("sequences")),
                        "unit": unit, "compute": float(r.pop(unit)),
                        "scores": {k: float(v) for k, v in r.items()}})
        except (KeyError, ValueError) as e:
            raise LineageError(f"{path}: bad row {r}: {e}") from e
    return out


def build(spec, score_model):
    """The cumulative table. score_model(path) -> scores dict (for 'model' stages)."""
    table, seq, gpu, cpu = [], 0, 0.0, 0.0
    for st in spec["stages"]:
        if "model" in st:
            d_gpu, d_cpu = st.get("gpu_min", 0.0), st.get("cpu_h", 0.0)
            seq, gpu, cpu = seq + st["sequences"], gpu + d_gpu, cpu + d_cpu
            table.append({"stage": st["label"], "step": None, "sequences": seq,
                          "gpu_min": gpu, "cpu_h": cpu,
                          "scores": score_model(os.path.join(REPO, st["model"]))})
            continue
        rows = read_curve(os.path.join(REPO, st["curve"]))
        unit = rows[0]["unit"]
        last = rows[-1]["compute"]
        want = st.get(unit)
        scale = (want / last) if (want is not None and last > 0) else 1.0
        g0, c0 = gpu, cpu
        for r in rows:
            if r["step"] == 0 and table:
                continue        # the previous stage's end model
            c = r["compute"] * scale
            gpu = g0 + (c if unit == "gpu_min" else 0.0)
            cpu = c0 + (c if unit == "cpu_h" else 0.0)
            table.append({"stage": st["label"], "step": r["step"], "sequences": seq + r["sequences"],
                          "gpu_min": gpu, "cpu_h": cpu, "scores": r["scores"]})
        last_row = table[-1]
        if "end_sequences" in st:
            if st["end_sequences"] < rows[-1]["sequences"]:
                raise LineageError(f"{st['label']}: end_sequences {st['end_sequences']} is below "
                                   f"the curve's last row ({rows[-1]['sequences']})")
            seq += st["end_sequences"]
        else:
            seq += rows[-1]["sequences"]
        # the run's end when it went on past its last scored row
        gpu = g0 + st["end_gpu_min"] if "end_gpu_min" in st else last_row["gpu_min"]
        cpu = c0 + st["end_cpu_h"] if "end_cpu_h" in st else last_row["cpu_h"]
    return table


def write(out, spec, table, limit):
    task = tasks.get(spec["task"])
    keys = [k for k in task.curve if all(k in r["scores"] for r in table)]
    with open(os.path.join(out, "lineage.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["stage", "step", "sequences", "gpu_min", "cpu_h"] + keys)
        for r in table:
            w.writerow([r["stage"], "" if r["step"] is None else r["step"], r["sequences"],
                        "%.2f" % r["gpu_min"], "%.3f" % r["cpu_h"]]
                       + ["%.4g" % r["scores"][k] for k in keys])
    with open(os.path.join(out, "lineage.md"), "w", encoding="utf-8") as f:
        f.write("First %d valid inputs, each model's defaults, seed 0, `ardiff generate`, scored "
                "by `ardiff_ref.evaluate`; sequences, GPU-minutes and CPU-hours are cumulative "
                "over the chain of runs (`python3 -m ardiff_ref.lineage`).\n\n" % limit)
        f.write("| stage | step | sequences | GPU-min | CPU-h | %s |\n" % " | ".join(keys))
        f.write("|---" * (5 + len(keys)) + "|\n")
        for r in table:
            f.write("| %s | %s | %s | %.1f | %.2f | %s |\n" % (
                r["stage"], "end" if r["step"] is None else "{:,}".format(r["step"]),
                "{:,}".format(r["sequences"]), r["gpu_min"], r["cpu_h"],
                " | ".join("%.4g" % r["scores"][k] for k in keys)))
        if spec.get("note"):
            f.write("\n%s\n" % spec["note"])
    return keys


def plot(out, spec, table, limit):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("lineage: matplotlib missing, no plot", file=sys.stderr)
        return False
    head = tasks.get(spec["task"]).headline
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = []
    for r in table:
        if r["stage"] not in labels:
            labels.append(r["stage"])
    prev = None
    for i, lab in enumerate(labels):
        rows = [r for r in table if r["stage"] == lab]
        xs = [r["sequences"] / 1e6 for r in rows]
        ys = [r["scores"][head] for r in rows]
        if prev is not None:            # join to the previous stage's last point
            xs, ys = [prev[0]] + xs, [prev[1]] + ys
        end = rows[-1]
        ax.plot(xs, ys, "o-", color="C%d" % i,
                label="%s (to %.1f GPU-min, %.2f CPU-h)" % (lab, end["gpu_min"], end["cpu_h"]))
        prev = (xs[-1], ys[-1])
    ax.set_xlabel("training sequences seen (millions, cumulative)")
    ax.set_ylabel("%s (first %d valid)" % (head, limit))
    ax.set_title("%s: %s" % (spec["task"], os.path.basename(os.path.dirname(os.path.abspath(
        out + "/x")))))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "lineage.png"), dpi=100)
    plt.close(fig)
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("spec", help="lineage.json")
    ap.add_argument("--out", help="output folder (default: the folder of lineage.json)")
    ap.add_argument("--limit", type=int, default=200, help="first N valid inputs (default 200)")
    ap.add_argument("--ardiff", default=os.path.join(REPO, "build", "ardiff"))
    ap.add_argument("--device", help="ardiff --device")
    ap.add_argument("--batch", type=int, default=64, help="ardiff --batch")
    ap.add_argument("--data", default=tasks.DATA)
    args = ap.parse_args(argv)
    out = args.out or os.path.dirname(os.path.abspath(args.spec))
    try:
        spec = load_spec(args.spec)
        args.task, args.out = spec["task"], out
        os.makedirs(out, exist_ok=True)
        ev = None
        with tempfile.TemporaryDirectory() as tmp:
            inputs_path = os.path.join(tmp, "inputs.txt")

            def score_model(model):
                nonlocal ev
                if not os.path.isfile(os.path.join(model, "model.ini")):
                    raise LineageError(f"{model}: no model.ini")
                if ev is None:
                    ev_all = evaluate.load_eval(args.task, args.data)
                    ev = evaluate.align(ev_all, ev_all["inputs"][:args.limit], limit=args.limit)
                    with open(inputs_path, "w", encoding="utf-8") as f:
                        f.write("".join(x + "\n" for x in ev["inputs"]))
                # a stable row name per model path (score_export files rows by an integer)
                rel = os.path.normpath(os.path.relpath(model, REPO)).encode("utf-8")
                step = int(hashlib.sha256(rel).hexdigest()[:8], 16)
                row = score_export(args, step, model, inputs_path, ev)
                return row["scores"]

            table = build(spec, score_model)
    except (LineageError, OSError, KeyError) as e:
        print(f"lineage: {e}", file=sys.stderr)
        return 1
    keys = write(out, spec, table, args.limit)
    plot(out, spec, table, args.limit)
    head = tasks.get(spec["task"]).headline
    for r in table:
        print("lineage: %-40s %9d seq  %6.1f GPU-min  %5.2f CPU-h  %s %.4g" % (
            r["stage"][:40], r["sequences"], r["gpu_min"], r["cpu_h"], head,
            r["scores"][head]), file=sys.stderr)
    print("lineage: wrote %s/lineage.{md,csv,png} (%s)" % (out, ", ".join(keys)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Writes bench/RESULTS.md from what bench/run.sh and bench/scale.sh left in
bench/out/ (run with the venv's Python: python bench/results.py).

Sections whose inputs are missing say so. bench/results-notes.md, if present,
is appended verbatim (the hand-written analysis).
"""
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "bench", "out")
MODELS = ["cnn", "lstm", "gru"]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def gnu_time(path):
    """Wall seconds, peak RSS (MiB) and CPU seconds from GNU time -v."""
    if not os.path.exists(path):
        return None
    t = open(path).read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t)
    if not m:
        return None
    secs = 0.0
    for part in m.group(1).split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    cpu = float(re.search(r"User time \(seconds\): (\S+)", t).group(1)) + \
        float(re.search(r"System time \(seconds\): (\S+)", t).group(1))
    return {"wall": secs, "rss": rss, "cpu": cpu}


def loads(path):
    if not os.path.exists(path):
        return ""
    return " → ".join(re.sub(r".*load average: ", "", l).strip() for l in open(path) if l.strip())


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception:
        return ""


def fmt(x, nd=0):
    if x is None or x != x:
        return "–"
    return f"{x:,.{nd}f}"


def kind(name):
    return name.split()[0]


# ---------------------------------------------------------------- inputs


def tfnids_rep(d, name="tfnids"):
    files = sorted(glob.glob(os.path.join(d, name, "results", "*", "*.json")))
    if not files:
        return None
    r = json.load(open(files[-1]))
    out = {"tf": r.get("tensorflow_version"), "version": r.get("tfnids_version"), "models": {}}
    for model_name, m in r["models"].items():
        k = kind(model_name)
        folds = []
        hist = {h["fold"]: h["epochs"] for h in m.get("history", [])}
        for s in m["scores"]:
            eps = hist.get(s["fold"], [])
            folds.append({"fold": s["fold"], "epochs": [{"seconds": e["seconds"], "sps": e["samples_per_second"],
                                                        "loss": e["loss"]} for e in eps],
                          "fit": s.get("train_seconds"), "final_loss": eps[-1]["loss"] if eps else None,
                          "f1": s["f1s"], "acc": s["accuracy"], "predict": s["time"], "test_rows": s["test_rows"]})
        out["models"][k] = folds
    out["time"] = gnu_time(os.path.join(d, name + ".time"))
    out["load"] = loads(os.path.join(d, name + ".load"))
    return out


def keras_rep(d, name="keras"):
    p = os.path.join(d, name + ".json")
    if not os.path.exists(p):
        return None
    r = json.load(open(p))
    out = {"info": r, "models": {}}
    for e in r["results"]:
        out["models"].setdefault(e["model"], []).append({
            "fold": e["fold"], "epochs": [{"seconds": x["seconds"], "sps": x["samples_per_sec"], "loss": x["loss"]}
                                          for x in e["epochs"]],
            "fit": e["fit_seconds"], "final_loss": e["final_loss"], "f1": e["f1_weighted"], "acc": e["accuracy"],
            "predict": e["predict_seconds_cold"], "predict_warm": e["predict_seconds_warm"],
            "test_rows": e["test_rows"]})
    out["time"] = gnu_time(os.path.join(d, name + ".time"))
    out["load"] = loads(os.path.join(d, name + ".load"))
    return out


def pooled(treps, kreps, model, key):
    """Mean over all (repetition, fold) pairs of tfnids − Keras for key, its
    standard error, and the Keras mean."""
    diffs, ks = [], []
    for t, k in zip(treps, kreps):
        kf = {f["fold"]: f for f in k["models"].get(model, [])}
        for f in t["models"].get(model, []):
            if f["fold"] in kf and f[key] is not None:
                diffs.append(f[key] - kf[f["fold"]][key])
                ks.append(kf[f["fold"]][key])
    if len(diffs) < 2:
        return None
    return statistics.mean(diffs), statistics.stdev(diffs) / len(diffs) ** 0.5, statistics.mean(ks), len(diffs)


def pooled_cells(treps, kreps, m):
    pl, pf = pooled(treps, kreps, m, "final_loss"), pooled(treps, kreps, m, "f1")
    if not pl or not pf:
        return "– | –"
    return (f"{100 * pl[0] / pl[2]:+.2f}% ± {100 * pl[1] / pl[2]:.2f}% (n={pl[3]}) | "
            f"{pf[0]:+.4f} ± {pf[1]:.4f}")


def side_stats(reps, model):
    """Medians over repetitions (and folds, epochs) for one side and model."""
    steady, first, fits, losses, f1s, accs, pred, pred_warm = [], [], [], [], [], [], [], []
    rep_loss, rep_f1 = [], []
    for rep in reps:
        folds = rep["models"].get(model, [])
        if not folds:
            continue
        for f in folds:
            eps = f["epochs"]
            if eps:
                first.append(eps[0]["sps"])
                steady.extend(e["sps"] for e in eps[1:])
            fits.append(f["fit"])
            pred.append(f["test_rows"] / f["predict"])
            if f.get("predict_warm"):
                pred_warm.append(f["test_rows"] / f["predict_warm"])
        rep_loss.append(statistics.mean(f["final_loss"] for f in folds))
        rep_f1.append(statistics.mean(f["f1"] for f in folds))
        accs.append(statistics.mean(f["acc"] for f in folds))
    return {"steady": med(steady), "first": med(first), "fit": med(fits), "loss": med(rep_loss),
            "loss_range": (min(rep_loss), max(rep_loss)) if rep_loss else None, "f1": med(rep_f1),
            "f1_range": (min(rep_f1), max(rep_f1)) if rep_f1 else None, "acc": med(accs),
            "pred": med(pred), "pred_warm": med(pred_warm), "n_reps": len(rep_loss)}


# ---------------------------------------------------------------- sections


def machine():
    lscpu = sh("lscpu")
    keep = ["Architecture", "Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket", "Socket(s)",
            "Hypervisor vendor", "L1d cache", "L2 cache", "L3 cache", "Flags"]
    lines = []
    for l in lscpu.splitlines():
        k = l.split(":")[0].strip()
        if k in keep:
            v = l.split(":", 1)[1].strip()
            if k == "Flags":
                v = " ".join(f for f in v.split() if f.startswith(("avx", "fma", "amx")))
                k = "SIMD flags"
            lines.append(f"| {k} | {v} |")
    mem = sh("free -g | awk '/Mem:/ {print $2}'")
    lines.append(f"| Memory | {mem} GiB |")
    lines.append(f"| Kernel | {platform.release()} |")
    return "## Machine\n\n| | |\n|---|---|\n" + "\n".join(lines) + "\n"


def versions(krep, trep):
    rows = [("Go", sh("go version")), ("tfnids", (trep or {}).get("version", "")),
            ("TensorFlow (tfnids, C API)", (trep or {}).get("tf", "")),
            ("libtensorflow", "the tensorflow-cpu 2.18 wheel's libtensorflow_cc.so.2 (third_party/libtensorflow links to it): "
                              "the same kernels, oneDNN included, on both sides")]
    if krep:
        i = krep["info"]
        rows += [("TensorFlow (Python)", i["tensorflow"]), ("Keras", i["keras"]), ("Python", i["python"]),
                 ("NumPy", i["numpy"]), ("pandas", i["pandas"])]
    rows.append(("scikit-learn", sh(f"{sys.executable} -c 'import sklearn; print(sklearn.__version__)'")))
    return "## Versions\n\n| | |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows) + "\n"


def training_section():
    base = os.path.join(OUT, "keras")
    reps = sorted(glob.glob(os.path.join(base, "rep*")), key=lambda p: int(p.rsplit("rep", 1)[1]))
    treps = [r for r in (tfnids_rep(d) for d in reps) if r]
    kreps = [r for r in (keras_rep(d) for d in reps) if r]
    if not treps or not kreps:
        return None, None, "## tfnids vs Keras\n\nNot run yet (bash bench/run.sh).\n"
    k0 = kreps[0]["info"]
    a = k0["args"]
    folds = json.load(open(os.path.join(reps[0], "folds.json")))
    s = ["## tfnids vs Keras: training, accuracy, predict, memory\n"]
    s.append(f"Data: `{a['data']}` ({k0['rows']:,} rows, {k0['features']} features, {k0['classes']} classes; "
             f"profile {folds['profile']}). Folds: tfnids' `{folds['splitter']}` (repetition N uses seed "
             f"{a['seed']} + 1000·(N−1) for folds, weights and shuffles on both sides), indices passed to Keras "
             f"(`bench/folds`); Keras' pandas frame is checked row by row against tfnids' (labels and raw column sums) "
             f"before training. Per fold and model: fresh weights (seed + fold), {a['epochs']} epochs, batch "
             f"{a['batch_size']}, no early stopping, Adam (Keras defaults), {a['threads']} intra-op / "
             f"{a['inter_threads']} inter-op threads on both sides (OMP/MKL threads too). CNN rows are shuffled "
             f"every epoch on both sides; LSTM/GRU windows of {a['seq_len']} rows go in time order (the seed's "
             f"`timeseries_dataset_from_array(..., shuffle=False)`). {len(treps)} repetitions per side, run "
             f"alternately (tfnids, Keras, tfnids, Keras, …), each a separate process. Keras is run as users run it: `model.fit`/"
             f"`model.predict`, default `compile` (no XLA on a CPU-only machine).\n")
    cmds = os.path.join(base, "commands.txt")
    if os.path.exists(cmds):
        s.append("Commands:\n\n```\n" + open(cmds).read().strip() + "\n```\n")

    s.append("### Training throughput (samples/s, medians)\n")
    s.append("Steady state = every epoch after the first, all folds and repetitions. First epoch includes "
             "Keras' tf.function tracing and tfnids' executor creation. Fit = wall time of one fold's training "
             "(all epochs; tfnids' includes its per-epoch checkpoint, Keras writes none).\n")
    s.append("| model | tfnids steady | Keras steady | ratio | tfnids 1st epoch | Keras 1st epoch | ratio | "
             "tfnids fit s | Keras fit s | ratio | goal ≥1.5× |")
    s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    stats = {}
    for m in MODELS:
        t, k = side_stats(treps, m), side_stats(kreps, m)
        stats[m] = (t, k)
        r = t["steady"] / k["steady"]
        s.append(f"| {m} | {fmt(t['steady'])} | {fmt(k['steady'])} | **{r:.2f}×** | {fmt(t['first'])} | "
                 f"{fmt(k['first'])} | {t['first'] / k['first']:.2f}× | {fmt(t['fit'], 1)} | {fmt(k['fit'], 1)} | "
                 f"{k['fit'] / t['fit']:.2f}× | {'met' if r >= 1.5 else 'missed'} |")
    s.append("")

    s.append("### Accuracy parity (same folds)\n")
    s.append("Final training loss = the last epoch's loss, mean over folds; weighted F1 on each test fold "
             "(sklearn's `f1_score(average='weighted')` on the Keras side, tfnids' own on its side), mean over "
             "folds. Medians over repetitions, [min, max] over repetitions in brackets. The two sides draw "
             "different initial weights, shuffles and dropout masks, so run-to-run noise is part of the gap.\n")
    s.append("| model | tfnids loss | Keras loss | rel. diff | goal ±2% | tfnids F1 | Keras F1 | diff | goal ±0.01 | "
             "tfnids acc | Keras acc | pooled loss diff ± SE | pooled F1 diff ± SE |")
    s.append("|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|")
    for m in MODELS:
        t, k = stats[m]
        rel = (t["loss"] - k["loss"]) / k["loss"]
        df1 = t["f1"] - k["f1"]
        s.append(f"| {m} | {t['loss']:.4f} [{t['loss_range'][0]:.4f}, {t['loss_range'][1]:.4f}] | "
                 f"{k['loss']:.4f} [{k['loss_range'][0]:.4f}, {k['loss_range'][1]:.4f}] | {100 * rel:+.2f}% | "
                 f"{'met' if abs(rel) <= 0.02 else 'missed'} | {t['f1']:.4f} [{t['f1_range'][0]:.4f}, "
                 f"{t['f1_range'][1]:.4f}] | {k['f1']:.4f} [{k['f1_range'][0]:.4f}, {k['f1_range'][1]:.4f}] | "
                 f"{df1:+.4f} | {'met' if abs(df1) <= 0.01 else 'missed'} | {t['acc']:.4f} | {k['acc']:.4f} | "
                 + pooled_cells(treps, kreps, m) + " |")
    s.append("\nPooled = the mean over all repetition × fold pairs (each pair: same seed, same fold) of "
             "tfnids − Keras, ± its standard error; the loss difference relative to Keras' mean.\n")

    s.append("### Predict (test rows/s, medians over folds and repetitions)\n")
    s.append("Cold = the first predict call after training, timed around the whole test fold as the seed times "
             "it (tfnids: `Model.Predict`; Keras: `model.predict(..., batch_size=256)` for the CNN, "
             "`model.predict(dataset)` for the windows). Warm = a second Keras call, without its one-time "
             "tracing.\n")
    s.append("| model | tfnids | Keras cold | ratio | Keras warm | ratio | goal ≥2× (cold) |")
    s.append("|---|---:|---:|---:|---:|---:|---|")
    for m in MODELS:
        t, k = stats[m]
        r = t["pred"] / k["pred"]
        s.append(f"| {m} | {fmt(t['pred'])} | {fmt(k['pred'])} | **{r:.2f}×** | {fmt(k['pred_warm'])} | "
                 f"{t['pred'] / k['pred_warm']:.2f}× | {'met' if r >= 2 else 'missed'} |")
    s.append("")

    mreps = [r for r in (keras_rep(d, "keras-memory") for d in reps) if r]
    sreps = [r for r in (tfnids_rep(d, "tfnids-shuffled") for d in reps) if r]
    if mreps and sreps:
        s.append("### LSTM and GRU with shuffled windows (and Keras' faster input path)\n")
        s.append("In the seed's protocol above the windows go in time order, and the data's classes come in "
                 "long time blocks, so the recurrent models end each epoch on whatever class came last: their "
                 "scores swing from fold to fold and seed to seed, on both sides. Here the windows are "
                 "reshuffled every epoch on both sides (tfnids `--shuffle-windows`; Keras gets the windows as one "
                 "in-memory (N, 3, F) array and `fit(x, y, batch_size=256, shuffle=True)`, `predict(x, "
                 "batch_size=256)`: the seed's `use_generator=False` path, which is also a faster Keras input "
                 "path than `timeseries_dataset_from_array`). Same folds and seeds; medians as above.\n")
        s.append("| model | tfnids steady | Keras steady | ratio | tfnids loss | Keras loss | rel. diff | "
                 "tfnids F1 | Keras F1 | diff | tfnids predict | Keras predict cold | ratio |")
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for m in ("lstm", "gru"):
            t, k = side_stats(sreps, m), side_stats(mreps, m)
            stats[m + "_shuffled"] = (t, k)
            s.append(f"| {m} | {fmt(t['steady'])} | {fmt(k['steady'])} | **{t['steady'] / k['steady']:.2f}×** | "
                     f"{t['loss']:.4f} | {k['loss']:.4f} | {100 * (t['loss'] - k['loss']) / k['loss']:+.2f}% | "
                     f"{t['f1']:.4f} | {k['f1']:.4f} | {t['f1'] - k['f1']:+.4f} | {fmt(t['pred'])} | "
                     f"{fmt(k['pred'])} | {t['pred'] / k['pred']:.2f}× |")
        s.append("")

    s.append("### Whole process: wall time and peak RSS (GNU time, per repetition)\n")
    s.append("Each process loads the CSVs, scales every fold and trains, predicts and scores all 15 "
             "fold × model pairs.\n")
    s.append("| rep | tfnids wall s | tfnids peak RSS MiB | Keras wall s | Keras peak RSS MiB | RSS ratio | "
             "load avg (tfnids) | load avg (Keras) |")
    s.append("|---|---:|---:|---:|---:|---:|---|---|")
    rss_ratios, walls = [], []
    for i, (t, k) in enumerate(zip(treps, kreps), 1):
        if t["time"] and k["time"]:
            rr = t["time"]["rss"] / k["time"]["rss"]
            rss_ratios.append(rr)
            walls.append(k["time"]["wall"] / t["time"]["wall"])
            s.append(f"| {i} | {t['time']['wall']:.1f} | {t['time']['rss']:.0f} | {k['time']['wall']:.1f} | "
                     f"{k['time']['rss']:.0f} | {rr:.2f} | {t['load']} | {k['load']} |")
    if rss_ratios:
        s.append(f"\nMedian peak-RSS ratio tfnids/Keras: **{med(rss_ratios):.2f}** (goal ≤ 0.70: "
                 f"{'met' if med(rss_ratios) <= 0.7 else 'missed'}); median wall-time speed-up "
                 f"{med(walls):.2f}×.\n")
    return stats, (med(rss_ratios) if rss_ratios else None), "\n".join(s) + "\n"


def dataset_section():
    d = os.path.join(OUT, "dataset")
    g, p = gnu_time(os.path.join(d, "go.time")), gnu_time(os.path.join(d, "pandas.time"))
    if not g or not p:
        return None, "## Data preparation\n\nNot run (bench/dataset/run.sh).\n"
    s = ["## Data preparation (the dataset benchmark, bench/dataset/run.sh, rerun here)\n"]
    s.append("A 1,000,000-row, 80-column CIC-style CSV with dirty values (bench/dataset/gen); tfnids' load + "
             "clean + dedupe + time sort + factorize + MinMax (bench/dataset/load) against pandas.read_csv + the "
             "same cleaning + sklearn MinMaxScaler (bench/dataset/pandas_bench.py), one process each.\n")
    for name in ("go.out", "pandas.out"):
        f = os.path.join(d, name)
        if os.path.exists(f):
            s.append("```\n" + open(f).read().strip() + "\n```")
    r, m = p["wall"] / g["wall"], g["rss"] / p["rss"]
    s.append("\n| | wall s | CPU s | peak RSS MiB |\n|---|---:|---:|---:|")
    s.append(f"| tfnids | {g['wall']:.2f} | {g['cpu']:.2f} | {g['rss']:.0f} |")
    s.append(f"| pandas + sklearn | {p['wall']:.2f} | {p['cpu']:.2f} | {p['rss']:.0f} |")
    s.append(f"\nSpeed-up **{r:.2f}×** (goal ≥3×: {'met' if r >= 3 else 'missed'}); peak RSS ratio "
             f"{m:.2f} (dataset goal ≤0.5). Load average: {loads(os.path.join(OUT, 'dataset.load'))}.\n")
    return (r, m), "\n".join(s) + "\n"


def profile_table(p):
    rows = ["| model | Fit step | graft Run | TF_SessionRun | traced span | kernel sum | gather | tensors | "
            "graft wrapper | outputs | **Go total** | Go / TF call | Go / span | Go / kernels |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in p["models"]:
        rows.append(f"| {m['model']} | {m['fit_step_us']:.0f} | {m['run_us']:.0f} | {m['call_us']:.0f} | "
                    f"{m['span_us']:.0f} | {m['kernels_us']:.0f} | {m['gather_us']:.1f} | {m['tensors_us']:.1f} | "
                    f"{m['graft_wrapper_us']:.1f} | {m['outputs_us']:.1f} | **{m['go_overhead_us']:.1f}** | "
                    f"{100 * m['go_overhead_us'] / m['call_us']:.2f}% | {m['go_pct_of_span']:.2f}% | "
                    f"{m['go_pct_of_kernels']:.2f}% |")
    return "\n".join(rows)


def profile_section():
    s = ["## Where a training step's time goes (bench/profile)\n"]
    s.append("µs per step, batch 256, first stratified fold (34,735 rows), after a warm-up epoch. Fit step = "
             "`Model.Fit` wall time per batch; graft Run and TF_SessionRun come from interleaved steps (every "
             "other step through `tfgraph.RunTraced` with NO_TRACE, which times the C call alone); traced span "
             "(first node start to last node end) and kernel sum (all nodes' op time, across threads) from "
             "RunMetadata step stats (SOFTWARE_TRACE; tracing itself makes these slower than an untraced "
             "step). Go total = gather + input tensors + graft's wrapper (graft Run − TF_SessionRun) + reading "
             "and freeing the outputs: everything tfnids adds around TensorFlow's call.\n")
    found = False
    before = os.path.exists(os.path.join(OUT, "profile-before.json"))
    commit = os.path.join(OUT, "profile-before.commit")
    was = open(commit).read().strip() if os.path.exists(commit) else "an earlier commit"
    for label, f in ((f"Before: the graphs of {was} (`PROFILE_BEFORE={was} bash bench/run.sh`)", "profile-before.json"),
                     ("After: the graphs as they are" if before else "The graphs as they are", "profile.json")):
        p = os.path.join(OUT, f)
        if os.path.exists(p):
            found = True
            pj = json.load(open(p))
            s.append(f"**{label}** — load average {loads(p.replace('.json', '.load'))}:\n")
            s.append(profile_table(pj) + "\n")
            s.append("Nodes executed per step: " + ", ".join(f"{m['model']} {m.get('nodes', '?')}" for m in pj["models"])
                     + ".\n")
            tops = []
            for m in pj["models"]:
                tops.append(f"- {m['model']}: " + ", ".join(f"{o['op']} {o['us']:.0f}" for o in m["top_ops"][:8]))
            s.append("Top kernels per step (µs, traced):\n\n" + "\n".join(tops) + "\n")
    perf = os.path.join(OUT, "perf", "summary.txt")
    if os.path.exists(perf):
        s.append("Sampling profile of the same program (`bash bench/profile.sh`, perf; it loads the CSV too), "
                 "share of all samples:\n\n```\n" + open(perf).read().strip() + "\n```\n")
    xla = os.path.join(OUT, "profile-xla.json")
    if found and os.path.exists(xla) and os.path.exists(os.path.join(OUT, "profile.json")):
        plain = {m["model"]: m for m in json.load(open(os.path.join(OUT, "profile.json")))["models"]}
        rows = ["| model | Fit step µs, default | Fit step µs, XLA | XLA ÷ default (time) |", "|---|---:|---:|---:|"]
        for m in json.load(open(xla))["models"]:
            d = plain.get(m["model"])
            if d:
                rows.append(f"| {m['model']} | {d['fit_step_us']:.0f} | {m['fit_step_us']:.0f} | "
                            f"{m['fit_step_us'] / d['fit_step_us']:.2f}× |")
        s.append("**XLA** (issue 17): the same profile with auto-clustering on "
                 "(`TF_XLA_FLAGS=--tf_xla_cpu_global_jit bench/out/profile -xla ...`, tfgraph.SessionConfig.XLA; "
                 f"load average {loads(xla.replace('.json', '.load'))}). Fit step = wall time per batch of "
                 "`Model.Fit`, the first epoch (compilation) excluded:\n\n" + "\n".join(rows) + "\n")
    if not found:
        return None, "## Step profile\n\nNot run (bench/run.sh runs bench/profile).\n"
    pj = json.load(open(os.path.join(OUT, "profile.json"))) if os.path.exists(os.path.join(OUT, "profile.json")) \
        else json.load(open(os.path.join(OUT, "profile-before.json")))
    worst = max(m["go_overhead_us"] / m["call_us"] for m in pj["models"])
    return worst, "\n".join(s) + "\n"


def scale_section():
    p = os.path.join(OUT, "scale", "scale.jsonl")
    if not os.path.exists(p) or not open(p).read().strip():
        return "## Scale runs\n\nNot run (bash bench/scale.sh).\n"
    rows = [json.loads(l) for l in open(p) if l.strip()]
    s = ["## Scale runs (synthetic CIC-ToN-IoT, bench/scale.sh)\n"]
    s.append("`tfnids synth --rows N --profile cic_ton_iot --classes 10 --seed 1`; prep = bench/dataset/load "
             "with the cic_ton_iot profile (load, drop dirty rows, dedupe, time sort, factorize, MinMax); train = "
             "`tfnids train --models cnn --cv none --test-split 0.2 --epochs 1 --threads 2 --inter-threads 2` "
             "(its own load, one CNN epoch on 80%, predict 20%, checkpoint). Wall seconds and peak RSS from GNU "
             "time; epoch and predict seconds from the results JSON. µs/row = wall / rows.\n")
    s.append("| rows | CSV MB | synth s | synth RSS MiB | prep s | prep RSS MiB | prep µs/row | train process s | "
             "train RSS MiB | 1 CNN epoch s | epoch samples/s | predict s | test F1 | load avg |")
    s.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        sps = r["train_rows"] / r["train_epoch_seconds"] if r.get("train_epoch_seconds") else None
        la = " → ".join(re.sub(r".*load average: ", "", l).strip() for l in r.get("load", []) if l.strip())
        s.append(f"| {r['rows']:,} | {r['csv_bytes'] / 1e6:.0f} | {r['synth']['wall']:.2f} | {r['synth']['rss_mib']:.0f} | "
                 f"{r['prep']['wall']:.2f} | {r['prep']['rss_mib']:.0f} | {1e6 * r['prep']['wall'] / r['rows']:.2f} | "
                 f"{r['train']['wall']:.1f} | {r['train']['rss_mib']:.0f} | {fmt(r.get('train_epoch_seconds'), 1)} | "
                 f"{fmt(sps)} | {fmt(r.get('predict_seconds'), 2)} | {fmt(r.get('f1_weighted'), 3)} | {la} |")
    big = [r for r in rows if r["rows"] >= 100000]
    if len(big) >= 2:
        a, b = big[0], big[-1]
        f = b["rows"] / a["rows"]
        s.append(f"\nFrom {a['rows']:,} to {b['rows']:,} rows (×{f:.0f}): synth ×{b['synth']['wall'] / a['synth']['wall']:.1f}, "
                 f"prep ×{b['prep']['wall'] / a['prep']['wall']:.1f} (RSS ×{b['prep']['rss_mib'] / a['prep']['rss_mib']:.1f}), "
                 f"train process ×{b['train']['wall'] / a['train']['wall']:.1f} "
                 f"(RSS ×{b['train']['rss_mib'] / a['train']['rss_mib']:.1f})"
                 + (f", CNN epoch ×{b['train_epoch_seconds'] / a['train_epoch_seconds']:.1f}"
                    if a.get("train_epoch_seconds") and b.get("train_epoch_seconds") else "")
                 + f"; synth RSS {a['synth']['rss_mib']:.0f} → {b['synth']['rss_mib']:.0f} MiB (streaming).\n")
    return "\n".join(s) + "\n"


def section_of(path, heading):
    """The lines under a markdown heading of another results file (without it)."""
    if not os.path.exists(path):
        return None
    out, inside = [], False
    for line in open(path).read().splitlines():
        if line.startswith("#"):
            if inside:
                break
            inside = line.lstrip("#").strip().startswith(heading)
            continue
        if inside:
            out.append(line)
    return "\n".join(out).strip() or None


def issue17_goals(stats):
    """Issue 17's goals: this run's seed-protocol ratios, and the tables the
    peers, full-scale and cluster benchmarks write."""
    s = ["## Goals (issue 17) at a glance\n"]
    if stats:
        rows = ["| goal (bench/run.sh, the runs below; the analysis at the end says which commit's graphs they ran) | result | |", "|---|---|---|"]
        t, k = stats["cnn"]
        r = t["steady"] / k["steady"]
        rows.append(f"| CNN steady training ≥2.0× Keras | {r:.2f}× | {'met' if r >= 2 else 'missed'} |")
        for m in ("lstm", "gru"):
            if m + "_shuffled" in stats:
                t, k = stats[m + "_shuffled"]
                r = t["steady"] / k["steady"]
                rows.append(f"| {m.upper()} steady training ≥3× Keras' fastest input path (in-memory windows, "
                            f"shuffled) | {r:.2f}× | {'met' if r >= 3 else 'missed'} |")
        s.append("\n".join(rows) + "\n")
    for title, path, heading in (
            ("Side by side with Keras and PyTorch (bench/peers/RESULTS.md, `bash bench/peers/run.sh`)",
             os.path.join(ROOT, "bench", "peers", "RESULTS.md"), "Goals"),
            ("The study's full scale, peak RSS goal ≤6 GB and linear growth (bench/fullscale/RESULTS.md, "
             "`bash bench/fullscale/run.sh`)",
             os.path.join(ROOT, "bench", "fullscale", "RESULTS.md"), "Processes"),
            ("Two TensorFlow workers, speed-up goal ≥1.7× (bench/cluster/RESULTS.md, `bash bench/cluster/run.sh`)",
             os.path.join(ROOT, "bench", "cluster", "RESULTS.md"), "Cluster benchmark"),
    ):
        body = section_of(path, heading)
        if body:
            s.append(f"{title}:\n\n{body}\n")
    return "\n".join(s) + "\n"


def main():
    reps = sorted(glob.glob(os.path.join(OUT, "keras", "rep*")))
    krep = keras_rep(reps[0]) if reps else None
    trep = tfnids_rep(reps[0]) if reps else None
    stats, rss, train_md = training_section()
    prep, data_md = dataset_section()
    go_worst, prof_md = profile_section()
    scale_md = scale_section()

    goals = ["## Goals (issue 7) at a glance\n", "| goal | result | |", "|---|---|---|"]
    if stats:
        for m in MODELS:
            t, k = stats[m]
            r = t["steady"] / k["steady"]
            goals.append(f"| training throughput ≥1.5× Keras ({m}) | {r:.2f}× | {'met' if r >= 1.5 else 'missed'} |")
        for m in MODELS:
            t, k = stats[m]
            rel = (t["loss"] - k["loss"]) / k["loss"]
            df1 = t["f1"] - k["f1"]
            ok = abs(rel) <= 0.02 and abs(df1) <= 0.01
            goals.append(f"| final loss ±2%, weighted F1 ±0.01 ({m}) | loss {100 * rel:+.2f}%, F1 {df1:+.4f} | "
                         f"{'met' if ok else 'missed'} |")
        for m in ("lstm", "gru"):
            if m + "_shuffled" in stats:
                t, k = stats[m + "_shuffled"]
                rel = (t["loss"] - k["loss"]) / k["loss"]
                df1 = t["f1"] - k["f1"]
                ok = abs(rel) <= 0.02 and abs(df1) <= 0.01
                goals.append(f"| same, shuffled windows ({m}) | loss {100 * rel:+.2f}%, F1 {df1:+.4f} | "
                             f"{'met' if ok else 'missed'} |")
        for m in MODELS:
            t, k = stats[m]
            r = t["pred"] / k["pred"]
            goals.append(f"| predict ≥2× Keras model.predict ({m}) | {r:.2f}× (vs warm Keras "
                         f"{t['pred'] / k['pred_warm']:.2f}×) | {'met' if r >= 2 else 'missed'} |")
    if go_worst is not None:
        goals.append(f"| Go-side overhead ≤10% of TensorFlow's time per step | worst model {100 * go_worst:.2f}% of "
                     f"the TF_SessionRun call | {'met' if go_worst <= 0.1 else 'missed'} |")
    if prep:
        goals.append(f"| data preparation ≥3× pandas+sklearn | {prep[0]:.2f}× (RSS ratio {prep[1]:.2f}) | "
                     f"{'met' if prep[0] >= 3 else 'missed'} |")
    if rss is not None:
        goals.append(f"| peak RSS ≤0.7× the Keras process | {rss:.2f}× | {'met' if rss <= 0.7 else 'missed'} |")

    goals17 = issue17_goals(stats)
    parts = [f"# Benchmarks: tfnids against Keras, and at scale\n",
             f"Generated by `bench/results.py` on {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} from "
             f"`bench/out/` (written by `bash bench/run.sh` and `bash bench/scale.sh`). Machine load averages "
             f"(1, 5, 15 min) before → after each run are listed with it: other work on the machine slows "
             f"whichever side runs at that moment.\n",
             goals17, "\n".join(goals) + "\n", machine(), versions(krep, trep), train_md, prof_md, data_md, scale_md]
    notes = os.path.join(ROOT, "bench", "results-notes.md")
    if os.path.exists(notes):
        parts.append(open(notes).read())
    with open(os.path.join(ROOT, "bench", "RESULTS.md"), "w") as f:
        f.write("\n".join(parts))


if __name__ == "__main__":
    main()

"""Writes bench/fullscale/RESULTS.md from what bench/fullscale/run.sh left in
bench/out/fullscale/ (run with the venv's Python:
$TFNIDS_PYTHON bench/fullscale/summarize.py).

bench/fullscale/notes.md, if present, is appended verbatim (the
hand-written analysis).
"""
import glob
import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "bench", "out", "fullscale")
DEST = os.path.join(ROOT, "bench", "fullscale", "RESULTS.md")
MODELS = [("cnn", "cnn mc  cnn-64-64"), ("gru", "gru sl-3 mc  layers-80")]
LOAD_STAGES = ["read", "clean", "sort", "factorize"]
# Stage columns of the train table, in pipeline order; fit is split by model.
TRAIN_STAGES = LOAD_STAGES + ["split", "fit scaler", "build", "fit cnn", "fit gru", "validate", "checkpoint",
                              "predict", "score", "export", "results"]
PREDICT_STAGES = LOAD_STAGES + ["load model", "predict", "write", "score"]


def gnu_time(path):
    """Wall seconds, CPU seconds and peak RSS (MiB) from GNU time -v."""
    t = open(path).read()
    secs = 0.0
    for part in re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1).split(":"):
        secs = secs * 60 + float(part)
    cpu = float(re.search(r"User time \(seconds\): (\S+)", t).group(1)) + \
        float(re.search(r"System time \(seconds\): (\S+)", t).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    return {"wall": secs, "cpu": cpu, "rss": rss}


def load_avg(path):
    """The 1-, 5- and 15-minute load averages before and after a run."""
    out = []
    for line in open(path).read().splitlines():
        m = re.search(r"load average: (.*)$", line)
        if m:
            out.append(m.group(1).strip())
    return " → ".join(out)


def rss_samples(path):
    """(seconds since start, RSS MiB, RssAnon MiB, the supervisor's RssAnon
    MiB) samples of the process doing the work."""
    out = []
    if os.path.exists(path):
        for line in open(path):
            if len(line.split()) != 4:
                continue  # a line cut short when the process ended
            t, rss, anon, above = line.split()
            out.append((float(t), int(rss) / 1024, int(anon) / 1024, int(above) / 1024))
    return out


def stage_line(log):
    """The totals of a 'time per stage:' line: {name: (seconds, count)}."""
    m = re.search(r"time per stage: (.*)", open(log).read())
    out = {}
    if m:
        for part in m.group(1).split(", "):
            pm = re.match(r"(.+) ([0-9.]+)s(?: \((\d+)×\))?$", part)
            if pm:
                out[pm.group(1)] = (float(pm.group(2)), int(pm.group(3) or 1))
    return out


def read_size(d):
    n = int(os.path.basename(d)[1:])
    row = {"rows": n, "dir": d}
    if not os.path.exists(os.path.join(d, "train.time")):
        return None
    row["csv_mb"] = int(open(os.path.join(d, "csv_bytes")).read()) / 1e6
    for p in ["synth", "train", "predict_cnn", "predict_gru"]:
        tp = os.path.join(d, p + ".time")
        if os.path.exists(tp):
            row[p] = gnu_time(tp)
            row[p]["load"] = load_avg(os.path.join(d, p + ".load"))
            row[p]["samples"] = rss_samples(os.path.join(d, p + ".rss"))
            cmd = os.path.join(d, p + ".cmd")
            if os.path.exists(cmd):
                row[p]["cmd"] = open(cmd).read().strip()
    res = sorted(glob.glob(os.path.join(d, "results", "*", "*.json")))
    if res:
        r = json.load(open(res[-1]))
        row["results"] = r
        totals = {}
        for s in r.get("timings", []):
            name = s["stage"]
            if name == "fit":
                name = "fit " + next((k for k, full in MODELS if full == s.get("model")), s.get("model", "?"))
            totals[name] = totals.get(name, 0.0) + s["seconds"]
        row["stages"] = totals
        row["kept"] = r["splits"][-1]["train_rows"] + r["splits"][-1]["test_rows"]
        m = re.search(r"data: (\d+) rows kept of (\d+) read", open(os.path.join(d, "train.log")).read())
        if m:
            row["kept"] = int(m.group(1))
    for k, _ in MODELS:
        log = os.path.join(d, f"predict_{k}.log")
        if os.path.exists(log):
            text = open(log).read()
            p = {"stages": stage_line(log)}
            m = re.search(r"read (\d+) rows \((\d+) kept.*classified (\d+) examples in ([0-9.]+)s", text)
            if m:
                p.update(read=int(m.group(1)), kept=int(m.group(2)), classified=int(m.group(3)))
            m = re.search(r"accuracy ([0-9.]+)\s+precision [0-9.]+\s+recall [0-9.]+\s+f1 ([0-9.]+)", text)
            if m:
                p.update(accuracy=float(m.group(1)), f1=float(m.group(2)))
            row["pstats_" + k] = p
    return row


def fmt(v, digits=1):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def main():
    sizes = [r for r in (read_size(d) for d in glob.glob(os.path.join(OUT, "n*"))) if r]
    sizes.sort(key=lambda r: r["rows"])
    if not sizes:
        sys.exit(f"no runs under {OUT}; run bench/fullscale/run.sh first")
    w = []
    w.append("# Full-scale runs: the study's protocol at CIC-ToN-IoT's size (bench/fullscale/run.sh)\n")
    w.append("Generated by `bench/fullscale/summarize.py` from `bench/out/fullscale/`; the analysis at the end "
             "is hand-written (`bench/fullscale/notes.md`).\n")
    machine = os.path.join(OUT, "machine.txt")
    if os.path.exists(machine):
        w.append("**Machine and build:** " + "; ".join(open(machine).read().strip().splitlines()) + ".\n")
    big = sizes[-1]
    w.append("**Commands** (N rows; paths under bench/out/fullscale; every process under `/usr/bin/time -v`, "
             "RSS sampled every second):\n")
    w.append("```")
    w.append(f"tfnids synth --rows N --profile cic_ton_iot --classes 10 --seed 1 --runs 4 --out flows_N.csv")
    w.append(f"tfnids synth --rows 1000000 --profile cic_ton_iot --classes 10 --seed 2 --runs 4 --out predict_1000000.csv")
    for p in ["train", "predict_cnn", "predict_gru"]:
        if "cmd" in big.get(p, {}):
            c = big[p]["cmd"].replace("bench/out/fullscale/", "")
            c = c.replace(f"flows_{big['rows']}.", "flows_N.").replace(f"n{big['rows']}/", "nN/")
            w.append(re.sub(r"^\S*tfnids ", "tfnids ", c))
    w.append("```\n")

    # Table 1: the processes.
    w.append("## Processes: wall, CPU, peak RSS\n")
    w.append("Train = the whole `tfnids train` process (load, 5 folds × cnn and gru, export). Predict = "
             "`tfnids predict` of the exported fold-5 model on a separate 1M-row CSV. RSS in MiB "
             "(GNU time's maximum resident set size: the process doing the work; tfnids runs each command "
             "in a child and filters TensorFlow's log lines in the parent, which adds *parent MiB* of private "
             "memory, its other pages being the TensorFlow library's, shared with the child). *load RSS* is "
             "the highest RSS sample (one a second) while the CSV is read, cleaned and sorted. µs/row and "
             "KiB/row divide by the CSV's rows.\n")
    w.append("| rows | CSV MB | rows kept | train wall s | train CPU s | train µs/row | train peak RSS MiB | "
             "load RSS MiB | parent MiB | RSS KiB/row | predict cnn wall s / RSS MiB | predict gru wall s / RSS MiB |")
    w.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in sizes:
        t = r["train"]
        # the load starts after the process and TensorFlow have started (~1 s)
        load_secs = sum(r.get("stages", {}).get(s, 0) for s in LOAD_STAGES) + 1.5
        load_rss = max((x[1] for x in t["samples"] if x[0] <= load_secs), default=None)
        parent = max((x[3] for x in t["samples"]), default=None)
        pc, pg = r.get("predict_cnn"), r.get("predict_gru")
        w.append(f"| {r['rows']:,} | {r['csv_mb']:,.0f} | {r.get('kept', 0):,} | {fmt(t['wall'])} | {fmt(t['cpu'])} | "
                 f"{t['wall'] / r['rows'] * 1e6:.1f} | {t['rss']:,.0f} | {fmt(load_rss, 0)} | {fmt(parent, 0)} | "
                 f"{t['rss'] * 1024 / r['rows']:.2f} | "
                 f"{fmt(pc['wall']) if pc else '–'} / {fmt(pc['rss'], 0) if pc else '–'} | "
                 f"{fmt(pg['wall']) if pg else '–'} / {fmt(pg['rss'], 0) if pg else '–'} |")
    w.append("")
    if len(sizes) >= 2:
        w.append("**Growth.** " + "; ".join(
            f"{a['rows']:,} → {b['rows']:,} rows (×{b['rows'] / a['rows']:.2f}): train wall ×"
            f"{b['train']['wall'] / a['train']['wall']:.2f}, CPU ×{b['train']['cpu'] / a['train']['cpu']:.2f}, "
            f"peak RSS ×{b['train']['rss'] / a['train']['rss']:.2f} "
            f"(+{(b['train']['rss'] - a['train']['rss']) * 1024 * 1024 / (b['rows'] - a['rows']):.0f} bytes "
            f"per added row)" for a, b in zip(sizes, sizes[1:])) + ".")
        xs = [r["rows"] for r in sizes]
        ys = [r["train"]["rss"] for r in sizes]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        icpt = my - slope * mx
        resid = ", ".join(f"{y - (icpt + slope * x):+.0f}" for x, y in zip(xs, ys))
        w.append(f"A least-squares line through the peak RSS: {icpt:,.0f} MiB + {slope * 1024 * 1024:.0f} bytes "
                 f"× rows (residuals {resid} MiB); at 5,350,583 rows it gives "
                 f"{icpt + slope * 5350583:,.0f} MiB.\n")

    # Table 2: train stages.
    w.append("## Train: where the time goes (seconds per stage, summed over folds and models)\n")
    w.append("From the results JSON's `timings`. read = reading and parsing the CSV (parallel); clean = merging "
             "the parsed chunks, dropping bad values and duplicates; sort = the stable time sort; factorize = "
             "class codes; fit scaler = the MinMax fit per fold (rows are scaled as batches are gathered, inside "
             "fit/validate/predict); build = graph build, session, variable init; fit = the training batches; "
             "validate = the inference-mode pass over the test fold after each epoch; checkpoint = saving "
             "weights and run state; predict = the test fold's predictions; score = metrics; export = "
             "SavedModel; results = results JSON writes. *other* = process wall − the stages (process start, "
             "TensorFlow's initialization, session teardown).\n")
    w.append("| rows | " + " | ".join(TRAIN_STAGES) + " | other | wall |")
    w.append("|---:|" + "---:|" * (len(TRAIN_STAGES) + 2))
    for r in sizes:
        st = r.get("stages", {})
        other = r["train"]["wall"] - sum(st.values())
        w.append(f"| {r['rows']:,} | " + " | ".join(fmt(st.get(s), 2 if st.get(s, 0) < 10 else 1) for s in TRAIN_STAGES)
                 + f" | {fmt(other)} | {fmt(r['train']['wall'])} |")
    w.append("")

    # Table 3: per fold.
    w.append("## Train: per fold\n")
    w.append("fit s = the epoch's training batches (1 epoch), samples/s its rate; predict s = the test fold. "
             "From the results JSON (history, scores).\n")
    for r in sizes:
        res = r.get("results")
        if not res:
            continue
        w.append(f"**{r['rows']:,} rows**\n")
        w.append("| fold | train rows | test rows | cnn fit s | cnn samples/s | cnn predict s | cnn F1 | gru fit s | "
                 "gru samples/s | gru predict s | gru F1 |")
        w.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for sp in res["splits"]:
            k = sp["fold"]
            cells = [str(k), f"{sp['train_rows']:,}", f"{sp['test_rows']:,}"]
            for _, full in MODELS:
                m = res["models"].get(full)
                if not m:
                    cells += ["–"] * 4
                    continue
                h = next(x for x in m["history"] if x["fold"] == k)["epochs"]
                s = next(x for x in m["scores"] if x["fold"] == k)
                cells += [fmt(sum(e["seconds"] for e in h)), f"{h[-1]['samples_per_second']:,.0f}",
                          fmt(s["time"], 2), f"{s['f1s']:.3f}"]
            w.append("| " + " | ".join(cells) + " |")
        w.append("")

    # Table 4: predict.
    w.append("## Predict: 1M rows with the exported fold-5 model\n")
    w.append("From predict's `time per stage` line: read/clean/sort/factorize as in train, load model = "
             "TensorFlow's SavedModel loader, predict = the batches (1024 rows; windows of 3 for the gru), "
             "write = the predictions CSV, score = metrics and report.\n")
    w.append("| model trained on rows | model | rows read | classified | wall s | CPU s | peak RSS MiB | " +
             " | ".join(PREDICT_STAGES) + " | µs/row | F1 |")
    w.append("|---:|---|---:|---:|---:|---:|---:|" + "---:|" * len(PREDICT_STAGES) + "---:|---:|")
    for r in sizes:
        for k, _ in MODELS:
            t, p = r.get("predict_" + k), r.get("pstats_" + k)
            if not t or not p:
                continue
            st = p["stages"]
            w.append(f"| {r['rows']:,} | {k} | {p.get('read', 0):,} | {p.get('classified', 0):,} | {fmt(t['wall'])} | "
                     f"{fmt(t['cpu'])} | {t['rss']:,.0f} | " + " | ".join(fmt(st.get(s, (None,))[0], 2) for s in PREDICT_STAGES)
                     + f" | {t['wall'] / max(p.get('read', 1), 1) * 1e6:.1f} | {p.get('f1', float('nan')):.3f} |")
    w.append("")

    # Table 5: load averages.
    w.append("## Load average (1, 5, 15 min) before → after each process\n")
    w.append("| rows | synth | train | predict cnn | predict gru |")
    w.append("|---:|---|---|---|---|")
    for r in sizes:
        w.append(f"| {r['rows']:,} | " + " | ".join(r.get(p, {}).get("load", "–")
                                                     for p in ["synth", "train", "predict_cnn", "predict_gru"]) + " |")
    w.append("")
    notes = os.path.join(ROOT, "bench", "fullscale", "notes.md")
    if os.path.exists(notes):
        w.append(open(notes).read().rstrip() + "\n")
    with open(DEST + ".tmp", "w") as f:
        f.write("\n".join(w))
    os.replace(DEST + ".tmp", DEST)


if __name__ == "__main__":
    main()

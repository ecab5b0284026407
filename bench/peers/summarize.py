"""Summarize the peers benchmark (bench/peers/run.sh) as markdown.

  python bench/peers/summarize.py --out-dir bench/out/peers --results bench/peers/RESULTS.md [--seconds N]

Reads repN/{tfnids,keras,torch}.json and .load, commands.txt, lscpu.txt
and versions.txt from --out-dir; writes the tables (medians over the
repetitions), the goals met or missed, the machine, the versions, the load
averages and the commands. Standard library only.
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys
import tempfile

SIDES = [("tfnids", "tfnids"), ("keras", "Keras"), ("torch", "PyTorch")]
MODELS = ["cnn", "lstm", "gru"]
# Issue 17's goals: tfnids' steady training throughput over Keras' (the
# in-memory shuffled path, Keras' fastest), per model.
TRAIN_GOAL = {"cnn": 2.0, "lstm": 3.0, "gru": 3.0}
PREDICT_GOAL = 2.0
FLAGS = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_bf16",
         "amx_int8", "amx_tile"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out-dir", required=True)
    p.add_argument("--results", required=True, help="markdown file to write")
    p.add_argument("--seconds", type=float, default=0, help="the whole run's wall time, for the report")
    return p.parse_args()


def read(path):
    with open(path) as f:
        return f.read()


def load_runs(out):
    """{rep: {side: json}} and {rep: {side: (load before, load after)}}, and each rep's side order."""
    runs, loads, order, others = {}, {}, {}, {}
    for d in sorted(glob.glob(os.path.join(out, "rep*")), key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)))):
        rep = int(re.sub(r"\D", "", os.path.basename(d)))
        runs[rep], loads[rep], others[rep] = {}, {}, {}
        for side, _ in SIDES:
            j = os.path.join(d, side + ".json")
            if os.path.exists(j):
                with open(j) as f:
                    runs[rep][side] = json.load(f)
            lf = os.path.join(d, side + ".load")
            if os.path.exists(lf):
                la = re.findall(r"load average: ([\d.]+), ([\d.]+), ([\d.]+)", read(lf))
                loads[rep][side] = [tuple(float(v) for v in m) for m in la]
            others[rep][side] = others_share(os.path.join(d, side + ".cpu"), os.path.join(d, side + ".time"))
        of = os.path.join(d, "order")  # run.sh appends each side's name as it starts it
        order[rep] = read(of).split() if os.path.exists(of) else [s for s, _ in SIDES]
    return runs, loads, order, others


def others_share(cpu_path, time_path):
    """The share of the machine's CPU time that other processes took while a
    side ran: (busy ticks − the side's own user+sys) ÷ all ticks, from
    run.sh's /proc/stat snapshots and GNU time. None when a file is missing."""
    try:
        (b0, t0), (b1, t1) = [tuple(float(v) for v in line.split()) for line in read(cpu_path).splitlines()[:2]]
        _, user, sys_ = (float(v) for v in read(time_path).split()[-3:])
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    if t1 <= t0:
        return None
    return max(0.0, ((b1 - b0) / hz - (user + sys_)) / ((t1 - t0) / hz))


def per_model(run, model):
    for r in run.get("models", []):
        if r["model"] == model:
            return r
    return None


def values(runs, side, model, fn):
    out = []
    for rep in sorted(runs):
        run = runs[rep].get(side)
        r = per_model(run, model) if run else None
        if r is not None:
            out.append(fn(r))
    return out


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


def spread(xs, digits=0):
    """median (min–max) when there is more than one value."""
    if not xs:
        return "–"
    if len(xs) == 1:
        return fmt(xs[0], digits)
    return f"{fmt(med(xs), digits)} ({fmt(min(xs), digits)}–{fmt(max(xs), digits)})"


def train_sps(r):
    return r["steady_samples_per_sec"]


def cold_sps(r):
    return r["test_samples"] / r["predict_seconds_cold"]


def warm_sps(r):
    return r["test_samples"] / r["predict_seconds_warm"]


def first(runs, side):
    for rep in sorted(runs):
        if side in runs[rep]:
            return runs[rep][side]
    return None


def lscpu_info(out):
    path = os.path.join(out, "lscpu.txt")
    if not os.path.exists(path):
        return "unknown", "", ""
    kv = {}
    for line in read(path).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            kv[k.strip()] = v.strip()
    flags = set(kv.get("Flags", "").split())
    have = [f for f in FLAGS if f in flags]
    extra = ", ".join(x for x in [kv.get("CPU(s)", "?") + " CPUs", kv.get("Hypervisor vendor", "") and
                                  "hypervisor " + kv["Hypervisor vendor"]] if x)
    return kv.get("Model name", "unknown"), extra, " ".join(have)


def main():
    a = parse_args()
    runs, loads, order, others = load_runs(a.out_dir)
    if not runs or not any(runs.values()):
        sys.exit(f"{a.out_dir}: no repN/*.json: run bench/peers/run.sh first")
    reps = len(runs)
    t, k, p = (first(runs, s) for s, _ in SIDES)
    any_run = t or k or p
    meta, args = any_run["meta"], any_run["args"]
    epochs = args["epochs"]
    bs = args.get("batch_size")
    pbs = args.get("predict_batch_size")
    base_seed = args["seed"]  # the first repetition's
    L = []
    w = L.append
    w("# Peers: tfnids, Keras and PyTorch on the seed's models")
    w("")
    w("Written by `bench/peers/summarize.py` from `bench/out/peers` after `bash bench/peers/run.sh` (issue 17); "
      "do not edit by hand.")
    w("")
    if reps < 3 or epochs < 3:
        w(f"**Smoke run ({reps} repetition(s), {epochs} epochs): not a measurement.** "
          "The numbers below only show that every side runs.")
        w("")
    noisy = [name for sd, name in SIDES
             if any((others[rep].get(sd) or 0) > 0.10 for rep in others)]
    if noisy:
        w(f"**Other processes took more than 10 % of the CPU while {', '.join(noisy)} ran (see the "
          "per-repetition table): those numbers understate that side.**")
        w("")
    w(f"Data: `{meta['data']}` (profile {meta['profile']}), fold {meta['fold']} of tfnids' "
      f"{meta['splitter']}: {meta['train_rows']:,} training and {meta['test_rows']:,} test rows × "
      f"{meta['features']} features, {meta['classes']} classes, MinMax-scaled on the training rows by "
      f"`peers prep` and written once as .npy; every side reads those arrays (rows for the CNN, windows of "
      f"{meta['seq_len']} rows for the LSTM and GRU). Every side: the seed's three models with Keras' "
      f"initializers, Adam (lr 1e-3, eps 1e-7), {epochs} epochs at batch {bs} with the examples shuffled every "
      f"epoch in memory, then predict on the test split at batch {pbs}, twice (cold: the first call; warm: "
      f"the second). {any_run['threads']['intra']} intra-op / {any_run['threads']['inter']} inter-op threads "
      f"everywhere. Each side runs in its own process, the order rotated every repetition; {reps} "
      f"repetition(s), repetition N seeding weights and shuffles with {base_seed} + 1000·(N−1); medians, "
      f"(min–max) where there are several.")
    w("")
    w(f"Training throughput is the steady rate: training examples × epochs 2..{epochs} ÷ their wall time "
      "(the first epoch builds and warms up). Keras: `model.fit(x, y, batch_size, shuffle=True)` on one "
      "in-memory array, timed by a callback (`bench/peers/run_keras.py`, models from "
      "`bench/keras/keras_models.py`); PyTorch: eager on the CPU, one permutation per epoch then batch "
      "slices (`bench/peers/run_torch.py`, models `bench/peers/torch_models.py`); tfnids: "
      "`builders.Build` + `Model.Fit(Shuffle)` + `Model.Predict` (`bench/peers/main.go`).")
    w("")

    def mv(side, model, fn):
        return med(values(runs, side, model, fn))

    w("## Training (steady samples/s)")
    w("")
    w("| model | tfnids | Keras | PyTorch | tfnids ÷ Keras | tfnids ÷ PyTorch |")
    w("|---|---:|---:|---:|---:|---:|")
    for m in MODELS:
        tv, kv, pv = (mv(s, m, train_sps) for s, _ in SIDES)
        if tv is kv is pv is None:
            continue
        w(f"| {m} | {spread(values(runs, 'tfnids', m, train_sps))} | {spread(values(runs, 'keras', m, train_sps))} "
          f"| {spread(values(runs, 'torch', m, train_sps))} | {fmt_ratio(ratio(tv, kv))} | {fmt_ratio(ratio(tv, pv))} |")
    w("")
    w(f"## Predict (samples/s on the {meta['test_rows']:,} test examples, batch {pbs}; cold / warm)")
    w("")
    w("| model | tfnids | Keras | PyTorch | tfnids ÷ Keras | tfnids ÷ PyTorch |")
    w("|---|---:|---:|---:|---:|---:|")
    for m in MODELS:
        cold = [mv(s, m, cold_sps) for s, _ in SIDES]
        warm = [mv(s, m, warm_sps) for s, _ in SIDES]
        if all(v is None for v in cold):
            continue
        cells = [f"{fmt(c)} / {fmt(h)}" for c, h in zip(cold, warm)]
        rk = f"{fmt_ratio(ratio(cold[0], cold[1]))} / {fmt_ratio(ratio(warm[0], warm[1]))}"
        rp = f"{fmt_ratio(ratio(cold[0], cold[2]))} / {fmt_ratio(ratio(warm[0], warm[2]))}"
        w(f"| {m} | {' | '.join(cells)} | {rk} | {rp} |")
    w("")
    w(f"## Final training loss and test accuracy (a sanity check, not parity)")
    w("")
    w(f"Loss: the mean training loss of epoch {epochs} (penalties included, as Keras reports it). The sides "
      "draw different initial weights, dropout masks and shuffles, so only the range should agree. "
      "(The LSTM's l1(0.01) penalty drives its weights to zero on every side, so it predicts one class: "
      "see docs/models.md.)")
    w("")
    w("| model | parameters tfnids / Keras / PyTorch | loss tfnids | loss Keras | loss PyTorch | max ÷ min | "
      "test accuracy tfnids / Keras / PyTorch |")
    w("|---|---|---:|---:|---:|---:|---|")
    sane = True
    for m in MODELS:
        losses = [mv(s, m, lambda r: r["final_loss"]) for s, _ in SIDES]
        accs = [mv(s, m, lambda r: r["test_accuracy"]) for s, _ in SIDES]
        if all(v is None for v in losses):
            continue
        have = [v for v in losses if v is not None]
        spread_ratio = max(have) / min(have) if min(have) > 0 else float("inf")
        ok = spread_ratio <= 1.5
        sane = sane and ok
        params = [mv(s, m, lambda r: r["params"]) for s, _ in SIDES]
        same = len({v for v in params if v is not None}) == 1
        sane = sane and same
        w(f"| {m} | {' / '.join(fmt(v) for v in params)}{'' if same else ' (differ)'} | "
          f"{' | '.join(fmt(v, 4) for v in losses)} | {spread_ratio:.2f}{'' if ok else ' (check)'} | "
          f"{' / '.join(fmt(v, 4) for v in accs)} |")
    w("")
    w("## Goals (issue 17)")
    w("")
    w("| goal | measured | |")
    w("|---|---|---|")

    def goal(text, measured, ok):
        w(f"| {text} | {measured} | {'–' if ok is None else ('met' if ok else '**missed**')} |")

    for m in MODELS:
        r = ratio(mv("tfnids", m, train_sps), mv("keras", m, train_sps))
        goal(f"{m} training ≥ {TRAIN_GOAL[m]:g}× Keras", fmt_ratio(r), None if r is None else r >= TRAIN_GOAL[m])
    for m in MODELS:
        rc = ratio(mv("tfnids", m, cold_sps), mv("keras", m, cold_sps))
        rw = ratio(mv("tfnids", m, warm_sps), mv("keras", m, warm_sps))
        ok = None if rc is None or rw is None else (rc >= PREDICT_GOAL and rw >= PREDICT_GOAL)
        goal(f"{m} predict ≥ {PREDICT_GOAL:g}× Keras at batch {pbs} (cold and warm)",
             f"{fmt_ratio(rc)} cold, {fmt_ratio(rw)} warm", ok)
    for m in MODELS:
        rt = ratio(mv("tfnids", m, train_sps), mv("torch", m, train_sps))
        rw = ratio(mv("tfnids", m, warm_sps), mv("torch", m, warm_sps))
        ok = None if rt is None or rw is None else (rt > 1 and rw > 1)
        goal(f"{m}: tfnids ahead of PyTorch eager (training, warm predict)",
             f"{fmt_ratio(rt)} training, {fmt_ratio(rw)} predict", ok)
    goal("same parameter counts, final training losses in the same range (max ÷ min ≤ 1.5)", "see above", sane)
    w("")
    w("## Per repetition")
    w("")
    w("Steady training samples/s per model, the side's wall time and peak RSS, and the load average "
      "(1, 5, 15 min) when the side started and ended (a side's own work raises the next side's "
      "'before'), and the share of the machine's CPU time that other processes took while the side ran "
      "(from /proc/stat and the side's own CPU time). Above 10 % (marked ⚠) other work competed for the "
      "cores and that side's numbers understate it, PyTorch's most of all (its OpenMP threads spin while "
      "they wait).")
    w("")
    w("| rep | # | side | " + " | ".join(MODELS) + " | wall s | peak RSS MiB | load before | load after | "
      "others' CPU |")
    w("|---|---:|---|" + "---:|" * len(MODELS) + "---:|---:|---|---|---:|")
    for rep in sorted(runs):
        for i, side in enumerate(order.get(rep, [])):
            run = runs[rep].get(side)
            if run is None:
                continue
            cells = []
            for m in MODELS:
                r = per_model(run, m)
                cells.append(fmt(train_sps(r)) if r else "–")
            ld = loads[rep].get(side, [])
            before = ", ".join(f"{v:.2f}" for v in ld[0]) if len(ld) > 0 else "–"
            oth = others[rep].get(side)
            oth_s = "–" if oth is None else f"{100 * oth:.0f} %{' ⚠' if oth > 0.10 else ''}"
            after = ", ".join(f"{v:.2f}" for v in ld[1]) if len(ld) > 1 else "–"
            w(f"| {rep} | {i + 1} | {dict(SIDES)[side]} | {' | '.join(cells)} | {run['wall_seconds']:.1f} | "
              f"{run['peak_rss_mib']:.0f} | {before} | {after} | {oth_s} |")
    w("")
    w("## Machine and versions")
    w("")
    model, extra, flags = lscpu_info(a.out_dir)
    w(f"- CPU: {model} ({extra}); flags of note: {flags or 'none of ' + ' '.join(FLAGS)}")
    vpath = os.path.join(a.out_dir, "versions.txt")
    for line in read(vpath).splitlines() if os.path.exists(vpath) else []:
        w(f"- {line}")
    if t:
        w(f"- tfnids side: TensorFlow C library {t['versions']['tensorflow']}, {t['versions']['go']}")
    if k:
        v = k["versions"]
        w(f"- Keras side: Keras {v['keras']}, TensorFlow {v['tensorflow']}, numpy {v['numpy']}, "
          f"Python {v['python']}")
    if p:
        v = p["versions"]
        w(f"- PyTorch side: torch {v['torch']} (PyPI wheel, run on the CPU; mkldnn {v['mkldnn']}; "
          f"{v['parallel']}, OMP_WAIT_POLICY {v.get('omp_wait_policy') or 'unset'}), "
          f"torch.optim.Adam implementation: {p['args'].get('adam', 'default')}, "
          f"numpy {v['numpy']}, Python {v['python']}")
    if a.seconds:
        w(f"- the whole run (install check, build, prep, {reps} repetition(s) × 3 sides, this summary): "
          f"{a.seconds:.0f} s")
    w("")
    w("## Commands")
    w("")
    w("```")
    cpath = os.path.join(a.out_dir, "commands.txt")
    w(read(cpath).rstrip() if os.path.exists(cpath) else "(commands.txt missing)")
    w("```")
    text = "\n".join(L) + "\n"
    d = os.path.dirname(os.path.abspath(a.results))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tfnids-tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, a.results)


if __name__ == "__main__":
    main()

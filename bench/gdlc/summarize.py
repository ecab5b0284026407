#!/usr/bin/env python3
"""Summarize bench/gdlc/run.sh: one Markdown table row per (dataset, cv, scope, model).

Reads the newest results JSON under each <results-dir>/<dataset>--<cv>--<scope>/ and prints
weighted F1 (f1s) and macro F1 as the mean over folds, the min-max spread over folds, the
number of folds, the training seconds summed over folds and the run's wall seconds.
Standard library only.

Usage: bench/gdlc/summarize.py [bench/out/gdlc/results]
"""
import glob
import json
import os
import statistics
import sys

SCOPES = {"none": "no network features", "dataset": "dataset scope", "fold": "fold scope"}
ORDER = {"none": 0, "dataset": 1, "fold": 2, "stratified": 0, "timeseries": 1}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "bench/out/gdlc/results"
    cells = []
    for d in glob.glob(os.path.join(root, "*--*--*")):
        files = sorted(glob.glob(os.path.join(d, "*.json")))
        if not files:
            continue
        dataset, cv, scope = os.path.basename(d).split("--")
        with open(files[-1]) as f:
            cells.append((dataset, cv, scope, json.load(f)))
    cells.sort(key=lambda c: (c[0], ORDER.get(c[1], 9), ORDER.get(c[2], 9)))
    print("| data | cv | features | model | weighted F1 mean (min–max) | macro F1 mean (min–max) | folds | train s | run wall s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for dataset, cv, scope, res in cells:
        for model in res.get("models", {}):
            scores = res["models"][model]["scores"]
            if not scores:
                continue
            wf = [s["f1s"] for s in scores]
            mf = [s["macro_f1"] for s in scores]
            train = sum(s.get("train_seconds") or 0 for s in scores)
            print(
                f"| {dataset} | {cv} | {SCOPES.get(scope, scope)} | {model.split()[0]} "
                f"| {spread(wf)} | {spread(mf)} | {len(scores)} | {train:.0f} "
                f"| {res.get('wall_seconds') or 0:.0f} |"
            )


def spread(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "–"
    return f"{statistics.fmean(xs):.4f} ({min(xs):.3f}–{max(xs):.3f})"


if __name__ == "__main__":
    main()

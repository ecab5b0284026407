"""Keras side of the tfnids-vs-Keras training benchmark (issue 7).

Usage (from the repository root, with the venv's Python):

  python bench/keras/train_keras.py --data DIR --folds folds.json --out keras.json \
      [--models cnn,lstm,gru] [--epochs 5] [--batch-size 256] [--threads 2] \
      [--inter-threads 2] [--seed 42] [--seq-len 3] [--shuffle-windows]

What it does, mirroring `tfnids train --cv stratified` step by step:

* data: the CSVs of DIR concatenated in file-name order, read with pandas the
  way the seed does (strip column names, +/-inf -> NaN, dropna, parse the
  timestamp, stable sort, pd.factorize of the class column after the sort);
  the feature columns are the ones tfnids feeds the model (folds.json,
  written by `go run ./bench/folds`). The script checks that its labels and
  raw column sums equal tfnids' before it trains, so both sides see the same
  rows in the same order and the fold indices mean the same rows.
* per fold (folds.json: tfnids' own fold indices) a scikit-learn
  MinMaxScaler fitted on the training rows and applied to both splits;
* per fold and model: the seed's exact Keras model (seed-pipeline.md 5,
  dropout and l1 rates included), compiled with "adam",
  sparse_categorical_crossentropy and ["accuracy"] (Keras' defaults
  otherwise: no XLA on a CPU-only machine), seeded with seed + fold as tfnids
  seeds its weights; fit for --epochs epochs at --batch-size, rows shuffled
  every epoch for the CNN (Keras' default), windows of --seq-len rows from
  keras.utils.timeseries_dataset_from_array in time order for LSTM/GRU
  (the seed's use_generator=True path; --shuffle-windows shuffles them;
  --windows memory feeds them as one in-memory array instead, the seed's
  use_generator=False path);
  then model.predict on the test split, timed (cold: the first call, as the
  seed times it; warm: a second call), and accuracy and weighted F1.

It prints per-epoch wall time, samples/s, loss and accuracy, and per fold
the final loss, accuracy, weighted F1 and predict rows/s; the JSON (--out)
holds the same plus the data-preparation time and the peak RSS.
"""
import argparse
import glob
import json
import os
import resource
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="directory of CSV files (or a glob)")
    p.add_argument("--folds", required=True, help="folds.json from bench/folds")
    p.add_argument("--out", required=True, help="where to write the JSON results")
    p.add_argument("--models", default="cnn,lstm,gru")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=2, help="TF intra-op threads (and OMP/MKL threads)")
    p.add_argument("--inter-threads", type=int, default=2, help="TF inter-op threads")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--seq-len", type=int, default=3)
    p.add_argument("--shuffle-windows", action="store_true")
    p.add_argument("--windows", choices=["dataset", "memory"], default="dataset",
                   help="LSTM/GRU input: the seed's timeseries_dataset_from_array (use_generator=True), or the "
                        "windows materialized as one (N, L, F) array fed to fit/predict with batch_size "
                        "(the seed's use_generator=False path)")
    p.add_argument("--timestamp-format", default="%Y-%m-%d %H:%M:%S.%f",
                   help="strptime format of the Timestamp column (cicids2017_improved's)")
    p.add_argument("--timestamp", default="Timestamp")
    p.add_argument("--class-column", default="Label")
    p.add_argument("--max-folds", type=int, default=0, help="train only the first N folds (0: all)")
    return p.parse_args()


args = parse_args()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import threads  # noqa: E402

threads.set_env(args.threads, args.inter_threads)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

import tensorflow as tf  # noqa: E402

threads.configure(tf, args.threads, args.inter_threads)

import keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_models import build  # noqa: E402


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def load(ref):
    """The seed's pandas preprocessing up to the feature matrix (unscaled)."""
    pattern = os.path.join(args.data, "*.csv") if os.path.isdir(args.data) else args.data
    files = sorted(glob.glob(pattern))
    if not files:
        sys.exit(f"no CSV files in {args.data}")
    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    df.columns = df.columns.str.strip()
    df = df.replace([np.inf, -np.inf], np.nan).dropna(axis=0, how="any")
    df[args.timestamp] = pd.to_datetime(df[args.timestamp].astype(str).str.strip(), format=args.timestamp_format)
    df = df.sort_values(args.timestamp, kind="stable")
    labels, uniques = pd.factorize(df[args.class_column])
    x = df[ref["feature_names"]].to_numpy(dtype=np.float64)
    return x, labels.astype(np.int32), [str(u) for u in uniques]


def check_same_rows(x, y, names, ref):
    if len(y) != ref["rows"]:
        sys.exit(f"pandas kept {len(y)} rows, tfnids {ref['rows']}")
    if names != ref["class_names"]:
        sys.exit(f"class order differs: pandas {names}, tfnids {ref['class_names']}")
    if not np.array_equal(y, np.asarray(ref["labels"], dtype=np.int32)):
        sys.exit("labels differ from tfnids' row by row: the row order is not the same")
    # tfnids stores raw values as float32; compare sums of the float32 values.
    sums = x.astype(np.float32).astype(np.float64).sum(axis=0)
    want = np.asarray(ref["column_sums"])
    bad = ~np.isclose(sums, want, rtol=1e-9, atol=1e-6)
    if bad.any():
        cols = [ref["feature_names"][i] for i in np.flatnonzero(bad)]
        sys.exit(f"raw column sums differ from tfnids' in {cols}")


class EpochTimer(keras.callbacks.Callback):
    def __init__(self, samples, label):
        super().__init__()
        self.samples, self.label, self.epochs = samples, label, []

    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        secs = time.perf_counter() - self.t0
        e = {"epoch": epoch + 1, "seconds": secs, "samples_per_sec": self.samples / secs,
             "loss": float(logs["loss"]), "accuracy": float(logs["accuracy"])}
        self.epochs.append(e)
        print(f"  {self.label} epoch {epoch + 1}: {secs:6.2f}s {e['samples_per_sec']:9.0f} samples/s "
              f"loss {e['loss']:.4f} acc {e['accuracy']:.4f}", flush=True)


def windows(x, y, shuffle, seed):
    seq = args.seq_len
    return keras.utils.timeseries_dataset_from_array(
        x, targets=y[seq - 1:], sequence_length=seq, sequence_stride=1, shuffle=shuffle, seed=seed,
        batch_size=args.batch_size)


def run_pair(name, fold_no, xtr, ytr, xte, yte, classes):
    seed = args.seed + fold_no  # tfnids seeds a fold's model with seed + fold
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = build(name, xtr.shape[1], classes, args.seq_len)
    label = f"fold {fold_no} {name}"
    if name == "cnn":
        train_in, n_train = xtr[..., None], len(xtr)
        test_in, test_labels = xte[..., None], yte
        timer = EpochTimer(n_train, label)
        t0 = time.perf_counter()
        model.fit(train_in, ytr, epochs=args.epochs, batch_size=args.batch_size, shuffle=True, verbose=0,
                  callbacks=[timer])
        fit_s = time.perf_counter() - t0
        predict = lambda: model.predict(test_in, batch_size=args.batch_size, verbose=0)  # noqa: E731
    else:
        n_train = len(xtr) - args.seq_len + 1
        timer = EpochTimer(n_train, label)
        test_labels = yte[args.seq_len - 1:]
        if args.windows == "memory":
            win = lambda a: np.ascontiguousarray(  # noqa: E731
                np.lib.stride_tricks.sliding_window_view(a, args.seq_len, axis=0).transpose(0, 2, 1))
            wtr, wte = win(xtr), win(xte)
            t0 = time.perf_counter()
            model.fit(wtr, ytr[args.seq_len - 1:], epochs=args.epochs, batch_size=args.batch_size,
                      shuffle=args.shuffle_windows, verbose=0, callbacks=[timer])
            fit_s = time.perf_counter() - t0
            predict = lambda: model.predict(wte, batch_size=args.batch_size, verbose=0)  # noqa: E731
        else:
            ds = windows(xtr, ytr, args.shuffle_windows, seed)
            t0 = time.perf_counter()
            model.fit(ds, epochs=args.epochs, verbose=0, callbacks=[timer])
            fit_s = time.perf_counter() - t0
            # As the seed: the test windows with dummy targets, built outside the timed span.
            test_ds = windows(xte, np.zeros(len(xte), dtype=np.int32), False, None)
            predict = lambda: model.predict(test_ds, verbose=0)  # noqa: E731
    t0 = time.perf_counter()
    probs = predict()
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    predict()
    warm = time.perf_counter() - t0
    pred = probs.argmax(axis=1)
    acc = accuracy_score(test_labels, pred)
    f1 = f1_score(test_labels, pred, average="weighted", zero_division=0)
    n_test = len(test_labels)
    print(f"  {label}: fit {fit_s:.2f}s, final loss {timer.epochs[-1]['loss']:.4f}, test accuracy {acc:.4f}, "
          f"weighted F1 {f1:.4f}, predict {n_test / cold:.0f} rows/s cold, {n_test / warm:.0f} warm", flush=True)
    return {"model": name, "fold": fold_no, "train_samples": n_train, "fit_seconds": fit_s,
            "epochs": timer.epochs, "final_loss": timer.epochs[-1]["loss"],
            "final_train_accuracy": timer.epochs[-1]["accuracy"], "test_rows": n_test, "accuracy": acc,
            "f1_weighted": f1, "predict_seconds_cold": cold, "predict_seconds_warm": warm}


def main():
    t_start = time.perf_counter()
    with open(args.folds) as f:
        ref = json.load(f)
    t0 = time.perf_counter()
    x, y, names = load(ref)
    load_s = time.perf_counter() - t0
    check_same_rows(x, y, names, ref)
    classes = len(names)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    folds = ref["folds"][: args.max_folds or None]
    results, scale_s = [], 0.0
    print(f"keras {keras.__version__}, tensorflow {tf.__version__}: {len(y)} rows x {x.shape[1]} features, "
          f"{classes} classes, {len(folds)} folds, load {load_s:.2f}s", flush=True)
    for k, fold in enumerate(folds):
        fold_no = k + 1
        tr, te = np.asarray(fold["train"]), np.asarray(fold["test"])
        t0 = time.perf_counter()
        scaler = MinMaxScaler().fit(x[tr])
        xtr = scaler.transform(x[tr]).astype(np.float32)
        xte = scaler.transform(x[te]).astype(np.float32)
        scale_s += time.perf_counter() - t0
        for name in models:
            results.append(run_pair(name, fold_no, xtr, y[tr], xte, y[te], classes))
    out = {"side": "keras", "keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
           "pandas": pd.__version__, "python": sys.version.split()[0], "args": vars(args),
           "threads": {"intra": tf.config.threading.get_intra_op_parallelism_threads(),
                       "inter": tf.config.threading.get_inter_op_parallelism_threads()},
           "rows": int(len(y)), "features": int(x.shape[1]), "classes": classes,
           "load_seconds": load_s, "scale_seconds": scale_s, "results": results,
           "wall_seconds": time.perf_counter() - t_start, "peak_rss_mib": peak_rss_mib()}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"peak RSS {out['peak_rss_mib']:.0f} MiB, wall {out['wall_seconds']:.1f}s")


if __name__ == "__main__":
    main()

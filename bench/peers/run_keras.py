"""Keras side of the peers benchmark (bench/peers/run.sh).

  python bench/peers/run_keras.py --data bench/out/peers/data --out keras.json \
      [--models cnn,lstm,gru] [--epochs 3] [--batch-size 256] [--predict-batch-size 1024] \
      [--threads 2] [--inter-threads 2] [--seed 42]

Per model: the seed's Keras model (bench/keras/keras_models.py, the one
bench/keras/train_keras.py trains), fit on the in-memory arrays `peers prep`
wrote (rows as (N, F, 1) for the CNN, windows (N, L, F) for LSTM/GRU) with
model.fit(x, y, batch_size, shuffle=True), every epoch timed by a callback;
then model.predict(x_test, batch_size) twice (cold: the first call, which
traces the predict function; warm: the second).
"""
import argparse
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="directory written by `peers prep`")
    p.add_argument("--out", required=True, help="where to write the JSON results")
    p.add_argument("--models", default="cnn,lstm,gru")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--predict-batch-size", type=int, default=1024)
    p.add_argument("--threads", type=int, default=2, help="TF intra-op threads (and OMP/MKL threads)")
    p.add_argument("--inter-threads", type=int, default=2, help="TF inter-op threads")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


args = parse_args()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "keras"))
import threads  # noqa: E402

threads.set_env(args.threads, args.inter_threads)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

threads.configure(tf, args.threads, args.inter_threads)

import keras  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "keras"))
import common  # noqa: E402
from keras_models import build  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    def __init__(self, samples, label):
        super().__init__()
        self.samples, self.label, self.epochs = samples, label, []

    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        secs = time.perf_counter() - self.t0
        self.epochs.append(common.epoch_record(epoch + 1, secs, self.samples, logs["loss"], logs["accuracy"],
                                               self.label))


def run(name, meta):
    xtr, ytr = common.load_split(args.data, name, "train")
    xte, yte = common.load_split(args.data, name, "test")
    if name == "cnn":  # Keras' Conv1D is channels-last: (N, F, 1)
        xtr, xte = xtr[..., None], xte[..., None]
    keras.backend.clear_session()
    keras.utils.set_random_seed(args.seed)
    t0 = time.perf_counter()
    model = build(name, meta["features"], meta["classes"], meta["seq_len"])
    build_s = time.perf_counter() - t0
    timer = EpochTimer(len(xtr), name)
    model.fit(xtr, ytr, epochs=args.epochs, batch_size=args.batch_size, shuffle=True, verbose=0, callbacks=[timer])
    t0 = time.perf_counter()
    probs = model.predict(xte, batch_size=args.predict_batch_size, verbose=0)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(xte, batch_size=args.predict_batch_size, verbose=0)
    warm = time.perf_counter() - t0
    acc = float(np.mean(probs.argmax(axis=1) == yte))
    r = common.model_record(name, model.count_params(), len(xtr), len(xte), build_s, timer.epochs, cold, warm, acc)
    common.report(r)
    return r


def main():
    t_start = time.perf_counter()
    meta = common.load_meta(args.data)
    print(f"keras {keras.__version__}, tensorflow {tf.__version__}: {meta['train_rows']} train, "
          f"{meta['test_rows']} test rows x {meta['features']} features, {meta['classes']} classes; "
          f"{args.threads} intra / {args.inter_threads} inter threads", flush=True)
    results = [run(m.strip(), meta) for m in args.models.split(",") if m.strip()]
    common.write_json(args.out, {
        "side": "keras",
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
                     "python": sys.version.split()[0]},
        "threads": {"intra": tf.config.threading.get_intra_op_parallelism_threads(),
                    "inter": tf.config.threading.get_inter_op_parallelism_threads()},
        "args": vars(args), "meta": meta, "models": results,
        "wall_seconds": time.perf_counter() - t_start, "peak_rss_mib": common.peak_rss_mib()})


if __name__ == "__main__":
    main()

"""Keras reference for the builders parity tests (builders/parity_test.go).

Usage: keras_reference.py OUT.json

Builds the seed's models in Keras 3 (the venv's TF 2.18 / Keras 3.8) with a
fixed seed and, for each, records: the initial weights (by variable path
without the "sequential/" prefix), a batch of 64 real examples, the
inference-mode probabilities, the loss/accuracy reported by one
train_on_batch step with Adam, the weights after that step (batch-norm
moving statistics included), count_params() and the summary rows.

Data (deterministic, real rows): testdata/cicids2017-slice/*.csv concatenated
in file-name order, stably sorted by Timestamp; 37 feature columns chosen to
mirror the seed's 37 cic_ton_iot features (FEATURES below, CIC-IDS2017
"improved" names); MinMax-scaled over all 2,511 rows (a constant column maps
to 0, as scikit-learn); labels = pd.factorize(Label) in time order, mod 10.
66 rows evenly spaced over the sorted frame are taken: the first 64 are the
row batch (cnn, dense); the 64 windows of 3 consecutive taken rows, labelled
by their last row as the seed does, are the window batch (lstm, gru).

Dropout rates are 0 here (the Go side forces Dropout to 0 too) so that one
training step is deterministic; everything else is the seed's stack.
"""
import glob
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # silence the retracing warnings of five compiled models

import keras
from keras import layers, regularizers

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

FEATURES = [
    "Protocol", "Total Fwd Packet", "Total Length of Fwd Packet", "Fwd Packet Length Min",
    "Bwd Packet Length Min", "Flow Bytes/s", "Flow IAT Std", "Fwd IAT Max", "Fwd IAT Min",
    "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min", "Fwd PSH Flags", "Fwd Header Length",
    "Fwd Packets/s", "Bwd Packets/s", "Packet Length Min", "SYN Flag Count", "RST Flag Count",
    "ACK Flag Count", "ECE Flag Count", "Down/Up Ratio", "Bwd Bytes/Bulk Avg",
    "Bwd Packet/Bulk Avg", "Bwd Bulk Rate Avg", "Subflow Fwd Packets", "Subflow Fwd Bytes",
    "Subflow Bwd Bytes", "FWD Init Win Bytes", "Bwd Init Win Bytes", "Fwd Act Data Pkts",
    "Fwd Seg Size Min", "Active Max", "Active Min", "Idle Std", "Idle Max", "Idle Min",
]
assert len(FEATURES) == 37
CLASSES = 10
SEQ = 3
BATCH = 64
SEED = 1


def load():
    files = sorted(glob.glob(os.path.join(ROOT, "testdata", "cicids2017-slice", "*.csv")))
    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    df["__ts"] = pd.to_datetime(df["Timestamp"])
    df = df.sort_values("__ts", kind="mergesort").reset_index(drop=True)
    x = df[FEATURES].to_numpy(dtype=np.float64)
    lo, hi = x.min(axis=0), x.max(axis=0)
    rng = np.where(hi - lo == 0, 1.0, hi - lo)
    x = ((x - lo) / rng).astype(np.float32)
    y = (pd.factorize(df["Label"])[0] % CLASSES).astype(np.int32)
    take = np.linspace(0, len(df) - 1, BATCH + SEQ - 1).round().astype(int)
    return x[take], y[take]


def l1():
    return regularizers.l1(0.01)


def head(binary):
    return layers.Dense(1, activation="sigmoid") if binary else layers.Dense(CLASSES, activation="softmax")


def build(name, binary=False):
    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    if name == "cnn":
        stack = [keras.Input((37, 1)), layers.Conv1D(64, 3, activation="relu"), layers.MaxPooling1D(2),
                 layers.BatchNormalization(), layers.Flatten(), layers.Dense(100, activation="relu")]
    elif name == "lstm":
        stack = [keras.Input((SEQ, 37)),
                 layers.LSTM(80, return_sequences=True, dropout=0.0, kernel_regularizer=l1(),
                             recurrent_regularizer=l1(), bias_regularizer=l1()),
                 layers.LSTM(20, dropout=0.0, kernel_regularizer=l1(), recurrent_regularizer=l1(),
                             bias_regularizer=l1()),
                 layers.Dense(100, activation="relu")]
    elif name == "gru":
        stack = [keras.Input((SEQ, 37)), layers.GRU(80), layers.Dropout(0.0), layers.Dense(100, activation="relu")]
    elif name == "dense":
        stack = [keras.Input((37,)), layers.Dense(64, activation="relu")]
    else:
        raise ValueError(name)
    model = keras.Sequential(stack + [head(binary)])
    model.compile(optimizer="adam", loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=False)
    return model


def weights(model):
    return {w.path.split("/", 1)[1]: np.asarray(w.numpy(), dtype=np.float32).ravel().astype(np.float64).tolist()
            for w in model.weights}


def reference(name, rows, labels, binary=False):
    model = build(name, binary)
    if name in ("lstm", "gru"):
        x = np.stack([rows[i:i + SEQ] for i in range(BATCH)])
        y = labels[SEQ - 1:SEQ - 1 + BATCH]
        xk = x
    else:
        x, y = rows[:BATCH], labels[:BATCH]
        xk = x[..., None] if name == "cnn" else x
    if binary:
        y = (y != 0).astype(np.int32)
    out = {
        "x": x.ravel().astype(np.float64).tolist(),
        "x_shape": list(x.shape),
        "y": y.tolist(),
        "weights": weights(model),
        "shapes": {w.path.split("/", 1)[1]: list(w.shape) for w in model.weights},
        "count_params": int(model.count_params()),
        "layers": [{"name": l.name, "type": type(l).__name__, "shape": list(l.output.shape[1:]),
                    "params": int(l.count_params())} for l in model.layers],
    }
    out["probs"] = np.asarray(model(xk, training=False), dtype=np.float32).ravel().astype(np.float64).tolist()
    logs = model.train_on_batch(xk, y.astype(np.float32) if binary else y, return_dict=True)
    out["loss"] = float(logs["loss"])
    out["accuracy"] = float(logs["accuracy"])
    out["after"] = weights(model)
    return out


def main():
    rows, labels = load()
    result = {"keras": keras.__version__, "tensorflow": tf.__version__, "features": FEATURES, "models": {}}
    for key, name, binary in [("cnn", "cnn", False), ("lstm", "lstm", False), ("gru", "gru", False),
                              ("dense", "dense", False), ("gru_binary", "gru", True)]:
        result["models"][key] = reference(name, rows, labels, binary)
    with open(sys.argv[1], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()

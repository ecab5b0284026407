"""Keras side of the batch-predict benchmark (issue 6; not a timed test).

Usage (the venv's Python, from the repository root):

  python bench/serve/keras_predict.py --meta OUT/meta.json --inputs OUT/inputs_scaled.npy \
      [--go-probs OUT/go_probs.npy] [--batch 1024,32] [--repeat 5] [--threads 2] [--out keras.json]

Builds the seed's Keras 3 model for meta.json's model (the stacks tfnids' builders
reproduce), loads the weights of tfnids' training checkpoint into it (checkpoint keys are
Keras' variable paths without the model prefix), and times model.predict on the scaled
examples (the Go side feeds the same examples raw: its SavedModel scales them itself) at
each batch size: a cold first call (tracing included) and the median of --repeat warm
calls. With --go-probs it reports the largest difference from tfnids' probabilities.
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--meta", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--go-probs")
    p.add_argument("--batch", default="1024,256,32")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out")
    return p.parse_args()


args = parse()
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

if args.threads:
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
import keras  # noqa: E402
from keras import layers, regularizers  # noqa: E402


def build(m):
    f, c, seq = m["features"], m["classes"], m["seq_len"]
    l1 = regularizers.l1(0.01)
    if m["model"] == "cnn":
        stack = [keras.Input((f, 1)), layers.Conv1D(64, 3, activation="relu"), layers.MaxPooling1D(2),
                 layers.BatchNormalization(), layers.Flatten(), layers.Dense(100, activation="relu")]
    elif m["model"] == "lstm":
        stack = [keras.Input((seq, f)),
                 layers.LSTM(80, return_sequences=True, dropout=0.2, kernel_regularizer=l1,
                             recurrent_regularizer=l1, bias_regularizer=l1),
                 layers.LSTM(20, dropout=0.2, kernel_regularizer=l1, recurrent_regularizer=l1, bias_regularizer=l1),
                 layers.Dense(100, activation="relu")]
    elif m["model"] == "gru":
        stack = [keras.Input((seq, f)), layers.GRU(80), layers.Dropout(0.2), layers.Dense(100, activation="relu")]
    else:
        stack = [keras.Input((f,)), layers.Dense(64, activation="relu")]
    return keras.Sequential(stack + [layers.Dense(c, activation="softmax")])


meta = json.load(open(args.meta))
model = build(meta)
reader = tf.train.load_checkpoint(meta["checkpoint"])
for w in model.weights:
    w.assign(reader.get_tensor(w.path.split("/", 1)[1]))
x = np.load(args.inputs)
if meta["model"] == "cnn":
    x = x[..., np.newaxis]  # Keras' Conv1D wants a channel axis; tfnids adds it in the graph

result = {"tensorflow": tf.__version__, "keras": keras.__version__, "examples": int(x.shape[0]), "runs": []}
probs = None
for bs in [int(b) for b in args.batch.split(",")]:
    t0 = time.perf_counter()
    p = model.predict(x, batch_size=bs, verbose=0)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        model.predict(x, batch_size=bs, verbose=0)
        warm.append(time.perf_counter() - t0)
    med = statistics.median(warm)
    result["runs"].append({"batch_size": bs, "cold_seconds": cold, "warm_seconds": warm,
                           "rows_per_second": x.shape[0] / med, "best_rows_per_second": x.shape[0] / min(warm)})
    print(f"Keras model.predict batch {bs:5d}: {x.shape[0]} examples, cold {cold:.3f}s, "
          f"warm median {med:.3f}s = {x.shape[0] / med:.0f} examples/s (best {x.shape[0] / min(warm):.0f})")
    if probs is None:
        probs = p
if args.go_probs:
    go = np.load(args.go_probs)
    result["max_abs_diff_vs_tfnids"] = float(np.max(np.abs(go.astype(np.float64) - probs.astype(np.float64))))
    result["class_agreement"] = float(np.mean(np.argmax(go, 1) == np.argmax(probs, 1)))
    print(f"Keras vs tfnids SavedModel: max |probability difference| {result['max_abs_diff_vs_tfnids']:.2e}, "
          f"same class for {100 * result['class_agreement']:.2f}% of examples")
if args.out:
    json.dump(result, open(args.out, "w"), indent=2)

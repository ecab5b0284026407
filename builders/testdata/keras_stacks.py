"""Keras side of the randomized stack parity test (builders/stacks_test.go).

Reads JSON on stdin: {"cases": [{"spec": <tfnids spec, every layer named>,
"channel": bool, "x": [...], "x_shape": [...], "y": [...], "weights":
{path: [...]}}, ...]} and, for each case, builds the same Sequential model
in Keras 3 from the spec (class names and arguments are Keras' own), sets
the weights tfnids initialized (by variable path without the model prefix),
and records: count_params(), the inference-mode probabilities, the loss of
one train_on_batch step with Keras-default Adam, every weight after that
step, and model.to_json() (which the Go test imports back). All cases run
in this one process (importing TensorFlow costs seconds).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

tf.get_logger().setLevel("ERROR")

import keras
from keras import layers, regularizers


def regularizer(v):
    if v is None:
        return None
    return regularizers.L1L2(l1=v.get("l1", 0.0), l2=v.get("l2", 0.0))


def make_layer(spec):
    spec = dict(spec)
    cls = spec.pop("class")
    name = spec.pop("name", None)
    for k in list(spec):
        if k.endswith("_regularizer"):
            spec[k] = regularizer(spec[k])
    if cls == "Bidirectional":
        spec["layer"] = make_layer(spec["layer"])
    if cls == "Reshape":
        spec["target_shape"] = tuple(spec["target_shape"])
    return getattr(layers, cls)(name=name, **spec)


def build(case):
    s = case["spec"]
    shape = tuple(case["x_shape"][1:])
    if case["channel"]:
        shape = shape + (1,)
    stack = [keras.Input(shape=shape)] + [make_layer(l) for l in s["layers"]]
    if s.get("binary"):
        stack.append(layers.Dense(1, activation="sigmoid", name=s["head_name"]))
    else:
        stack.append(layers.Dense(s["classes"], activation="softmax", name=s["head_name"]))
    return keras.Sequential(stack, name="sequential")


def path(v):
    return v.path.split("/", 1)[1]


def run(case):
    keras.backend.clear_session()
    model = build(case)
    x = np.asarray(case["x"], dtype=np.float32).reshape(case["x_shape"])
    if case["channel"]:
        x = x[..., None]
    y = np.asarray(case["y"], dtype=np.int32)
    for v in model.weights:
        w = np.asarray(case["weights"][path(v)], dtype=np.float32).reshape(v.shape)
        v.assign(w)
    probs = model(x, training=False).numpy()
    binary = case["spec"].get("binary", False)
    # run_eagerly: one step needs no tf.function tracing, which would cost
    # seconds per model; the math is the same.
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  run_eagerly=True)
    loss = model.train_on_batch(x, y.astype(np.float32)[:, None] if binary else y)
    return {
        "count_params": int(model.count_params()),
        "probs": probs.ravel().tolist(),
        "loss": float(loss),
        "after": {path(v): v.numpy().ravel().tolist() for v in model.weights},
        "to_json": model.to_json(),
    }


def main():
    cases = json.load(sys.stdin)["cases"]
    out = {"keras": keras.__version__, "results": [run(c) for c in cases]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

"""Runs a tfnids SavedModel through Python TensorFlow and prints JSON.

usage: savedmodel_check.py < {"dir": EXPORT_DIR, "inputs": INPUT.npy, "cli_outdir": CLI_OUTDIR}
(JSON on stdin; cli_outdir may be omitted)

Prints {"signature": {...}, "load": {key: values}, "cli": {key: values}}:
  signature  inputs/outputs of signatures["serving_default"] as
             tf.saved_model.load sees them (dtype, shape);
  load       the outputs of tf.saved_model.load(dir).signatures
             ["serving_default"](x=INPUT);
  cli        the .npy files `saved_model_cli run --outdir CLI_OUTDIR` wrote,
             if CLI_OUTDIR is given.
Used by tfgraph's and serving's tests to prove TensorFlow itself loads and
runs tfnids exports."""
import json
import os
import sys

import numpy as np
import tensorflow as tf


def tolist(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if not np.isfinite(v) else float(v) for v in a.astype(np.float64).ravel()]
    return [int(v) for v in a.ravel()]


args = json.load(sys.stdin)
export_dir, input_path = args["dir"], args["inputs"]
x = np.load(input_path)
loaded = tf.saved_model.load(export_dir)
fn = loaded.signatures["serving_default"]
_, kwargs = fn.structured_input_signature
sig = {
    "inputs": {k: {"dtype": v.dtype.name, "shape": v.shape.as_list()} for k, v in kwargs.items()},
    "outputs": {k: {"dtype": v.dtype.name, "shape": v.shape.as_list()} for k, v in fn.structured_outputs.items()},
}
key = next(iter(kwargs))
out = fn(**{key: tf.constant(x)})
result = {"signature": sig, "load": {k: tolist(v.numpy()) for k, v in out.items()}}
if args.get("cli_outdir"):
    outdir = args["cli_outdir"]
    result["cli"] = {f[:-4]: tolist(np.load(os.path.join(outdir, f))) for f in sorted(os.listdir(outdir)) if f.endswith(".npy")}
print(json.dumps(result))

"""Reads {"prefix": checkpoint prefix} as JSON on stdin and prints the
checkpoint's variables as JSON: {name: {"shape": [...], "dtype": str, "sum": float}}.

Used by tfgraph's tests to prove Python TensorFlow reads tfnids checkpoints."""
import json
import sys

import numpy as np
import tensorflow as tf

prefix = json.load(sys.stdin)["prefix"]
reader = tf.train.load_checkpoint(prefix)
out = {}
for name, shape in tf.train.list_variables(prefix):
    value = reader.get_tensor(name)
    out[name] = {"shape": list(shape), "dtype": str(value.dtype), "sum": float(np.sum(value.astype(np.float64)))}
print(json.dumps(out))

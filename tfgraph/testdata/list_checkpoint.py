"""Prints a TF checkpoint's variables as JSON: {name: {"shape": [...], "dtype": str, "sum": float}}.

Used by tfgraph's tests to prove Python TensorFlow reads tfnids checkpoints."""
import json
import sys

import numpy as np
import tensorflow as tf

reader = tf.train.load_checkpoint(sys.argv[1])
out = {}
for name, shape in tf.train.list_variables(sys.argv[1]):
    value = reader.get_tensor(name)
    out[name] = {"shape": list(shape), "dtype": str(value.dtype), "sum": float(np.sum(value.astype(np.float64)))}
print(json.dumps(out))

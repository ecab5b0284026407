"""Reads a tf_serving_warmup_requests file with TensorFlow's own TFRecord
reader (which checks the masked CRC-32C framing) and parses each record as
TensorFlow Serving's PredictionLog, as its warm-up loader does.

argv[1]: the file. Prints JSON: one entry per record.
"""
import json
import sys

import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

out = []
for raw in tf.data.TFRecordDataset([sys.argv[1]]):
    log = prediction_log_pb2.PredictionLog()
    log.ParseFromString(raw.numpy())
    req = log.predict_log.request
    x = tf.make_ndarray(req.inputs["x"])
    out.append({"kind": log.WhichOneof("log_type"), "model": req.model_spec.name,
                "signature": req.model_spec.signature_name, "shape": list(x.shape),
                "dtype": str(x.dtype), "sum": float(x.sum())})
json.dump(out, sys.stdout)

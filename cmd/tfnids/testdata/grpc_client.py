"""Talks to `tfnids serve` with TensorFlow Serving's own Python client.

Reads {"grpc": "host:port", "features": F, "row": [...]} as JSON on stdin and
prints what each call returned (or its gRPC status code and message) as JSON,
for cmd/tfnids/serve_grpc_test.go.
"""
import json
import sys

import grpc
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2
from tensorflow_serving.apis import (classification_pb2, get_model_metadata_pb2,
                                     get_model_status_pb2, model_service_pb2_grpc,
                                     predict_pb2, prediction_service_pb2_grpc)

cfg = json.load(sys.stdin)
channel = grpc.insecure_channel(cfg["grpc"])
predict_stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
model_stub = model_service_pb2_grpc.ModelServiceStub(channel)
row = cfg["row"]


def tensor(values, shape, dtype=types_pb2.DT_FLOAT):
    t = tensor_pb2.TensorProto(dtype=dtype,
                               tensor_shape=tensor_shape_pb2.TensorShapeProto(
                                   dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=s) for s in shape]))
    if dtype == types_pb2.DT_FLOAT:
        t.float_val.extend(values)
    else:
        t.double_val.extend(values)
    return t


def call(fn, req):
    try:
        return {"ok": fn(req, timeout=60)}
    except grpc.RpcError as e:
        return {"code": e.code().name, "message": e.details()}


def predict(name, version=None, label=None, values=None, shape=None, dtype=types_pb2.DT_FLOAT):
    req = predict_pb2.PredictRequest()
    req.model_spec.name = name
    req.model_spec.signature_name = "serving_default"
    if version is not None:
        req.model_spec.version.value = version
    if label is not None:
        req.model_spec.version_label = label
    req.inputs["x"].CopyFrom(tensor(values if values is not None else row,
                                    shape if shape is not None else [1, len(row)], dtype))
    r = call(predict_stub.Predict, req)
    if "ok" in r:
        resp = r["ok"]
        r = {"version": resp.model_spec.version.value,
             "signature": resp.model_spec.signature_name,
             "classes": list(resp.outputs["classes"].int64_val),
             "probabilities": list(resp.outputs["probabilities"].float_val),
             "prob_shape": [d.size for d in resp.outputs["probabilities"].tensor_shape.dim]}
    return r


def status(name, version=None):
    req = get_model_status_pb2.GetModelStatusRequest()
    req.model_spec.name = name
    if version is not None:
        req.model_spec.version.value = version
    r = call(model_stub.GetModelStatus, req)
    if "ok" in r:
        r = [{"version": s.version,
              "state": get_model_status_pb2.ModelVersionStatus.State.Name(s.state),
              "error_code": s.status.error_code,
              "error_message": s.status.error_message} for s in r["ok"].model_version_status]
    return r


def metadata(name, label=None):
    req = get_model_metadata_pb2.GetModelMetadataRequest()
    req.model_spec.name = name
    if label is not None:
        req.model_spec.version_label = label
    req.metadata_field.append("signature_def")
    r = call(predict_stub.GetModelMetadata, req)
    if "ok" in r:
        sigs = get_model_metadata_pb2.SignatureDefMap()
        r["ok"].metadata["signature_def"].Unpack(sigs)
        sd = sigs.signature_def["serving_default"]
        r = {"version": r["ok"].model_spec.version.value,
             "method": sd.method_name,
             "inputs": {k: [types_pb2.DataType.Name(v.dtype), [d.size for d in v.tensor_shape.dim]]
                        for k, v in sd.inputs.items()},
             "outputs": sorted(sd.outputs.keys())}
    return r


F = len(row)
classify = classification_pb2.ClassificationRequest()
classify.model_spec.name = "ids"
out = {
    "status_ids": status("ids"),
    "status_other": status("other"),
    "status_empty": status("empty"),
    "status_v9": status("ids", 9),
    "metadata_stable": metadata("ids", "stable"),
    "predict_latest": predict("ids"),
    "predict_v1": predict("ids", version=1),
    "predict_canary": predict("ids", label="canary"),
    "predict_other": predict("other"),
    "predict_two_rows": predict("ids", values=row + row, shape=[2, F]),
    "predict_empty": predict("empty"),
    "predict_unknown_model": predict("nope"),
    "predict_unknown_label": predict("ids", label="nope"),
    "predict_v9": predict("ids", version=9),
    "predict_wrong_dtype": predict("ids", dtype=types_pb2.DT_DOUBLE),
    "predict_wrong_shape": predict("ids", values=row + [0.0], shape=[1, F + 1]),
    "predict_short_values": predict("ids", values=row, shape=[3, F + 7]),
    "classify": call(predict_stub.Classify, classify),
}
if "ok" in out["classify"]:
    out["classify"] = {"unexpected": str(out["classify"]["ok"])}
json.dump(out, sys.stdout)

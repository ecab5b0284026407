"""What the Keras and PyTorch sides of the peers benchmark share: reading
the arrays `peers prep` wrote, the per-model record (the same fields as the
Go side's, bench/peers/main.go) and writing the JSON.

Needs only numpy and the standard library, so both venvs can import it.
"""
import json
import os
import resource
import sys
import tempfile

import numpy as np


def load_meta(data_dir):
    with open(os.path.join(data_dir, "meta.json")) as f:
        return json.load(f)


def load_split(data_dir, model, split):
    """(x, y) of split "train" or "test" for model: the rows (N, F) for cnn,
    the windows (N, L, F) and each window's last row's label for lstm/gru.
    Labels come as float32 (internal/npy's one dtype) and leave as int64."""
    xname, yname = ("x_", "y_") if model == "cnn" else ("w_", "wy_")
    x = np.load(os.path.join(data_dir, xname + split + ".npy"))
    y = np.load(os.path.join(data_dir, yname + split + ".npy"))
    if x.dtype != np.float32 or len(x) != len(y):
        sys.exit(f"{data_dir}: {xname}{split}.npy is {x.dtype} {x.shape}, {yname}{split}.npy {y.shape}: "
                 "want float32 and one label per example")
    yi = y.astype(np.int64)
    if not np.array_equal(yi, y):
        sys.exit(f"{data_dir}/{yname}{split}.npy: labels are not whole numbers")
    return np.ascontiguousarray(x), yi


def model_record(model, params, train_samples, test_samples, build_s, epochs, cold, warm, test_accuracy):
    """The per-model record; epochs: dicts with epoch, seconds, samples_per_sec, loss, accuracy."""
    steady_s = sum(e["seconds"] for e in epochs[1:])
    return {"model": model, "params": int(params), "train_samples": int(train_samples),
            "test_samples": int(test_samples), "build_seconds": build_s, "epochs": epochs,
            "steady_samples_per_sec": train_samples * (len(epochs) - 1) / steady_s if steady_s > 0 else 0.0,
            "final_loss": epochs[-1]["loss"], "predict_seconds_cold": cold, "predict_seconds_warm": warm,
            "test_accuracy": float(test_accuracy)}


def epoch_record(epoch, seconds, samples, loss, accuracy, label):
    e = {"epoch": epoch, "seconds": seconds, "samples_per_sec": samples / seconds, "loss": float(loss),
         "accuracy": float(accuracy)}
    print(f"  {label} epoch {epoch}: {seconds:6.2f}s {e['samples_per_sec']:9.0f} samples/s "
          f"loss {e['loss']:.4f} acc {e['accuracy']:.4f}", flush=True)
    return e


def report(r):
    print(f"  {r['model']}: steady {r['steady_samples_per_sec']:.0f} samples/s, final loss {r['final_loss']:.4f}, "
          f"test accuracy {r['test_accuracy']:.4f}, predict {r['test_samples'] / r['predict_seconds_cold']:.0f} "
          f"rows/s cold, {r['test_samples'] / r['predict_seconds_warm']:.0f} warm", flush=True)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def write_json(path, obj):
    """Write obj to path through a temporary name in the same directory."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tfnids-tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=1)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

"""Windows as the seed builds them, with keras.utils.timeseries_dataset_from_array.

Usage: python keras_windows.py CONFIG.json > OUT.json

CONFIG is a list of {"data": [[...], ...], "labels": [...], "length": L,
"batch": B}. For each, this prints the batches of
timeseries_dataset_from_array(data, targets=labels[L-1:], sequence_length=L,
sequence_stride=1, shuffle=False, batch_size=B) as flat window values and
targets, as the seed's create_generator does. Used by dataset's
TestWindowsMatchKeras.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402


def run(case):
    data = np.asarray(case["data"], dtype=np.float32)
    labels = np.asarray(case["labels"], dtype=np.int32)
    L = case["length"]
    ds = keras.utils.timeseries_dataset_from_array(
        data, targets=labels[L - 1:], sequence_length=L, sequence_stride=1,
        shuffle=False, batch_size=case["batch"])
    batches = []
    for x, y in ds:
        batches.append({"x": np.asarray(x).ravel().tolist(), "y": np.asarray(y).ravel().tolist(),
                        "n": int(np.asarray(x).shape[0])})
    return batches


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    json.dump([run(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()

"""Reference preprocessing with pandas and scikit-learn, as the seed does it.

Usage: python reference_preprocess.py CONFIG.json > OUT.json

CONFIG is a list of cases; each case names its files (concatenated in the
order given), columns in the files' own spelling, and options. For each case
this prints the seed's result: cleaning (+/-inf -> NaN, dropna, optional
drop_duplicates ignoring some columns, keep first), a stable sort by the
parsed timestamp, pd.factorize of the class column after the sort, the drop of
drop/weak/label/class columns, and a MinMaxScaler fitted on the first n_train
rows and applied to all rows. Used by dataset's TestMatchesPandas.
"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler


def run(case):
    read = lambda f: pd.read_parquet(f) if f.endswith(".parquet") else pd.read_csv(f)
    df = pd.concat([read(f) for f in case["files"]], ignore_index=True)
    df.columns = df.columns.str.strip()
    rows_read = len(df)
    df = df.replace([np.inf, -np.inf], np.nan)
    df = df.dropna(axis=0, how="any")
    dropped_bad = rows_read - len(df)
    dropped_dup = 0
    if case["dedupe"]:
        subset = [c for c in df.columns if c not in case["dedupe_ignore"]]
        n = len(df)
        df = df.drop_duplicates(subset=subset, keep="first")
        dropped_dup = n - len(df)
    ts = case.get("timestamp")
    timestamps = []
    if ts:
        df[ts] = pd.to_datetime(df[ts].astype(str).str.strip(), format=case["timestamp_format"])
        df = df.sort_values(ts, kind="stable")
        timestamps = df[ts].astype("int64").tolist()
    cls = case["class"]
    codes, uniques = pd.factorize(df[cls])
    if case["multi_class"]:
        labels = codes.tolist()
        class_names = [str(u) for u in uniques]
    elif case.get("label"):
        labels = df[case["label"]].astype(int).tolist()
        class_names = ["benign", "attack"]
    else:
        labels = (df[cls] != case["benign"]).astype(int).tolist()
        class_names = ["benign", "attack"]
    drop = set(case["drop"]) | set(case["weak"]) | {cls}
    if case.get("label"):
        drop.add(case["label"])
    if ts:
        drop.add(ts)
    feats = [c for c in df.columns if c not in drop]
    x = df[feats].to_numpy(dtype=np.float64)
    n_train = case["n_train"]
    scaler = MinMaxScaler().fit(x[:n_train])
    xs = scaler.transform(x)
    return {
        "rows_read": rows_read,
        "dropped_bad": dropped_bad,
        "dropped_dup": dropped_dup,
        "feature_names": feats,
        "class_names": class_names,
        "labels": labels,
        "timestamps": timestamps,
        "data_min": scaler.data_min_.tolist(),
        "data_max": scaler.data_max_.tolist(),
        "scale": scaler.scale_.tolist(),
        "min": scaler.min_.tolist(),
        "scaled": xs.ravel().tolist(),
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    json.dump([run(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()

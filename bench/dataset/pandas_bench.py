"""Python side of the dataset benchmark: pandas.read_csv (or read_parquet for a
.parquet file, with pyarrow) + the seed's cleaning + sklearn MinMaxScaler on
the CSV written by bench/dataset/gen (or its Parquet copy, to_parquet.py).

Same work as bench/dataset/load: replace +/-inf by NaN, dropna, drop_duplicates
ignoring Timestamp and Flow ID (keep first), parse the seed's timestamp
format, stable sort, factorize Attack, drop the seed's drop_columns and Label,
MinMaxScaler fit+transform on all rows.
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

DROP = ["Flow ID", "Src IP", "Dst IP", "Timestamp", "Src Port", "Dst Port", "Attack"]


def main():
    path = sys.argv[1]
    t0 = time.perf_counter()
    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    df.columns = df.columns.str.strip()
    rows_read = len(df)
    df.replace([np.inf, -np.inf], np.nan, inplace=True)
    df.dropna(axis=0, how="any", inplace=True)
    bad = rows_read - len(df)
    n = len(df)
    df.drop_duplicates(subset=[c for c in df.columns if c not in ("Timestamp", "Flow ID")], keep="first", inplace=True)
    dups = n - len(df)
    df["Timestamp"] = pd.to_datetime(df["Timestamp"].str.strip(), format="%d/%m/%Y %I:%M:%S %p")
    df.sort_values("Timestamp", inplace=True, kind="stable")
    df["Label"] = pd.factorize(df["Attack"])[0]
    labels = df["Label"].to_numpy()
    x = df.drop(columns=DROP + ["Label"]).to_numpy(dtype=np.float64)
    t1 = time.perf_counter()
    x = MinMaxScaler().fit_transform(x)
    t2 = time.perf_counter()
    print(f"pandas: read {rows_read} rows, dropped {bad} bad + {dups} duplicates, kept {x.shape[0]} x {x.shape[1]} features, "
          f"{labels.max() + 1} classes")
    print(f"pandas: load+clean+sort+factorize {t1 - t0:.2f}s, minmax fit+transform {t2 - t1:.2f}s, total {t2 - t0:.2f}s")
    print(f"pandas: checksum first row {x[0, :3].tolist()}, labels[0..4] {labels[:5].tolist()}")


if __name__ == "__main__":
    main()

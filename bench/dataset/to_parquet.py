"""Writes the Parquet copy of the dataset benchmark's CSV, as a pandas user
would make one: pd.read_csv(...).to_parquet(...) with pyarrow and its
defaults (snappy, dictionary encoding, row groups of up to 1,048,576 rows),
unless ROWS_PER_GROUP is given.

Usage: python to_parquet.py FLOWS.csv FLOWS.parquet [ROWS_PER_GROUP]
"""
import sys

import pandas as pd


def main():
    src, dst = sys.argv[1], sys.argv[2]
    kw = {}
    if len(sys.argv) > 3:
        kw["row_group_size"] = int(sys.argv[3])
    pd.read_csv(src).to_parquet(dst, index=False, **kw)


if __name__ == "__main__":
    main()

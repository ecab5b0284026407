"""Reference folds from scikit-learn for crossval's tests.

Usage: python sklearn_split.py < CASES.json
CASES (JSON on stdin) is a list of {"kind": "timeseries"|"kfold"|"stratified"|"holdout", "n": int,
"y": [int] or null, "n_splits": int, "test_size": int|null, "gap": int,
"max_train_size": int|null, "shuffle": bool, "random_state": int|null,
"test_fraction": float (holdout, via train_test_split(shuffle=False))}.
Prints a JSON list with, per case, {"folds": [[train, test], ...]} or
{"error": message}, plus "warnings" (messages of UserWarnings raised) and
"sklearn" (the version).
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit, train_test_split


def splitter(c):
    if c["kind"] == "timeseries":
        return TimeSeriesSplit(n_splits=c["n_splits"], test_size=c.get("test_size"),
                               gap=c.get("gap", 0), max_train_size=c.get("max_train_size"))
    if c["kind"] == "kfold":
        return KFold(n_splits=c["n_splits"], shuffle=c.get("shuffle", False),
                     random_state=c.get("random_state"))
    if c["kind"] == "stratified":
        return StratifiedKFold(n_splits=c["n_splits"], shuffle=c.get("shuffle", False),
                               random_state=c.get("random_state"))
    raise ValueError(c["kind"])


def run(c):
    X = np.zeros((c["n"], 1))
    y = np.asarray(c["y"]) if c.get("y") is not None else None
    out = {"sklearn": sklearn.__version__}
    if c["kind"] == "holdout":
        try:
            tr, te = train_test_split(np.arange(c["n"]), test_size=c["test_fraction"], shuffle=False)
            out["folds"] = [[tr.tolist(), te.tolist()]]
        except ValueError as e:
            out["error"] = str(e)
        out["warnings"] = []
        return out
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out["folds"] = [[tr.tolist(), te.tolist()] for tr, te in splitter(c).split(X, y)]
        except ValueError as e:
            out["error"] = str(e)
    out["warnings"] = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return out


cases = json.load(sys.stdin)
json.dump([run(c) for c in cases], sys.stdout)

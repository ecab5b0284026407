"""Reference scores from scikit-learn for report's tests.

Usage: python sklearn_metrics.py < CASES.json
CASES (JSON on stdin) is a list of {"y_true": [int], "y_pred": [int], "num_classes": int,
"names": [str], "binary": bool}. Prints a JSON list with, per case, the
scikit-learn scores (zero_division=0) and the seed notebook's FPR/FNR and
class_f1 computed as its evaluate() does (mtermos/GDLC src/models/model.py,
described in tfnids' shared/spec/seed-pipeline.md section 8); NaN becomes null.
"""
import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, classification_report, confusion_matrix,
                             precision_recall_fscore_support)


def clean(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return [clean(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def seed_rates(y_true, y_pred, binary):
    """FPR and FNR the way the seed computes them (matrix without labels=)."""
    cm = confusion_matrix(y_true, y_pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        if binary:
            if cm.shape == (1, 1):
                return 0.0, 0.0, cm.shape[0]
            tn, fp, fn, tp = cm.ravel()
            return fp / (fp + tn), fn / (tp + fn), 2
        fp = cm.sum(axis=0) - np.diag(cm)
        fn = cm.sum(axis=1) - np.diag(cm)
        tp = np.diag(cm)
        tn = cm.sum() - (fp + fn + tp)
        fp, fn, tp, tn = (x.astype(float).sum() for x in (fp, fn, tp, tn))
        return fp / (fp + tn), fn / (tp + fn), cm.shape[0]


def run(c):
    yt, yp = np.asarray(c["y_true"]), np.asarray(c["y_pred"])
    all_labels = list(range(c["num_classes"]))
    present = sorted(set(yt.tolist()) | set(yp.tolist()))
    out = {"sklearn": sklearn.__version__}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["accuracy"] = accuracy_score(yt, yp)
        for avg in ("weighted", "macro"):
            p, r, f, _ = precision_recall_fscore_support(yt, yp, average=avg, zero_division=0)
            out[avg] = [p, r, f]
        p, r, f, s = precision_recall_fscore_support(yt, yp, labels=all_labels, average=None, zero_division=0)
        out["per_class"] = {"precision": p, "recall": r, "f1": f, "support": s}
        out["confusion"] = confusion_matrix(yt, yp, labels=all_labels)
        out["report"] = classification_report(
            yt, yp, digits=4, zero_division=0, target_names=[c["names"][i] for i in present])
        fpr, fnr, k = seed_rates(yt, yp, c["binary"])
        out["seed_fpr"], out["seed_fnr"], out["seed_k"] = fpr, fnr, k
        wp, wr = out["weighted"][0], out["weighted"][1]
        out["seed_class_f1"] = 2 * wp * wr / (wp + wr) if wp + wr > 0 else float("nan")
    res = {k: (v if isinstance(v, str) else clean(v)) if not isinstance(v, dict)
           else {kk: clean(vv) for kk, vv in v.items()} for k, v in out.items()}
    res["seed_k"] = int(k)
    res["confusion"] = out["confusion"].tolist()
    # scikit-learn returns supports as floats when no prediction is right.
    res["per_class"]["support"] = [int(x) for x in out["per_class"]["support"]]
    return res


cases = json.load(sys.stdin)
json.dump([run(c) for c in cases], sys.stdout)

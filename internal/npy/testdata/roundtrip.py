# Reads the .npy file named by "in" (JSON on stdin), prints its shape and
# sum, and saves its transpose (C order, float32) to "out".
import json
import sys

import numpy as np

args = json.load(sys.stdin)
a = np.load(args["in"])
assert a.dtype == np.float32, a.dtype
np.save(args["out"], np.ascontiguousarray(a.T))
json.dump({"shape": list(a.shape), "sum": float(a.sum())}, sys.stdout)

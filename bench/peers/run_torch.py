"""PyTorch side of the peers benchmark (bench/peers/run.sh), eager on CPU.

  bench/out/torch-venv/bin/python bench/peers/run_torch.py --data bench/out/peers/data --out torch.json \
      [--models cnn,lstm,gru] [--epochs 3] [--batch-size 256] [--predict-batch-size 1024] \
      [--threads 2] [--inter-threads 2] [--seed 42] [--adam default|foreach|fused]

Per model (bench/peers/torch_models.py): the arrays `peers prep` wrote as
in-memory tensors (rows as (N, 1, F) for the CNN, windows (N, L, F) for
LSTM/GRU); every epoch one random permutation gathers the shuffled copy and
the loop steps over batch slices of it: forward, CrossEntropyLoss (plus the
LSTM's l1 penalty, as Keras adds it), backward, Adam(lr=1e-3, eps=1e-7,
Keras' defaults). The epoch time covers the permutation too. Then predict
on the test tensor in eval mode under torch.inference_mode() in batches,
softmax included, twice (cold, warm).
"""
import argparse
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="directory written by `peers prep`")
    p.add_argument("--out", required=True, help="where to write the JSON results")
    p.add_argument("--models", default="cnn,lstm,gru")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--predict-batch-size", type=int, default=1024)
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (and OMP/MKL threads)")
    p.add_argument("--inter-threads", type=int, default=2, help="torch inter-op threads")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--adam", choices=["default", "foreach", "fused"], default="default",
                   help="torch.optim.Adam's implementation: its default (per-tensor loop on CPU), foreach or fused")
    return p.parse_args()


args = parse_args()
# OpenMP and MKL size their pools when torch loads: set them before the import.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(args.threads)
torch.set_num_interop_threads(args.inter_threads)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import torch_models  # noqa: E402


def predict(model, x, bs):
    model.eval()
    out = []
    with torch.inference_mode():
        for lo in range(0, len(x), bs):
            out.append(torch.softmax(model(x[lo:lo + bs]), dim=1))
    return torch.cat(out)


def run(name, meta):
    xtr, ytr = common.load_split(args.data, name, "train")
    xte, yte = common.load_split(args.data, name, "test")
    xtr, ytr, xte = torch.from_numpy(xtr), torch.from_numpy(ytr), torch.from_numpy(xte)
    if name == "cnn":  # Conv1d is channels-first: (N, 1, F)
        xtr, xte = xtr.unsqueeze(1), xte.unsqueeze(1)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.perf_counter()
    model = torch_models.build(name, meta["features"], meta["classes"])
    opt_kw = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}[args.adam]
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3, eps=1e-7, **opt_kw)
    loss_fn = nn.CrossEntropyLoss()
    build_s = time.perf_counter() - t0
    n, bs = len(xtr), args.batch_size
    epochs = []
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen)
        xs, ys = xtr[perm], ytr[perm]
        loss_sum = torch.zeros((), dtype=torch.float64)
        right = torch.zeros((), dtype=torch.int64)
        for lo in range(0, n, bs):
            xb, yb = xs[lo:lo + bs], ys[lo:lo + bs]
            logits = model(xb)
            loss = loss_fn(logits, yb)
            pen = model.penalty()
            if pen is not None:
                loss = loss + pen
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():  # accumulated as tensors: no per-step .item()
                loss_sum += loss.detach() * len(yb)
                right += (logits.argmax(1) == yb).sum()
        secs = time.perf_counter() - t0
        epochs.append(common.epoch_record(epoch, secs, n, loss_sum.item() / n, right.item() / n, name))
    t0 = time.perf_counter()
    probs = predict(model, xte, args.predict_batch_size)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    predict(model, xte, args.predict_batch_size)
    warm = time.perf_counter() - t0
    acc = float(np.mean(probs.argmax(dim=1).numpy() == yte))
    r = common.model_record(name, torch_models.count_params(model), n, len(xte), build_s, epochs, cold, warm, acc)
    common.report(r)
    return r


def main():
    t_start = time.perf_counter()
    meta = common.load_meta(args.data)
    print(f"torch {torch.__version__}: {meta['train_rows']} train, {meta['test_rows']} test rows x "
          f"{meta['features']} features, {meta['classes']} classes; {torch.get_num_threads()} intra / "
          f"{torch.get_num_interop_threads()} inter threads, Adam {args.adam}", flush=True)
    results = [run(m.strip(), meta) for m in args.models.split(",") if m.strip()]
    common.write_json(args.out, {
        "side": "torch",
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
                     "mkldnn": torch.backends.mkldnn.is_available(),
                     "parallel": torch.__config__.parallel_info().splitlines()[-1].strip(),
                     "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "")},
        "threads": {"intra": torch.get_num_threads(), "inter": torch.get_num_interop_threads()},
        "args": vars(args), "meta": meta, "models": results,
        "wall_seconds": time.perf_counter() - t_start, "peak_rss_mib": common.peak_rss_mib()})


if __name__ == "__main__":
    main()

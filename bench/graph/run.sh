#!/usr/bin/env bash
# Benchmarks netgraph on a synthetic IP graph of the GDLC study's CIC-ToN-IoT
# shape, then networkx on the same edges. Results: bench/graph/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/tfnids-bench-graph}
mkdir -p "$out"
go build -o "$out/gbench" ./bench/graph
# all type-1 measures, approximate betweenness (ε 0.01, δ 0.1), 2 cores
GOMAXPROCS=2 /usr/bin/time -v "$out/gbench" -betweenness approx -edgelist "$out/edges.txt" \
    >"$out/approx.txt" 2>"$out/approx.time"
cat "$out/approx.txt"; grep -E "User time|System time|Elapsed|Maximum resident" "$out/approx.time"
# exact betweenness: 300 timed sources, extrapolated to all
GOMAXPROCS=2 "$out/gbench" -betweenness sample:300
# networkx / igraph on the same edge list (20 pivots for the O(nm) measures)
PY=${TFNIDS_PYTHON:-.venv/bin/python}
"$PY" bench/graph/nx_time.py "$out/edges.txt" 20

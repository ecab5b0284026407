#!/usr/bin/env bash
# Dataset benchmark (issue 4): tfnids load+clean+scale against pandas.read_csv
# + the same cleaning + sklearn MinMaxScaler, on a 1,000,000-row, 80-column
# CIC-style CSV with dirty values. Prints wall time and peak RSS of each
# process (GNU time) and the ratios; the goal is Go >= 3x faster and <= 0.5x
# the peak RSS. Not a timed test.
#
#   bash bench/dataset/run.sh [ROWS]       (default 1000000)
#
# The CSV (about 830 MB) is written once to bench/out/dataset/ and reused.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh
ROWS=${1:-1000000}
OUT=$ROOT/bench/out/dataset
mkdir -p "$OUT"
CSV=$OUT/flows_${ROWS}.csv
if [[ ! -s $CSV ]]; then
  go run ./bench/dataset/gen -rows "$ROWS" -out "$CSV"
fi
go build -o "$OUT/load" ./bench/dataset/load
cat "$CSV" > /dev/null # same warm page cache for both

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -v "$@" > "$OUT/$name.out" 2> "$OUT/$name.time"
  cat "$OUT/$name.out"
}
measure go "$OUT/load" -profile bench/dataset/profile.yaml "$CSV"
measure pandas "$TFNIDS_PYTHON" bench/dataset/pandas_bench.py "$CSV"

secs() { # GNU time's h:mm:ss or m:ss.ss -> seconds
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"
}
rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
gt=$(secs "$OUT/go.time"); pt=$(secs "$OUT/pandas.time")
gr=$(rss "$OUT/go.time"); pr=$(rss "$OUT/pandas.time")
echo
printf '%-8s %10s %14s\n' "" "wall s" "peak RSS MiB"
printf '%-8s %10.2f %14.0f\n' tfnids "$gt" "$(echo "$gr/1024" | bc -l)"
printf '%-8s %10.2f %14.0f\n' pandas "$pt" "$(echo "$pr/1024" | bc -l)"
printf 'speed-up %.2fx (goal >= 3x), peak RSS ratio %.2f (goal <= 0.5)\n' \
  "$(echo "$pt/$gt" | bc -l)" "$(echo "$gr/$pr" | bc -l)"

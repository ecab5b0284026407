#!/usr/bin/env bash
# Dataset benchmark (issue 4): tfnids load+clean+scale against pandas.read_csv
# + the same cleaning + sklearn MinMaxScaler, on a 1,000,000-row, 80-column
# CIC-style CSV with dirty values. Prints wall time and peak RSS of each
# process (GNU time) and the ratios; the goal is Go >= 3x faster and <= 0.5x
# the peak RSS. Not a timed test.
#
#   bash bench/dataset/run.sh [ROWS] [csv|parquet]   (default 1000000 csv)
#
# The CSV (about 830 MB) is written once to bench/out/dataset/ and reused.
# With parquet, both sides read a Parquet copy of it written by pandas +
# pyarrow with their defaults (to_parquet.py: snappy, one row group up to
# 1,048,576 rows): tfnids' Parquet reader against pandas.read_parquet. The
# goal there is >= 2x faster at <= 0.5x the peak RSS.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh
ROWS=${1:-1000000}
FORMAT=${2:-csv}
OUT=$ROOT/bench/out/dataset
mkdir -p "$OUT"
CSV=$OUT/flows_${ROWS}.csv
if [[ ! -s $CSV ]]; then
  go run ./bench/dataset/gen -rows "$ROWS" -out "$CSV"
fi
DATA=$CSV
if [[ $FORMAT == parquet ]]; then
  DATA=$OUT/flows_${ROWS}.parquet
  if [[ ! -s $DATA ]]; then
    "$TFNIDS_PYTHON" bench/dataset/to_parquet.py "$CSV" "$DATA"
  fi
fi
go build -o "$OUT/load" ./bench/dataset/load
cat "$DATA" > /dev/null # same warm page cache for both
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -v "$@" > "$OUT/$name.out" 2> "$OUT/$name.time"
  cat "$OUT/$name.out"
}
measure go "$OUT/load" -profile bench/dataset/profile.yaml "$DATA"
measure pandas "$TFNIDS_PYTHON" bench/dataset/pandas_bench.py "$DATA"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

secs() { # GNU time's h:mm:ss or m:ss.ss -> seconds
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"
}
rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
gt=$(secs "$OUT/go.time"); pt=$(secs "$OUT/pandas.time")
gr=$(rss "$OUT/go.time"); pr=$(rss "$OUT/pandas.time")
echo
cpu() { awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$1"; }
printf '%-8s %10s %8s %14s\n' "" "wall s" "CPU s" "peak RSS MiB"
printf '%-8s %10.2f %8.2f %14.0f\n' tfnids "$gt" "$(cpu "$OUT/go.time")" "$(echo "$gr/1024" | bc -l)"
printf '%-8s %10.2f %8.2f %14.0f\n' pandas "$pt" "$(cpu "$OUT/pandas.time")" "$(echo "$pr/1024" | bc -l)"
goal=3; [[ $FORMAT == parquet ]] && goal=2
printf 'speed-up %.2fx wall, %.2fx CPU (goal >= %sx), peak RSS ratio %.2f (goal <= 0.5)\n' \
  "$(echo "$pt/$gt" | bc -l)" "$(echo "$(cpu "$OUT/pandas.time")/$(cpu "$OUT/go.time")" | bc -l)" "$goal" "$(echo "$gr/$pr" | bc -l)"

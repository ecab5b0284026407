#!/usr/bin/env bash
# A sampling profile of tfnids training steps, Go and C++ alike, with perf
# (Linux). runtime/pprof is not used: Go's SIGPROF timer also interrupts
# libtensorflow's Eigen worker threads, and bench/profile died with glibc
# heap corruption under it three times out of three; perf samples without
# signals. Prints the share of samples per shared object (the Go binary's
# share is everything tfnids does outside TensorFlow) and the top Go
# functions. A benchmark helper, not a test.
#
#   bash bench/profile.sh [MODELS]          # default cnn,lstm,gru
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source scripts/env.sh
MODELS=${1:-cnn,lstm,gru}
OUT=bench/out/perf
mkdir -p "$OUT"
go build -o bench/out/profile ./bench/profile
perf record -F 999 -g -o "$OUT/perf.data" bench/out/profile -models "$MODELS" -traced-steps 10 \
  > "$OUT/profile.log" 2>&1
{
  echo "load average: $(uptime | sed 's/.*load average: //')"
  echo "== samples per shared object"
  perf report -i "$OUT/perf.data" --no-children -g none --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
  echo "== top symbols in the Go binary (loading the CSV included)"
  perf report -i "$OUT/perf.data" --no-children -g none --sort sym --dsos profile 2>/dev/null |
    grep -v '^#' | grep -v '^$' | head -25
} | tee "$OUT/summary.txt"

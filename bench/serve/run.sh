#!/usr/bin/env bash
# Serving benchmark (issues 6 and 14; not a timed test). For each model it:
#   1. trains it briefly on real CIC-IDS2017 flows and exports a SavedModel
#      (go run ./bench/serve prepare);
#   2. times session runs in-process at 1 to 64 rows per run (bench
#      runcost): what merging single-row requests can save at most;
#   3. compares `tfnids serve` with batching off and on
#      (bench/serve/abab.sh: two servers from the same binary and model,
#      only --enable_batching differs, the load alternating between them)
#      over REST (wrk) and gRPC (a lean Go client) at CLIENTS concurrent
#      single-row clients: requests/s, p50/p99, server and client CPU per
#      request, batch sizes, per-stage wall time; the table for RESULTS.md
#      and the ratio against issue 14's goal at 32 clients;
#   4. measures peak RSS under 8 concurrent 21 MiB bodies (bench memory);
#   5. times batch prediction through the SavedModel in-process (what
#      `tfnids predict` does) and Keras model.predict on the same rows with
#      the same weights (bench/serve/keras_predict.py); goal >= 2x Keras.
#
#   bash bench/serve/run.sh [MODELS] [DATA]
#       MODELS  comma-separated (default cnn)
#       DATA    CSV directory (default ../shared/data/cicids2017-improved)
# Environment: DURATION (per load run, default 10s), REPS (off/on pairs per
# client count and API, 2), CLIENTS (1,8,32,64), THREADS (TensorFlow
# intra-op threads for every step, default: the number of CPUs), INTER
# (inter-op threads, 0), BATCHES (batch sizes for the batch comparison,
# default 1024,256,32), PORT (REST port of the memory step, 18621),
# LOAD=0 skips steps 3-4, KERAS=0 skips Keras.
# TF_ENABLE_ONEDNN_OPTS, if set, reaches every step (see RESULTS.md).
# Outputs go to bench/out/serve/ (JSON per step, summary.txt).
# With the defaults, one model takes about 8 minutes on 2 CPUs (the
# comparison 7 of them: 4 client counts x 2 APIs x 2 x REPS x 13 s).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh
MODELS=${1:-cnn}
DATA=${2:-$ROOT/../shared/data/cicids2017-improved}
export DURATION=${DURATION:-10s} REPS=${REPS:-2} CLIENTS=${CLIENTS:-1,8,32,64}
export THREADS=${THREADS:-$(nproc)} INTER=${INTER:-0}
BATCHES=${BATCHES:-1024,256,32}
LOAD=${LOAD:-1}
KERAS=${KERAS:-1}
OUT=$ROOT/bench/out/serve
rm -rf "$OUT"
mkdir -p "$OUT"
go build -o "$OUT/tfnids" ./cmd/tfnids
go build -o "$OUT/bench" ./bench/serve
PY=${TFNIDS_PYTHON:-$ROOT/.venv/bin/python}
START=$(date +%s)
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -m), $(nproc) CPUs, threads intra $THREADS inter $INTER, TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-unset}"
  echo "# $(uptime)"
  "$OUT/tfnids" version | head -2
} | tee "$OUT/summary.txt"

for MODEL in ${MODELS//,/ }; do
  DIR=$OUT/$MODEL
  "$OUT/bench" prepare --data "$DATA" --model "$MODEL" --out "$DIR" --threads "$THREADS" | tee -a "$OUT/summary.txt"

  echo "== $MODEL: session run cost in-process; $(uptime | sed 's/.*load/load/')" | tee -a "$OUT/summary.txt"
  "$OUT/bench" runcost --model "$DIR/models/ids/1" --inputs "$DIR/inputs.npy" --threads "$THREADS" --inter "$INTER" \
      --rows 1,8,32,64,1,32 --callers 1,1,1,1,32,2 2> /dev/null | tee -a "$OUT/summary.txt"

  if [[ $LOAD != 0 ]]; then
    echo "== $MODEL: batching off/on, $DURATION per run; $(uptime | sed 's/.*load/load/')" | tee -a "$OUT/summary.txt"
    OUT=$DIR/ab bash bench/serve/abab.sh "$DIR" "$CLIENTS" "$DURATION" "$REPS"
    cat "$DIR/ab/summary.txt" >> "$OUT/summary.txt"

    # Peak RSS under 8 concurrent 21 MiB bodies, on a fresh server.
    PORT=${PORT:-18621}
    "$OUT/tfnids" serve --model_base_path "$DIR/models/ids" --port 0 --rest_api_port "$PORT" --threads "$THREADS" 2> "$DIR/serve-memory.log" &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true' EXIT
    for _ in $(seq 100); do
      curl -sf "http://127.0.0.1:$PORT/v1/models/ids" > /dev/null && break
      sleep 0.1
    done
    echo "== $MODEL: memory, 8 concurrent 21 MiB bodies; $(uptime | sed 's/.*load/load/')" | tee -a "$OUT/summary.txt"
    "$OUT/bench" memory --url "http://127.0.0.1:$PORT/v1/models/ids" --inputs "$DIR/inputs.npy" --pid "$SERVER" \
        --clients 8 --mib 21 --out "$DIR/memory.json" | tee -a "$OUT/summary.txt"
    kill -TERM $SERVER
    wait $SERVER || true
    trap - EXIT
  fi

  echo "== $MODEL: batch prediction over every example" | tee -a "$OUT/summary.txt"
  "$OUT/bench" batch --model "$DIR/models/ids/1" --inputs "$DIR/inputs.npy" --batch "$BATCHES" \
      --threads "$THREADS" --probs "$DIR/go_probs.npy" --out "$DIR/batch.json" | tee -a "$OUT/summary.txt"
  if [[ $KERAS != 0 ]]; then
    "$PY" bench/serve/keras_predict.py --meta "$DIR/meta.json" --inputs "$DIR/inputs_scaled.npy" \
        --go-probs "$DIR/go_probs.npy" --batch "$BATCHES" --threads "$THREADS" --out "$DIR/keras.json" | tee -a "$OUT/summary.txt"
  fi
done
echo "# finished in $(( ($(date +%s) - START) / 60 )) min; $(uptime)" | tee -a "$OUT/summary.txt"
echo "results: $OUT/summary.txt"

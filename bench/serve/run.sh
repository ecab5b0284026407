#!/usr/bin/env bash
# Serving benchmark (issue 6; not a timed test). For each model it:
#   1. trains it briefly on real CIC-IDS2017 flows and exports a SavedModel
#      (go run ./bench/serve prepare);
#   2. starts `tfnids serve` on 127.0.0.1 (batching off, then on with
#      bench/serve/batching.config) and drives it with the Go load generator
#      over REST and gRPC at CLIENTS concurrent single-row clients
#      (throughput, p50/p90/p99 latency), then measures peak RSS under 8
#      concurrent 21 MiB bodies (bench memory); the load average is
#      recorded before each phase;
#   3. times batch prediction through the SavedModel in-process (what
#      `tfnids predict` does) and Keras model.predict on the same rows with
#      the same weights (bench/serve/keras_predict.py); goal >= 2x Keras.
#
#   bash bench/serve/run.sh [MODELS] [DATA]
#       MODELS  comma-separated (default cnn,gru)
#       DATA    CSV directory (default ../shared/data/cicids2017-improved)
# Environment: DURATION (per load phase, default 10s), THREADS (TensorFlow
# intra-op threads for both sides, default: the number of CPUs), PORT (REST,
# 8501), GRPC_PORT (8500), CLIENTS (1,8,32,64), ROWS (1),
# BATCHES (batch sizes for the batch comparison, default 1024,256,32: tfnids
# predict's default, the seed's LSTM/GRU dataset batch, Keras' default that
# the seed's CNN predict uses), LOAD=0 to skip the HTTP part.
# Outputs go to bench/out/serve/ (JSON per step, plus summary.txt).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh
MODELS=${1:-cnn,gru}
DATA=${2:-$ROOT/../shared/data/cicids2017-improved}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-$(nproc)}
PORT=${PORT:-8501}
GRPC_PORT=${GRPC_PORT:-8500}
CLIENTS=${CLIENTS:-1,8,32,64}
ROWS=${ROWS:-1}
BATCHES=${BATCHES:-1024,256,32}
LOAD=${LOAD:-1}
OUT=$ROOT/bench/out/serve
rm -rf "$OUT"
mkdir -p "$OUT"
go build -o "$OUT/tfnids" ./cmd/tfnids
go build -o "$OUT/bench" ./bench/serve
PY=${TFNIDS_PYTHON:-$ROOT/.venv/bin/python}
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -m), $(nproc) CPUs, threads=$THREADS"
  "$OUT/tfnids" version | head -2
} | tee "$OUT/summary.txt"

for MODEL in ${MODELS//,/ }; do
  DIR=$OUT/$MODEL
  "$OUT/bench" prepare --data "$DATA" --model "$MODEL" --out "$DIR" --threads "$THREADS" | tee -a "$OUT/summary.txt"

  if [[ $LOAD != 0 ]]; then
    for BATCHING in off on; do
      FLAGS=()
      [[ $BATCHING == on ]] && FLAGS=(--enable_batching --batching_parameters_file "$ROOT/bench/serve/batching.config")
      "$OUT/tfnids" serve --model_base_path "$DIR/models/ids" --port "$GRPC_PORT" --rest_api_port "$PORT" \
          --threads "$THREADS" "${FLAGS[@]}" 2> "$DIR/serve-$BATCHING.log" &
      SERVER=$!
      trap 'kill $SERVER 2>/dev/null || true' EXIT
      for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$PORT/v1/models/ids" > /dev/null && break
        sleep 0.1
      done
      for API in rest grpc; do
        GRPC=()
        [[ $API == grpc ]] && GRPC=(--grpc "127.0.0.1:$GRPC_PORT")
        echo "== $MODEL: tfnids serve, $API, batching $BATCHING, $DURATION per phase; $(uptime | sed 's/.*load/load/')" | tee -a "$OUT/summary.txt"
        "$OUT/bench" load --url "http://127.0.0.1:$PORT/v1/models/ids" "${GRPC[@]}" --inputs "$DIR/inputs.npy" \
            --clients "$CLIENTS" --rows "$ROWS" --duration "$DURATION" --out "$DIR/load-$API-$BATCHING.json" | tee -a "$OUT/summary.txt"
      done
      kill -TERM $SERVER
      wait $SERVER || true
      trap - EXIT
    done
    # Peak RSS under 8 concurrent 21 MiB bodies, on a fresh server.
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
  "$PY" bench/serve/keras_predict.py --meta "$DIR/meta.json" --inputs "$DIR/inputs_scaled.npy" \
      --go-probs "$DIR/go_probs.npy" --batch "$BATCHES" --threads "$THREADS" --out "$DIR/keras.json" | tee -a "$OUT/summary.txt"
done
echo "results: $OUT/summary.txt"

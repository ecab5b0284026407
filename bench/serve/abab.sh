#!/usr/bin/env bash
# Batching on/off comparison at one client count, runs alternating
# (off, on, off, on) per API so a machine whose load drifts affects both
# sides alike; the load average is printed before each run.
#
#   bash bench/serve/abab.sh DIR [CLIENTS] [DURATION]
#       DIR  a model prepared by `bench prepare` (bench/serve/run.sh makes
#            bench/out/serve/cnn); CLIENTS default 32, DURATION default 10s.
# Environment: PORT (REST, 18601), GRPC_PORT (18600), THREADS (nproc).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh
DIR=$1
CLIENTS=${2:-32}
DURATION=${3:-10s}
PORT=${PORT:-18601}
GRPC_PORT=${GRPC_PORT:-18600}
THREADS=${THREADS:-$(nproc)}
BIN=$(mktemp -d)
go build -o "$BIN/tfnids" ./cmd/tfnids
go build -o "$BIN/bench" ./bench/serve
for API in rest grpc; do
  for BATCHING in off on off on; do
    FLAGS=()
    [[ $BATCHING == on ]] && FLAGS=(--enable_batching --batching_parameters_file "$ROOT/bench/serve/batching.config")
    "$BIN/tfnids" serve --model_base_path "$DIR/models/ids" --port "$GRPC_PORT" --rest_api_port "$PORT" \
        --threads "$THREADS" "${FLAGS[@]}" 2> "$BIN/serve.log" &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true' EXIT
    for _ in $(seq 100); do
      curl -sf "http://127.0.0.1:$PORT/v1/models/ids" > /dev/null && break
      sleep 0.1
    done
    GRPC=()
    [[ $API == grpc ]] && GRPC=(--grpc "127.0.0.1:$GRPC_PORT")
    echo "== $API, batching $BATCHING, $CLIENTS clients, $DURATION; $(uptime | sed 's/.*load/load/')"
    "$BIN/bench" load --url "http://127.0.0.1:$PORT/v1/models/ids" "${GRPC[@]}" --inputs "$DIR/inputs.npy" \
        --clients "$CLIENTS" --rows 1 --duration "$DURATION" | tail -1
    kill -TERM $SERVER
    wait $SERVER || true
    trap - EXIT
  done
done

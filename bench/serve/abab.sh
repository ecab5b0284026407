#!/usr/bin/env bash
# Batching off/on comparison (issue 14's goal: with batching, >= 3x the
# requests/s of unbatched at 32 clients with no worse p99).
#
# Two servers run side by side from the same binary and model, one with
# --enable_batching (bench/serve/batching.config), one without; every
# other flag is the same. For each client count and API the load goes to
# them in alternating order (off, on, then on, off, ...) so a drift in the
# machine's load hits both alike; the idle one uses no CPU. Each run
# reports requests/s, p50/p90/p99, the server's CPU µs per request
# (process_cpu_seconds_total from its metrics), the load generator's CPU µs
# per request, session runs, batch sizes and the per-stage wall time.
#
#   bash bench/serve/abab.sh DIR [CLIENTS] [DURATION] [REPS]
#       DIR       a model prepared by `bench prepare` (run.sh makes
#                 bench/out/serve/cnn)
#       CLIENTS   comma-separated (default 1,8,32,64)
#       DURATION  measured time per run (default 10s; plus 2s warm-up)
#       REPS      off/on pairs per client count and API (default 2)
# Environment: REST_CLIENT (wrk, the default, installed with apt-get if
# missing; or go), GRPC_CONNS (2), THREADS (TensorFlow intra-op threads,
# default nproc), INTER (inter-op threads, default 0: TensorFlow's),
# APIS (rest,grpc), OUT (bench/out/serve-ab), PORT_BASE (18600).
# Takes about CLIENT_COUNTS x 2 APIs x 2 x REPS x (DURATION + 3 s): 6.5
# minutes with the defaults (7 measured).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh
DIR=$(cd "$1" && pwd)
CLIENTS=${2:-1,8,32,64}
DURATION=${3:-10s}
REPS=${4:-2}
REST_CLIENT=${REST_CLIENT:-wrk}
GRPC_CONNS=${GRPC_CONNS:-2}
THREADS=${THREADS:-$(nproc)}
INTER=${INTER:-0}
APIS=${APIS:-rest,grpc}
OUT=${OUT:-$ROOT/bench/out/serve-ab}
PORT_BASE=${PORT_BASE:-18600}
if [[ $REST_CLIENT == wrk ]] && ! command -v wrk > /dev/null; then
  # wrk is a benchmark-only tool: installed here, never by make setup or CI.
  apt-get install -y wrk > /dev/null 2>&1 || { apt-get update > /dev/null && apt-get install -y wrk > /dev/null; } ||
    { echo "abab.sh: cannot install wrk; using the Go load generator (REST_CLIENT=go)" >&2; REST_CLIENT=go; }
fi
rm -rf "$OUT"
mkdir -p "$OUT"
go build -o "$OUT/tfnids" ./cmd/tfnids
go build -o "$OUT/bench" ./bench/serve
echo 'prometheus_config { enable: true }' > "$OUT/monitoring.config"

declare -A PID REST GRPC
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT
i=0
for MODE in off on; do
  REST[$MODE]=$((PORT_BASE + 10 * i + 1))
  GRPC[$MODE]=$((PORT_BASE + 10 * i))
  FLAGS=()
  [[ $MODE == on ]] && FLAGS=(--enable_batching --batching_parameters_file "$ROOT/bench/serve/batching.config")
  "$OUT/tfnids" serve --model_base_path "$DIR/models/ids" --port "${GRPC[$MODE]}" --rest_api_port "${REST[$MODE]}" \
      --threads "$THREADS" --inter-threads "$INTER" --monitoring_config_file "$OUT/monitoring.config" \
      "${FLAGS[@]}" 2> "$OUT/serve-$MODE.log" &
  PID[$MODE]=$!
  PIDS+=($!)
  i=$((i + 1))
done
for MODE in off on; do
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:${REST[$MODE]}/v1/models/ids" > /dev/null && break
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:${REST[$MODE]}/v1/models/ids" > /dev/null || { echo "server $MODE did not start:"; cat "$OUT/serve-$MODE.log"; exit 1; }
done
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -m), $(nproc) CPUs; threads intra $THREADS inter $INTER; REST load: $REST_CLIENT; gRPC connections: $GRPC_CONNS"
  echo "# model $DIR; batching.config: $(grep -v '^#' bench/serve/batching.config | tr '\n' ' ')"
  echo "# $(uptime)"
} | tee "$OUT/summary.txt"
for C in ${CLIENTS//,/ }; do
  for API in ${APIS//,/ }; do
    for REP in $(seq "$REPS"); do
      ORDER="off on"
      ((REP % 2 == 0)) && ORDER="on off"
      for MODE in $ORDER; do
        ARGS=(--client "$REST_CLIENT")
        [[ $API == grpc ]] && ARGS=(--grpc "127.0.0.1:${GRPC[$MODE]}" --grpc-conns "$GRPC_CONNS")
        echo "== $API, batching $MODE, $C clients, run $REP; $(uptime | sed 's/.*load/load/')" | tee -a "$OUT/summary.txt"
        "$OUT/bench" load --url "http://127.0.0.1:${REST[$MODE]}/v1/models/ids" "${ARGS[@]}" --inputs "$DIR/inputs.npy" \
            --clients "$C" --rows 1 --duration "$DURATION" --label "$MODE" \
            --metrics "http://127.0.0.1:${REST[$MODE]}/monitoring/prometheus/metrics" \
            --out "$OUT/load-$API-$C-$MODE-$REP.json" | tail -n +2 | tee -a "$OUT/summary.txt"
      done
    done
  done
done
echo | tee -a "$OUT/summary.txt"
"$OUT/bench" table "$OUT"/load-*.json | tee -a "$OUT/summary.txt"
echo "results: $OUT/summary.txt"

#!/usr/bin/env bash
# Full-scale runs (issue 17, item 4): the study's whole protocol on a
# synthetic CIC-ToN-IoT-shaped CSV of the real size (5,350,583 rows kept of
# 5.35 million, 84 columns), and smaller sizes to show how cost grows.
# Per size N:
#
#   synth    tfnids synth --rows N --profile cic_ton_iot --classes 10 --seed 1
#            --runs 4: 84 columns; four time-ordered runs one after another
#            (concatenated captures), so that the load has to sort
#   train    tfnids train --cv timeseries --splits 5 --models cnn,gru
#            --epochs 1 --patience 0 --batch-size 256 --dedupe: load, clean
#            (bad values, duplicates: the seed's preprocessing), time sort,
#            5 folds x 2 models (fit, validation pass, checkpoint, predict the
#            test fold, score), --export every fold's model as a SavedModel
#   predict  tfnids predict with the exported cnn and gru (the highest
#            version: fold 5's, trained on 5/6 of the rows, what TensorFlow
#            Serving would serve) on a separate synthetic CSV of PREDICT_ROWS
#            (1M) rows (seed 2: flows the models never saw), predictions
#            written to a CSV file and scored
#
# Every tfnids process runs under GNU time -v (wall, CPU, peak RSS), with
# its RSS sampled every second; uptime is recorded before and after each.
# Stage times come from the results JSON ("timings") and predict's "time
# per stage" line. Then bench/fullscale/summarize.py writes
# bench/fullscale/RESULTS.md. A benchmark, not a test: run it on a quiet
# machine (it keeps both cores busy).
#
#   bash bench/fullscale/run.sh                       # 100k, 1M, 5.35M rows
#   SIZES="100000 1000000" bash bench/fullscale/run.sh
#   KEEP_CSV=1 bash bench/fullscale/run.sh            # keep the generated CSVs
#   DEDUPE=0 RUNS=1 ...                               # no dedupe; a time-sorted file
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh

SIZES=${SIZES:-100000 1000000 5350000}
PREDICT_ROWS=${PREDICT_ROWS:-1000000}
THREADS=${THREADS:-2}
RUNS=${RUNS:-4}
DEDUPE=${DEDUPE:-1}
OUT=$ROOT/bench/out/fullscale
export TF_CPP_MIN_LOG_LEVEL=2

mkdir -p "$OUT"
TFNIDS=$OUT/tfnids # a private build: other work may rebuild bin/tfnids meanwhile
go build -o "$TFNIDS" ./cmd/tfnids

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo ' (uncommitted changes)')"
  echo "cpu: $(nproc) x $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "memory: $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "go: $(go env GOVERSION)"
  echo "threads: $THREADS intra-op, $THREADS inter-op"
} > "$OUT/machine.txt"

dedupe=()
[[ $DEDUPE == 1 ]] && dedupe=(--dedupe)

# measure NAME DIR CMD...: runs CMD under GNU time with uptime before and
# after and the process tree's memory sampled every second (DIR/NAME.rss:
# seconds since start, then VmRSS and RssAnon in KiB of the deepest
# process, the one doing the work, and the RssAnon of the processes above
# it: tfnids runs its command in a child and filters TensorFlow's log
# lines in the parent, whose RSS is mostly the TensorFlow library's pages,
# shared with the child).
measure() {
  local name=$1 dir=$2
  shift 2
  uptime > "$dir/$name.load"
  local t0
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$dir/$name.time" "$@" > "$dir/$name.log" 2>&1 &
  local tp=$! rc=0
  while kill -0 "$tp" 2>/dev/null; do
    local pid=$tp chain=() next
    while next=$(cat /proc/$pid/task/*/children 2>/dev/null | awk '{print $1; exit}') && [[ -n $next ]]; do
      pid=$next
      chain+=("$pid")
    done
    if ((${#chain[@]} > 0)); then
      local above=0 a
      for p in "${chain[@]:0:${#chain[@]}-1}"; do
        a=$(awk '/^RssAnon/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
        above=$((above + ${a:-0}))
      done
      awk -v t0="$t0" -v now="$(date +%s.%N)" -v above="$above" \
        '/^VmRSS/{rss=$2} /^RssAnon/{anon=$2} END{if (rss) printf "%.1f %d %d %d\n", now-t0, rss, anon, above}' \
        "/proc/$pid/status" 2>/dev/null || true
    fi
    sleep 1
  done > "$dir/$name.rss"
  wait "$tp" || rc=$?
  uptime >> "$dir/$name.load"
  if [[ $rc != 0 ]]; then
    echo "$name failed (exit $rc); last lines of $dir/$name.log:" >&2
    tail -20 "$dir/$name.log" >&2
    exit 1
  fi
}

pcsv=$OUT/predict_$PREDICT_ROWS.csv
if [[ ! -s $pcsv ]]; then
  "$TFNIDS" synth --rows "$PREDICT_ROWS" --profile cic_ton_iot --classes 10 --seed 2 --runs "$RUNS" --out "$pcsv" > /dev/null
fi

for n in $SIZES; do
  d=$OUT/n$n
  csv=$OUT/flows_$n.csv
  rm -rf "$d"
  mkdir -p "$d"
  echo "== $n rows ($(uptime | sed 's/.*load average/load average/'))"
  measure synth "$d" "$TFNIDS" synth --rows "$n" --profile cic_ton_iot --classes 10 --seed 1 --runs "$RUNS" --out "$csv"
  stat -c %s "$csv" > "$d/csv_bytes"
  cat "$csv" "$pcsv" > /dev/null # warm the page cache for every run alike
  train=("$TFNIDS" train --data "$csv" --profile cic_ton_iot --cv timeseries --splits 5 --models cnn,gru
    --epochs 1 --patience 0 --batch-size 256 --threads "$THREADS" --inter-threads "$THREADS" "${dedupe[@]}"
    --export "$d/export" --weights-dir "$d/weights" --results-dir "$d/results")
  echo "${train[*]}" | sed "s#$ROOT/##g" > "$d/train.cmd"
  measure train "$d" "${train[@]}"
  grep "time per stage" "$d/train.log" || true
  for m in cnn gru; do
    pred=("$TFNIDS" predict --model "$d/export/$m" --data "$pcsv" --out "$d/predict_$m.csv" --threads "$THREADS")
    echo "${pred[*]}" | sed "s#$ROOT/##g" > "$d/predict_$m.cmd"
    measure "predict_$m" "$d" "${pred[@]}"
    stat -c %s "$d/predict_$m.csv" > "$d/predict_$m.bytes"
    rm -f "$d/predict_$m.csv"
    grep "time per stage" "$d/predict_$m.log" || true
  done
  rm -rf "$d/weights"
  [[ -n ${KEEP_CSV:-} ]] || rm -f "$csv"
done
[[ -n ${KEEP_CSV:-} ]] || rm -f "$pcsv"

"$TFNIDS_PYTHON" bench/fullscale/summarize.py
echo "wrote bench/fullscale/RESULTS.md"

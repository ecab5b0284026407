#!/usr/bin/env bash
# tfnids against Keras (issue 7): the seed's CNN, LSTM and GRU trained on the
# same rows, folds, epochs, batch size and thread counts by `tfnids train`
# and by bench/keras/train_keras.py, alternately (tfnids, Keras, tfnids,
# Keras, ...), then the step profile (bench/profile) and the dataset
# benchmark (bench/dataset/run.sh, when present). Writes bench/RESULTS.md
# through bench/results.py (which also picks up bench/scale.sh's results).
# A benchmark, not a test: run it by hand on a quiet machine.
#
#   bash bench/run.sh                       # 3 repetitions, 5 epochs, 5 folds
#   REPS=5 EPOCHS=10 bash bench/run.sh
#   SKIP_DATASET=1 SKIP_PROFILE=1 SKIP_XLA=1 bash bench/run.sh
#   PROFILE_BEFORE=901cf61 bash bench/run.sh  # also profile an older commit's graphs
#   ONLY_PROFILES=1 PROFILE_BEFORE=901cf61 bash bench/run.sh  # the profiles and XLA alone
#
# Repetition N uses seed 42 + 1000·(N−1) on both sides (folds, weights,
# shuffles), so the medians average over seeds, not over reruns of one seed.
# Each repetition also trains the LSTM and GRU with shuffled windows on both
# sides (tfnids --shuffle-windows; Keras with the windows as one in-memory
# array, fit(shuffle=True), a faster Keras input path than
# timeseries_dataset_from_array); SKIP_SHUFFLED=1 skips that.
#
# Before each process the script waits (up to QUIET_MAX s) for the 1-minute
# load average to fall below QUIET (default 0.5; bench/quiet.sh).
#
# Settings (environment): DATA (CSV directory), PROFILE, REPS, EPOCHS,
# SPLITS, SEED, THREADS (intra-op; inter-op too unless INTER_THREADS),
# BATCH.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source scripts/env.sh
source bench/quiet.sh

DATA=${DATA:-/work/shared/data/cicids2017-improved}
PROFILE=${PROFILE:-cicids2017_improved}
REPS=${REPS:-3}
EPOCHS=${EPOCHS:-5}
SPLITS=${SPLITS:-5}
SEED=${SEED:-42}
THREADS=${THREADS:-2}
INTER_THREADS=${INTER_THREADS:-$THREADS}
BATCH=${BATCH:-256}
OUT=$ROOT/bench/out/keras

# The same thread counts for every library on both sides.
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
export TF_NUM_INTRAOP_THREADS=$THREADS TF_NUM_INTEROP_THREADS=$INTER_THREADS
export TF_CPP_MIN_LOG_LEVEL=2

# A private build: other work in this checkout may rebuild bin/tfnids while
# the benchmark runs.
TFNIDS=bench/out/tfnids
go build -o "$TFNIDS" ./cmd/tfnids
go build -o bench/out/folds ./bench/folds
go build -o bench/out/profile ./bench/profile
[[ -n ${ONLY_PROFILES:-} ]] || rm -rf "$OUT"
mkdir -p "$OUT"

TFNIDS_CMD=("$TFNIDS" train --data "$DATA" --profile "$PROFILE" --cv stratified --splits "$SPLITS"
  --epochs "$EPOCHS" --batch-size "$BATCH" --patience 0 --threads "$THREADS" --inter-threads "$INTER_THREADS" --quiet)
KERAS_CMD=("$TFNIDS_PYTHON" bench/keras/train_keras.py --data "$DATA" --epochs "$EPOCHS" --batch-size "$BATCH"
  --threads "$THREADS" --inter-threads "$INTER_THREADS")
{
  echo "# repetition N uses seed S = $SEED + 1000*(N-1) for the folds, the weights and the shuffles, on both sides"
  echo "folds: bench/out/folds --data $DATA --profile $PROFILE --cv stratified --splits $SPLITS --seed S > repN/folds.json"
  echo "tfnids: ${TFNIDS_CMD[*]} --models cnn,lstm,gru --shuffle-windows=false --seed S --weights-dir repN/tfnids/weights --results-dir repN/tfnids/results"
  echo "keras: ${KERAS_CMD[*]} --models cnn,lstm,gru --folds repN/folds.json --seed S --out repN/keras.json"
  echo "tfnids, shuffled windows: ${TFNIDS_CMD[*]} --models lstm,gru --shuffle-windows --seed S --weights-dir repN/tfnids-shuffled/weights --results-dir repN/tfnids-shuffled/results"
  echo "keras, shuffled in-memory windows: ${KERAS_CMD[*]} --models lstm,gru --windows memory --shuffle-windows --folds repN/folds.json --seed S --out repN/keras-memory.json"
  echo "env: OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS TF_NUM_INTRAOP_THREADS=$THREADS TF_NUM_INTEROP_THREADS=$INTER_THREADS"
} > "$OUT/commands.txt.new"
[[ -n ${ONLY_PROFILES:-} && -f $OUT/commands.txt ]] && rm "$OUT/commands.txt.new" || mv "$OUT/commands.txt.new" "$OUT/commands.txt"

la() { uptime | sed 's/.*load average/load average/'; }
timed() { # name dir command...: GNU time into dir/name.time, load averages into dir/name.load
  local name=$1 dir=$2
  shift 2
  wait_quiet
  echo "== $(basename "$dir"): $name ($(la))"
  uptime > "$dir/$name.load"
  /usr/bin/time -v -o "$dir/$name.time" "$@" > "$dir/$name.log" 2>&1
  uptime >> "$dir/$name.load"
}

for rep in $(seq 1 "$REPS"); do
  [[ -z ${ONLY_PROFILES:-} ]] || break
  d=$OUT/rep$rep
  s=$((SEED + 1000 * (rep - 1)))
  mkdir -p "$d"
  # tfnids' own folds for this seed, for the Keras side.
  bench/out/folds --data "$DATA" --profile "$PROFILE" --cv stratified --splits "$SPLITS" --seed "$s" > "$d/folds.json"
  # The seed's protocol: windows in time order (tfnids train shuffles them
  # by default).
  timed tfnids "$d" "${TFNIDS_CMD[@]}" --models cnn,lstm,gru --shuffle-windows=false --seed "$s" \
    --weights-dir "$d/tfnids/weights" --results-dir "$d/tfnids/results"
  timed keras "$d" "${KERAS_CMD[@]}" --models cnn,lstm,gru --folds "$d/folds.json" --seed "$s" --out "$d/keras.json"
  grep -E 'fit|peak' "$d/keras.log" | sed 's/^/   /'
  if [[ -z ${SKIP_SHUFFLED:-} ]]; then
    timed tfnids-shuffled "$d" "${TFNIDS_CMD[@]}" --models lstm,gru --shuffle-windows --seed "$s" \
      --weights-dir "$d/tfnids-shuffled/weights" --results-dir "$d/tfnids-shuffled/results"
    timed keras-memory "$d" "${KERAS_CMD[@]}" --models lstm,gru --windows memory --shuffle-windows \
      --folds "$d/folds.json" --seed "$s" --out "$d/keras-memory.json"
  fi
  rm -rf "$d"/tfnids*/weights # checkpoints: not needed for the comparison
done

if [[ -z ${SKIP_PROFILE:-} ]]; then
  # PROFILE_BEFORE=<commit> also profiles the graphs that commit built
  # (bench/profile built from a temporary worktree), for a before/after.
  PROFILES=(profile)
  if [[ -n ${PROFILE_BEFORE:-} ]]; then
    wt=$(mktemp -d)
    git worktree add -q --detach "$wt" "$PROFILE_BEFORE"
    (cd "$wt" && go build -o "$ROOT/bench/out/profile-before" ./bench/profile)
    git worktree remove --force "$wt"
    git rev-parse --short "$PROFILE_BEFORE" > bench/out/profile-before.commit
    PROFILES=(profile-before profile)
  fi
  for prof in "${PROFILES[@]}"; do
    wait_quiet
    echo "== step profile ($prof)"
    uptime > "bench/out/$prof.load"
    "bench/out/$prof" -data "$DATA" -profile "$PROFILE" -batch-size "$BATCH" -threads "$THREADS" \
      -inter-threads "$INTER_THREADS" -json "bench/out/$prof.json" > "bench/out/$prof.log" 2>&1
    uptime >> "bench/out/$prof.load"
    grep -v -e 'GPU trace' -e '^WARNING' -e '^I0000' "bench/out/$prof.log" | tail -12
  done
fi

if [[ -z ${SKIP_XLA:-} ]]; then
  # Issue 17: is XLA a lever on this CPU? The same step profile with
  # auto-clustering on (a CPU needs the TF_XLA_FLAGS switch as well).
  wait_quiet
  echo "== XLA check (bench/profile -xla)"
  uptime > bench/out/profile-xla.load
  TF_XLA_FLAGS=--tf_xla_cpu_global_jit bench/out/profile -xla -data "$DATA" -profile "$PROFILE" -batch-size "$BATCH" \
    -threads "$THREADS" -inter-threads "$INTER_THREADS" -traced-steps 10 -json bench/out/profile-xla.json \
    > bench/out/profile-xla.log 2>&1 || echo "XLA profile failed; see bench/out/profile-xla.log"
  uptime >> bench/out/profile-xla.load
  grep -E '^(model|cnn|lstm|gru) ' bench/out/profile-xla.log | head -4
fi

if [[ -z ${SKIP_DATASET:-} && -z ${ONLY_PROFILES:-} && -f bench/dataset/run.sh ]]; then
  wait_quiet
  echo "== dataset benchmark (bench/dataset/run.sh)"
  uptime > bench/out/dataset.load
  bash bench/dataset/run.sh > bench/out/dataset.log 2>&1 || echo "bench/dataset/run.sh failed; see bench/out/dataset.log"
  uptime >> bench/out/dataset.load
  tail -4 bench/out/dataset.log
fi

"$TFNIDS_PYTHON" bench/results.py
echo "wrote bench/RESULTS.md"

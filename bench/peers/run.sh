#!/usr/bin/env bash
# The peers benchmark (issue 17): tfnids, Keras and PyTorch (eager, CPU)
# training and predicting the seed's CNN, LSTM and GRU on the same arrays,
# with the same epochs, batch sizes, optimizer settings and thread counts,
# each side in its own process, the sides rotated every repetition
# (tfnids keras torch, keras torch tfnids, torch tfnids keras, ...). Writes
# bench/out/peers/repN/{tfnids,keras,torch}.json and bench/peers/RESULTS.md
# (bench/peers/summarize.py). A benchmark, not a test: run it by hand on a
# quiet machine.
#
#   bash bench/peers/run.sh                    # 3 repetitions, 3 epochs
#   REPS=1 EPOCHS=2 bash bench/peers/run.sh    # a quick smoke run
#
# Data: `peers prep` (bench/peers/main.go) loads DATA as `tfnids train` does,
# takes fold FOLD of tfnids' stratified SPLITS-fold split for SEED (the
# indices bench/folds prints), MinMax-scales it on its training rows and
# writes the rows and the windows of 3 rows as .npy once; all three sides
# read those. Repetition N seeds weights and shuffles with
# SEED + 1000·(N−1) on every side.
#
# PyTorch is installed here only, never by CI or `make setup`: into its own
# venv TORCH_VENV (default bench/out/torch-venv, gitignored) with
# `pip install torch numpy` from PyPI when that venv cannot import torch.
# PyPI's Linux torch wheel pulls the NVIDIA CUDA packages (about 5 GB once
# installed; pip caches the download, and a reinstall from the cache took
# about 3 minutes); it runs on the CPU here.
#
# Settings (environment): DATA, PROFILE, REPS, EPOCHS (the first is a
# warm-up), SPLITS, FOLD, SEED, THREADS (intra-op; inter-op too unless
# INTER_THREADS), BATCH, PREDICT_BATCH, MODELS, TORCH_VENV, TORCH_ADAM
# (default|foreach|fused: torch.optim.Adam's implementation; default is
# what torch picks on CPU), TORCH_OMP_WAIT_POLICY (unset: libgomp's default,
# which spins between parallel regions; "passive" sleeps), SIDES (default
# tfnids,keras,torch).
#
# The PyTorch side needs a quiet machine more than the others: with its
# OpenMP threads spinning (libgomp's default) and other processes on the two
# cores, one measured epoch took 40 s instead of 1.2 s (LSTM; load average
# 6). The per-repetition table of RESULTS.md shows the load averages and the
# share of CPU other processes took during each side; TORCH_OMP_WAIT_POLICY
# =passive makes the side robust to load but adds a wake-up to each parallel
# region.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh
source bench/quiet.sh

DATA=${DATA:-/work/shared/data/cicids2017-improved}
PROFILE=${PROFILE:-cicids2017_improved}
REPS=${REPS:-3}
EPOCHS=${EPOCHS:-3}
SPLITS=${SPLITS:-5}
FOLD=${FOLD:-1}
SEED=${SEED:-42}
THREADS=${THREADS:-2}
INTER_THREADS=${INTER_THREADS:-$THREADS}
BATCH=${BATCH:-256}
PREDICT_BATCH=${PREDICT_BATCH:-1024}
MODELS=${MODELS:-cnn,lstm,gru}
TORCH_VENV=${TORCH_VENV:-$ROOT/bench/out/torch-venv}
TORCH_ADAM=${TORCH_ADAM:-default}
SIDES=${SIDES:-tfnids,keras,torch}
OUT=$ROOT/bench/out/peers
started=$(date +%s)

if [[ $SIDES == *torch* ]] && ! "$TORCH_VENV/bin/python" -c 'import torch, numpy' 2>/dev/null; then
  echo "== installing torch and numpy into $TORCH_VENV (PyPI; several GB the first time)"
  python3 -m venv "$TORCH_VENV"
  "$TORCH_VENV/bin/python" -m pip install --quiet --disable-pip-version-check torch numpy
fi

# The same thread counts for every library on every side.
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
export TF_NUM_INTRAOP_THREADS=$THREADS TF_NUM_INTEROP_THREADS=$INTER_THREADS
export TF_CPP_MIN_LOG_LEVEL=2

# A private build: other work in this checkout may rebuild while this runs.
PEERS=bench/out/peers-bin
go build -o "$PEERS" ./bench/peers
rm -rf "$OUT"
mkdir -p "$OUT"

PREP_CMD=("$PEERS" prep -data "$DATA" -profile "$PROFILE" -splits "$SPLITS" -fold "$FOLD" -seed "$SEED" -out "$OUT/data")
TFNIDS_CMD=("$PEERS" train -in "$OUT/data" -models "$MODELS" -epochs "$EPOCHS" -batch-size "$BATCH"
  -predict-batch-size "$PREDICT_BATCH" -threads "$THREADS" -inter-threads "$INTER_THREADS")
KERAS_CMD=("$TFNIDS_PYTHON" bench/peers/run_keras.py --data "$OUT/data" --models "$MODELS" --epochs "$EPOCHS"
  --batch-size "$BATCH" --predict-batch-size "$PREDICT_BATCH" --threads "$THREADS" --inter-threads "$INTER_THREADS")
TORCH_CMD=(env ${TORCH_OMP_WAIT_POLICY:+OMP_WAIT_POLICY=$TORCH_OMP_WAIT_POLICY} "$TORCH_VENV/bin/python" bench/peers/run_torch.py --data "$OUT/data" --models "$MODELS" --epochs "$EPOCHS"
  --batch-size "$BATCH" --predict-batch-size "$PREDICT_BATCH" --threads "$THREADS" --inter-threads "$INTER_THREADS"
  --adam "$TORCH_ADAM")

"${PREP_CMD[@]}"
{
  echo "# repetition N uses seed S = $SEED + 1000*(N-1) for the weights and the shuffles, on every side"
  echo "prep: ${PREP_CMD[*]}"
  echo "tfnids: ${TFNIDS_CMD[*]} -seed S -json repN/tfnids.json"
  echo "keras: ${KERAS_CMD[*]} --seed S --out repN/keras.json"
  echo "torch: ${TORCH_CMD[*]} --seed S --out repN/torch.json"
  echo "env: OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS TF_NUM_INTRAOP_THREADS=$THREADS TF_NUM_INTEROP_THREADS=$INTER_THREADS"
  echo "run: REPS=$REPS EPOCHS=$EPOCHS SPLITS=$SPLITS FOLD=$FOLD SEED=$SEED THREADS=$THREADS INTER_THREADS=$INTER_THREADS BATCH=$BATCH PREDICT_BATCH=$PREDICT_BATCH MODELS=$MODELS TORCH_ADAM=$TORCH_ADAM TORCH_OMP_WAIT_POLICY=${TORCH_OMP_WAIT_POLICY:-} SIDES=$SIDES bash bench/peers/run.sh"
} > "$OUT/commands.txt"
lscpu > "$OUT/lscpu.txt"
{
  echo "tfnids $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/peers/RESULTS.md' || echo '+dirty') ($(git rev-parse --abbrev-ref HEAD))"
  go version
} > "$OUT/versions.txt"

la() { uptime | sed 's/.*load average/load average/'; }
# Busy and total CPU ticks of the whole machine (steal counts as busy): with
# the side's own CPU time (GNU time) they give the share of the cores other
# processes took while the side ran, a cleaner sign of a noisy machine than
# the load average, which the previous side's own work inflates.
cpustat() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
IFS=, read -r -a sides <<< "$SIDES"
for rep in $(seq 1 "$REPS"); do
  d=$OUT/rep$rep
  s=$((SEED + 1000 * (rep - 1)))
  mkdir -p "$d"
  for k in "${!sides[@]}"; do
    side=${sides[$(((k + rep - 1) % ${#sides[@]}))]}
    case $side in
    tfnids) cmd=("${TFNIDS_CMD[@]}" -seed "$s" -json "$d/tfnids.json") ;;
    keras) cmd=("${KERAS_CMD[@]}" --seed "$s" --out "$d/keras.json") ;;
    torch) cmd=("${TORCH_CMD[@]}" --seed "$s" --out "$d/torch.json") ;;
    *)
      echo "unknown side $side in SIDES" >&2
      exit 1
      ;;
    esac
    wait_quiet
    echo "== rep$rep: $side ($(la))"
    echo "$side" >> "$d/order"
    uptime > "$d/$side.load"
    cpustat > "$d/$side.cpu"
    t0=$(date +%s%N)
    if ! /usr/bin/time -f '%e %U %S' -o "$d/$side.time" "${cmd[@]}" > "$d/$side.log" 2>&1; then
      tail -20 "$d/$side.log" >&2
      echo "$side failed; see $d/$side.log" >&2
      exit 1
    fi
    cpustat >> "$d/$side.cpu"
    uptime >> "$d/$side.load"
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "   $((ms / 1000)).$((ms % 1000 / 100))s:" \
      "$(grep -E '^  [a-z]+: steady' "$d/$side.log" | sed -E 's/^  ([a-z]+): steady ([0-9]+) samples\/s.*/\1 \2/' | paste -sd' ' -) samples/s"
  done
done

"$TFNIDS_PYTHON" bench/peers/summarize.py --out-dir "$OUT" --results bench/peers/RESULTS.md \
  --seconds $(($(date +%s) - started))
echo "wrote bench/peers/RESULTS.md ($(($(date +%s) - started)) s)"

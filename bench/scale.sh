#!/usr/bin/env bash
# Scale runs (issue 7): synthetic CIC-ToN-IoT-shaped CSVs of growing size
# (tfnids synth), and per size the wall time and peak RSS (GNU time) of each
# stage, to show that cost grows linearly with the rows:
#
#   synth   tfnids synth --rows N --profile cic_ton_iot --classes 10 --seed 1
#   prep    load + clean (bad values, duplicates) + time sort + factorize +
#           MinMax scaling: bench/dataset/load (the dataset benchmark's Go
#           program) with the cic_ton_iot profile
#   train   tfnids train --models cnn --epochs 1 on a time-ordered 80/20
#           holdout: load, one CNN epoch, predict the test rows; the epoch
#           and predict times come from the results JSON
#
# Then bench/results.py rewrites bench/RESULTS.md with the table.
# A benchmark, not a test: run it by hand on a quiet machine.
#
#   bash bench/scale.sh                     # 10k, 100k, 1M, 5M rows
#   SIZES="10000 100000 1000000" bash bench/scale.sh
#   KEEP_CSV=1 bash bench/scale.sh          # keep the generated CSVs
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source scripts/env.sh

SIZES=${SIZES:-10000 100000 1000000 5000000}
THREADS=${THREADS:-2}
OUT=$ROOT/bench/out/scale
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS TF_CPP_MIN_LOG_LEVEL=2

mkdir -p "$OUT"
TFNIDS=bench/out/tfnids # a private build: other work may rebuild bin/tfnids meanwhile
go build -o "$TFNIDS" ./cmd/tfnids
PREP=()
if [[ -d bench/dataset/load ]]; then
  go build -o "$OUT/load" ./bench/dataset/load
  PREP=("$OUT/load" -profile cic_ton_iot)
else
  PREP=("$TFNIDS" dataset describe --profile cic_ton_iot --dedupe --data) # no scaling, but load+clean+sort
fi
: > "$OUT/scale.jsonl"

for n in $SIZES; do
  csv=$OUT/flows_$n.csv
  d=$OUT/n$n
  rm -rf "$d"
  mkdir -p "$d"
  echo "== $n rows ($(uptime | sed 's/.*load average/load average/'))"
  uptime > "$d/load.txt"
  /usr/bin/time -v -o "$d/synth.time" "$TFNIDS" synth --rows "$n" --profile cic_ton_iot --classes 10 --seed 1 \
    --out "$csv" > "$d/synth.log" 2>&1
  cat "$csv" > /dev/null # warm page cache for every stage alike
  /usr/bin/time -v -o "$d/prep.time" "${PREP[@]}" "$csv" > "$d/prep.log" 2>&1
  /usr/bin/time -v -o "$d/train.time" "$TFNIDS" train --data "$csv" --profile cic_ton_iot --models cnn \
    --cv none --test-split 0.2 --epochs 1 --patience 0 --batch-size 256 --threads "$THREADS" \
    --inter-threads "$THREADS" --quiet --weights-dir "$d/weights" --results-dir "$d/results" > "$d/train.log" 2>&1
  uptime >> "$d/load.txt"
  rm -rf "$d/weights"
  "$TFNIDS_PYTHON" - "$n" "$d" "$(stat -c %s "$csv")" >> "$OUT/scale.jsonl" <<'EOF'
import glob, json, re, sys
n, d, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def gnu(path):
    t = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    user = float(re.search(r"User time \(seconds\): (\S+)", t).group(1))
    sys_ = float(re.search(r"System time \(seconds\): (\S+)", t).group(1))
    return {"wall": secs, "rss_mib": rss / 1024, "cpu": user + sys_}
row = {"rows": n, "csv_bytes": size, "synth": gnu(f"{d}/synth.time"), "prep": gnu(f"{d}/prep.time"),
       "train": gnu(f"{d}/train.time"), "load": open(f"{d}/load.txt").read().split("\n")}
m = re.search(r"kept (\d+) x (\d+)", open(f"{d}/prep.log").read())
if m:
    row["kept_rows"], row["features"] = int(m.group(1)), int(m.group(2))
res = sorted(glob.glob(f"{d}/results/*/*.json"))
if res:
    r = json.load(open(res[-1]))
    s = next(iter(r["models"].values()))["scores"][0]
    row.update(train_epoch_seconds=s["train_seconds"], predict_seconds=s["time"], test_rows=s["test_rows"],
               accuracy=s["accuracy"], f1_weighted=s["f1s"], train_rows=r["splits"][0]["train_rows"])
print(json.dumps(row))
EOF
  tail -1 "$OUT/scale.jsonl" | cut -c1-300
  [[ -n ${KEEP_CSV:-} ]] || rm -f "$csv"
done

"$TFNIDS_PYTHON" bench/results.py
echo "wrote bench/RESULTS.md"

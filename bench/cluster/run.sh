#!/usr/bin/env bash
# The cluster benchmark (issue 8): wall time of one `tfnids train` run of
# 2 folds x 3 models (cnn, lstm, gru) with --strategy folds on 1 and on 2
# local `tfnids worker` processes, each worker pinned to one core
# (taskset -c K) with one thread (--threads 1), so that the comparison is
# fair on a 2-core machine; the goal is a speed-up of at least 1.7x. A plain
# local run pinned to one core is timed too, as the reference for the
# distributed runtime's overhead. The client is not pinned (it only feeds
# batches and writes checkpoints). Every run uses the same seed and one
# intra-op thread, so all of them must report the same scores; the summary
# checks that. A benchmark, not a test: run it by hand on a quiet machine.
#
#   bash bench/cluster/run.sh
#   EPOCHS=5 REPS=3 bash bench/cluster/run.sh
#
# Settings (environment): DATA, PROFILE, EPOCHS, BATCH, SEED, REPS, PORT
# (first of two free loopback ports), SKIP_LOCAL=1 (no local run). On a
# machine shared with other work the 2-worker run, which needs both cores,
# suffers most: check the load averages the summary lists. Writes bench/out/cluster/summary.md
# and the logs and results of every run under bench/out/cluster/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source scripts/env.sh
source bench/quiet.sh
export TF_CPP_MIN_LOG_LEVEL=2

DATA=${DATA:-/work/shared/data/cicids2017-improved}
PROFILE=${PROFILE:-cicids2017_improved}
EPOCHS=${EPOCHS:-10}
BATCH=${BATCH:-256}
SEED=${SEED:-42}
REPS=${REPS:-1}
PORT=${PORT:-24600}
OUT=$ROOT/bench/out/cluster
BIN=$OUT/tfnids
mkdir -p "$OUT"
go build -o "$BIN" ./cmd/tfnids

CORES=$(nproc)
if [ "$CORES" -lt 2 ]; then
	echo "bench/cluster: needs 2 cores (found $CORES)" >&2
	exit 1
fi

WORKER_PIDS=()
stop_workers() {
	for p in "${WORKER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${WORKER_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	WORKER_PIDS=()
}
trap stop_workers EXIT

# start_workers N: workers 0..N-1 on cores 0..N-1; prints the cluster spec.
start_workers() {
	local n=$1 spec="worker=" k
	for ((k = 0; k < n; k++)); do
		[ "$k" -gt 0 ] && spec+=","
		spec+="127.0.0.1:$((PORT + k))"
	done
	for ((k = 0; k < n; k++)); do
		taskset -c "$k" "$BIN" worker --cluster "$spec" --task "$k" --threads 1 >"$OUT/worker-$n-$k.log" 2>&1 &
		WORKER_PIDS+=($!)
	done
	for ((k = 0; k < n; k++)); do
		for _ in $(seq 600); do
			grep -q ready "$OUT/worker-$n-$k.log" && break
			sleep 0.1
		done
		grep -q ready "$OUT/worker-$n-$k.log" || { cat "$OUT/worker-$n-$k.log" >&2; exit 1; }
	done
	SPEC=$spec
}

# run NAME [ARGS...]: one timed train run; appends "NAME seconds" to times.
run() {
	local name=$1
	shift
	local dir=$OUT/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	local t0 t1 before
	wait_quiet
	before=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s.%N)
	"$@" train --data "$DATA" --profile "$PROFILE" --name bench --models cnn,lstm,gru \
		--cv stratified --splits 2 --epochs "$EPOCHS" --patience 0 --batch-size "$BATCH" \
		--threads 1 --inter-threads 1 --seed "$SEED" -q \
		--weights-dir "$dir/w" --results-dir "$dir/r" ${EXTRA:-} >"$dir/train.log" 2>&1
	t1=$(date +%s.%N)
	# The 1-minute load average at the end: other work on the machine.
	echo "$name $(echo "$t1 - $t0" | bc) $(cut -d' ' -f1 /proc/loadavg) $before" | tee -a "$OUT/times.txt"
}

rm -rf "$OUT/times.txt" "$OUT"/local-* "$OUT"/workers1-* "$OUT"/workers2-*
for ((rep = 1; rep <= REPS; rep++)); do
	[ -n "${SKIP_LOCAL:-}" ] || run "local-$rep" taskset -c 0 "$BIN"

	start_workers 1
	EXTRA="--cluster $SPEC" run "workers1-$rep" "$BIN"
	stop_workers

	start_workers 2
	EXTRA="--cluster $SPEC" run "workers2-$rep" "$BIN"
	stop_workers
done

python3 - "$OUT" "$EPOCHS" "$BATCH" "$DATA" <<'PY'
import glob, json, os, statistics, sys
out, epochs, batch, data = sys.argv[1:5]
times, loads, befores = {}, {}, {}
for line in open(os.path.join(out, "times.txt")):
    name, secs, load, before = (line.split() + ["?"])[:4]
    times.setdefault(name.rsplit("-", 1)[0], []).append(float(secs))
    loads.setdefault(name.rsplit("-", 1)[0], []).append(load)
    befores.setdefault(name.rsplit("-", 1)[0], []).append(before)
med = {k: statistics.median(v) for k, v in times.items()}
best = {k: min(v) for k, v in times.items()}
scores = {}
for d in sorted(glob.glob(os.path.join(out, "*-*"))):
    files = glob.glob(os.path.join(d, "r", "bench", "*.json"))
    if not files:
        continue
    r = json.load(open(files[0]))
    s = {m: [(x["fold"], x["accuracy"], x["f1s"], x.get("ran_on", "")) for x in r["models"][m]["scores"]] for m in r["models"]}
    scores[os.path.basename(d)] = s
ref = next(iter(scores.values()))
same = all({m: [x[:3] for x in v] for m, v in s.items()} == {m: [x[:3] for x in v] for m, v in ref.items()} for s in scores.values())
lines = [
    "# Cluster benchmark (bench/cluster/run.sh)",
    "",
    f"2 stratified folds x cnn, lstm, gru; {epochs} epochs (no early stopping), batch {batch}, "
    f"one intra-op and inter-op thread everywhere; data {data}. "
    f"Workers pinned with taskset -c K and --threads 1; the local run pinned to core 0.",
    "",
    "| run | wall seconds, median of %d | fastest | every repetition | 1-min load average before each | after each |" % len(next(iter(times.values()))),
    "|---|---|---|---|---|---|",
]
for k in ["local", "workers1", "workers2"]:
    if k in med:
        lines.append(f"| {k} | {med[k]:.1f} | {best[k]:.1f} | {', '.join('%.1f' % x for x in times[k])} | {', '.join(befores[k])} | {', '.join(loads[k])} |")
lines.append("")
if "workers1" in med and "workers2" in med:
    lines.append(f"speed-up of 2 workers over 1 worker (--strategy folds): **{med['workers1'] / med['workers2']:.2f}x** by medians, "
                 f"**{best['workers1'] / best['workers2']:.2f}x** by the fastest runs (the least disturbed by other work; goal >= 1.7x)")
if "local" in med and "workers2" in med:
    lines.append(f"speed-up of 2 workers over the local one-core run: {med['local'] / med['workers2']:.2f}x")
if "local" in med and "workers1" in med:
    lines.append(f"overhead of the distributed runtime (1 worker vs local): {100 * (med['workers1'] / med['local'] - 1):+.1f}%")
lines.append("")
lines.append("scores identical in every run (accuracy and F1 per fold and model): " + ("yes" if same else "NO"))
two = [k for k in scores if k.startswith("workers2")]
if two:
    lines.append("")
    lines.append("where the 2-worker run trained each (fold, model): " + "; ".join(
        f"{m.split()[0]} fold {f}: {w}" for m, v in scores[two[0]].items() for f, _, _, w in v))
text = "\n".join(lines) + "\n"
open(os.path.join(out, "summary.md"), "w").write(text)
print(text)
PY

#!/usr/bin/env bash
# The GDLC experiment (issue 12): tfnids train with and without computed network features,
# in the study's dataset scope and the leak-free fold scope, under stratified and time-series
# folds, for CNN, LSTM and GRU. One `tfnids train` per cell; each writes its results JSON under
# $OUT/results/<name>/ and bench/gdlc/summarize.py turns them into the table in docs/graph.md.
#
# Usage (from the repository root, after `make build`):
#   bench/gdlc/run.sh                         # cicids2017-improved, all cells
#   DATASET=ton-iot-network PROFILE=ton_iot_network bench/gdlc/run.sh
#   CVS="stratified" SCOPES="none dataset" bench/gdlc/run.sh
# Environment: DATA_ROOT (../shared/data), DATASET, PROFILE, CVS, SCOPES (none dataset fold),
# MODELS (cnn,lstm,gru), EPOCHS (3), SPLITS (5), SEED (42), BETWEENNESS (approx), OUT (bench/out/gdlc),
# EXTRA (more train flags), EVERY (keep every EVERY-th data row, e.g. 5 for ToN-IoT's 211k rows;
# the kept rows are written once to $OUT/data/<dataset>-every<EVERY>.csv and named so in the results).
set -euo pipefail
cd "$(dirname "$0")/../.."

DATA_ROOT=${DATA_ROOT:-../shared/data}
[ -d "$DATA_ROOT" ] || DATA_ROOT=/work/shared/data
DATASET=${DATASET:-cicids2017-improved}
PROFILE=${PROFILE:-cicids2017_improved}
CVS=${CVS:-stratified timeseries}
SCOPES=${SCOPES:-none dataset fold}
MODELS=${MODELS:-cnn,lstm,gru}
EPOCHS=${EPOCHS:-3}
SPLITS=${SPLITS:-5}
SEED=${SEED:-42}
BETWEENNESS=${BETWEENNESS:-approx}
OUT=${OUT:-bench/out/gdlc}
EXTRA=${EXTRA:-}

EVERY=${EVERY:-1}

mkdir -p "$OUT"
data="$DATA_ROOT/$DATASET"
tag="$DATASET"
if [ "$EVERY" -gt 1 ]; then
	# A deterministic systematic sample: every EVERY-th data row after the header, so class
	# proportions (and any time order) are kept. Only plain or gzipped single-file data.
	tag="$DATASET-every$EVERY"
	data="$OUT/data/$tag.csv"
	if [ ! -s "$data" ]; then
		mkdir -p "$OUT/data"
		src=$(ls "$DATA_ROOT/$DATASET"/*.csv* | head -1)
		{ case "$src" in *.gz) zcat "$src" ;; *) cat "$src" ;; esac; } |
			awk -v n="$EVERY" 'NR == 1 || (NR - 2) % n == 0' > "$data.tmp"
		mv "$data.tmp" "$data"
	fi
fi
log="$OUT/runs.log"
for cv in $CVS; do
	for scope in $SCOPES; do
		name="$tag--$cv--$scope"
		net=()
		if [ "$scope" != none ]; then
			net=(--network-features --graph-scope "$scope" --betweenness "$BETWEENNESS")
		fi
		# --lstm-l1 0: the seed's l1 of 0.01 drives every LSTM weight to zero.
		# --validation=false: the per-epoch test-row evaluation only feeds plots; the final
		# scores are computed either way.
		cmd=(nice -n 19 bin/tfnids train --data "$data" --profile "$PROFILE"
			--name "$name" --models "$MODELS" --cv "$cv" --splits "$SPLITS" --epochs "$EPOCHS"
			--seed "$SEED" --lstm-l1 0 --validation=false --quiet
			--weights-dir "$OUT/weights" --results-dir "$OUT/results" "${net[@]}" $EXTRA)
		start=$(date +%s)
		echo "$(date -u +%FT%TZ) start $name load $(cut -d' ' -f1-3 /proc/loadavg): ${cmd[*]}" | tee -a "$log"
		rc=0
		"${cmd[@]}" 2> "$OUT/$name.stderr" || rc=$?
		echo "$(date -u +%FT%TZ) end $name rc=$rc wall=$(( $(date +%s) - start ))s load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
	done
done

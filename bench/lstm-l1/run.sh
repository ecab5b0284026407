#!/usr/bin/env bash
# The seed LSTM's l1(0.01) penalty, Keras vs tfnids, on the real CIC-IDS2017
# sample: both collapse to the majority class; without the penalty both learn.
# Usage: bench/lstm-l1/run.sh [DATA_DIR]   (run from the repository root after `make build`)
set -euo pipefail
data=${1:-../shared/data/cicids2017-improved}
out=bench/out/lstm-l1
mkdir -p "$out"
for l1 in 0.01 0; do
	echo "== Keras, l1=$l1 (fold 1 of 5, 3 epochs, no shuffling as the seed)"
	TF_CPP_MIN_LOG_LEVEL=2 .venv/bin/python bench/lstm-l1/keras_lstm.py "$l1" "$data" 2>&1 | tail -1
	echo "== tfnids, --lstm-l1 $l1 (5 folds, 3 epochs)"
	bin/tfnids train --data "$data" --profile cicids2017_improved --name lstm-l1-$l1 --models lstm \
		--cv stratified --splits 5 --epochs 3 --lstm-l1 "$l1" -q \
		--weights-dir "$out/w" --results-dir "$out/r" | tail -2
done

#!/usr/bin/env bash
# The main job on bundled real data: the seed protocol (time-series CV, CNN,
# LSTM and GRU, per-epoch checkpoints, results JSON, HTML report) on the
# CIC-IDS2017 slice in testdata/, shortened to 3 stratified folds x 10 epochs so it
# finishes in a few minutes on 2 cores. Usage: scripts/demo.sh BIN OUTDIR
set -euo pipefail
bin=${1:-bin/tfnids}
out=${2:-out/demo}
rm -rf "$out"
mkdir -p "$out"
"$bin" version
"$bin" dataset describe --data testdata/cicids2017-slice --profile auto
"$bin" train \
	--data testdata/cicids2017-slice --profile cicids2017_improved --name cicids2017-slice \
	--models cnn,lstm,gru --cv stratified --splits 3 --epochs 10 --batch-size 64 --patience 10 \
	--seed 7 --weights-dir "$out/weights" --results-dir "$out/results" --export "$out/export"
results=$(ls -t "$out"/results/cicids2017-slice/*.json | head -1)
"$bin" report "$results" --out "$out/report.html"
echo
echo "demo: results $results"
echo "demo: report  $out/report.html"
echo "demo: exports $(ls -d "$out"/export/*/* | tr '\n' ' ')"

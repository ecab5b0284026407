// Command serve benchmarks tfnids' serving path (issue 6; not a timed test):
//
//	prepare  train a model briefly on real flows, export it as a SavedModel
//	         and write its inputs as .npy (raw for tfnids, scaled for Keras)
//	load     a loopback HTTP load generator for `tfnids serve`: requests/s,
//	         rows/s and latency p50/p90/p99 at 1, 8 and 32 concurrent clients
//	         (--grpc ADDR: the same over the gRPC Predict API)
//	memory   peak RSS of a running server under concurrent large bodies
//	batch    batch prediction rows/s through the SavedModel in-process (what
//	         `tfnids predict` does), and the probabilities for keras_predict.py
//	runcost  session-run wall and CPU time per run and per row at several
//	         rows per run and concurrent callers, in-process
//	table    the Markdown tables of RESULTS.md from load results
//
// load drives REST with Go's net/http or with wrk (--client wrk), and gRPC
// with a lean Go client; with --metrics it reads the server's Prometheus
// metrics around each phase: server CPU per request, session runs, batch
// sizes and per-stage wall time. bench/serve/abab.sh compares batching off
// and on with it.
//
// bench/serve/run.sh runs all three and bench/serve/keras_predict.py, which
// times Keras model.predict on the same rows with the same weights.
//
//	go run ./bench/serve prepare --data DIR --model cnn --out bench/out/serve/cnn
//	go run ./bench/serve load --url http://127.0.0.1:8501/v1/models/ids --inputs bench/out/serve/cnn/inputs.npy
//	go run ./bench/serve batch --model bench/out/serve/cnn/models/ids/1 --inputs bench/out/serve/cnn/inputs.npy
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: serve prepare|load|memory|batch|runcost|table [flags] (see the package comment)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "prepare":
		err = prepare(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "batch":
		err = batch(os.Args[2:])
	case "runcost":
		err = runcost(os.Args[2:])
	case "table":
		err = table(os.Args[2:])
	case "memory":
		err = memory(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (want prepare, load, memory, batch, runcost or table)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve bench:", err)
		os.Exit(1)
	}
}

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/internal/npy"
	"github.com/tfnids/tfnids/tfgraph"
)

type batchResult struct {
	Examples    int       `json:"examples"`
	BatchSize   int       `json:"batch_size"`
	ColdSeconds float64   `json:"cold_seconds"`
	Seconds     []float64 `json:"warm_seconds"`
	RowsPerSec  float64   `json:"rows_per_second"`      // median warm run
	BestPerSec  float64   `json:"best_rows_per_second"` // fastest warm run
}

// batch times the SavedModel on every example, in batches, in-process.
func batch(args []string) error {
	fs := flag.NewFlagSet("batch", flag.ExitOnError)
	model := fs.String("model", "", "SavedModel version directory")
	inputs := fs.String("inputs", "", "inputs.npy (raw examples)")
	sizes := fs.String("batch", "1024", "batch sizes (comma-separated)")
	repeat := fs.Int("repeat", 5, "warm runs per batch size (the median is reported)")
	threads := fs.Int("threads", 0, "TensorFlow intra-op threads")
	probsOut := fs.String("probs", "", "write the probabilities (first batch size) as .npy here")
	out := fs.String("out", "", "also write the results as JSON here")
	fs.Parse(args)
	x, shape, err := npy.ReadFile(*inputs)
	if err != nil {
		return err
	}
	p, err := tfgraph.LoadPredictor(*model, nil, tfgraph.SessionConfig{IntraOpThreads: *threads})
	if err != nil {
		return err
	}
	defer p.Close()
	n := shape[0]
	per := len(x) / n
	var results []batchResult
	for k, bs := range splitInts(*sizes) {
		run := func() ([]float32, float64, error) {
			probs := make([]float32, 0, n*16)
			t0 := time.Now()
			for lo := 0; lo < n; lo += bs {
				k := min(bs, n-lo)
				sh := make([]int64, len(shape))
				sh[0] = int64(k)
				for i, d := range shape[1:] {
					sh[i+1] = int64(d)
				}
				xt, err := tfgraph.NewFloat32(x[lo*per:(lo+k)*per], sh...)
				if err != nil {
					return nil, 0, err
				}
				outT, err := p.Run("", map[string]*tf.Tensor{"x": xt})
				tfgraph.FreeTensors(xt)
				if err != nil {
					return nil, 0, err
				}
				v, _ := tfgraph.Float32s(outT["probabilities"])
				probs = append(probs, v...)
				outT.Free()
			}
			return probs, time.Since(t0).Seconds(), nil
		}
		probs, cold, err := run()
		if err != nil {
			return err
		}
		r := batchResult{Examples: n, BatchSize: bs, ColdSeconds: cold}
		for i := 0; i < *repeat; i++ {
			_, s, err := run()
			if err != nil {
				return err
			}
			r.Seconds = append(r.Seconds, s)
		}
		sorted := append([]float64(nil), r.Seconds...)
		sort.Float64s(sorted)
		r.RowsPerSec = float64(n) / sorted[len(sorted)/2]
		r.BestPerSec = float64(n) / sorted[0]
		results = append(results, r)
		fmt.Printf("tfnids SavedModel batch %5d: %d examples, cold %.3fs, warm median %.3fs = %.0f examples/s (best %.0f)\n",
			bs, n, cold, sorted[len(sorted)/2], r.RowsPerSec, r.BestPerSec)
		if k == 0 && *probsOut != "" {
			if err := npy.WriteFile(*probsOut, probs, n, len(probs)/n); err != nil {
				return err
			}
		}
	}
	if *out != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		return os.WriteFile(*out, b, 0o644)
	}
	return nil
}

func splitInts(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	return out
}

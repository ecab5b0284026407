package serving

import (
	"context"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/tfgraph"
)

// Predictions are a SavedModel's outputs for every example of a batch
// prediction.
type Predictions struct {
	// Rows is the input row each example is reported at (a window's
	// last row).
	Rows []int
	// Probs holds Width probabilities per example; Classes one class per
	// example (-1: the row could not be classified).
	Probs   []float32
	Classes []int64
	Width   int
	// Seconds is the time spent running the model.
	Seconds float64
}

// PredictExamples classifies every row of x (rows × features, raw
// features), or every window of window consecutive rows when window > 1,
// through a tfnids export's serving_default signature, batch examples per
// session run. It stops with ctx's error when ctx is done.
func PredictExamples(ctx context.Context, p *tfgraph.Predictor, x []float32, rows, features, window, batch int) (*Predictions, error) {
	var ex dataset.Examples
	if window > 1 {
		w, err := dataset.NewWindows(x, rows, features, nil, window)
		if err != nil {
			return nil, err
		}
		ex = w
	} else {
		window = 1
		ex = dataset.NewRows(x, rows, features, nil)
	}
	batch = max(batch, 1)
	n := ex.Len()
	per := window * features
	res := &Predictions{Rows: make([]int, n), Classes: make([]int64, 0, n)}
	buf := make([]float32, min(batch, max(n, 1))*per)
	idx := make([]int, 0, batch)
	start := time.Now()
	for lo := 0; lo < n; lo += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k := min(batch, n-lo)
		idx = idx[:0]
		for i := 0; i < k; i++ {
			idx = append(idx, lo+i)
			res.Rows[lo+i] = lo + i + window - 1
		}
		ex.Gather(idx, buf[:k*per], nil)
		shape := []int64{int64(k), int64(features)}
		if window > 1 {
			shape = []int64{int64(k), int64(window), int64(features)}
		}
		xt, err := tfgraph.NewFloat32(buf[:k*per], shape...)
		if err != nil {
			return nil, err
		}
		out, err := p.Run("", map[string]*tf.Tensor{"x": xt})
		tfgraph.FreeTensors(xt)
		if err != nil {
			return nil, err
		}
		probs, err := tfgraph.Float32s(out[ProbabilitiesKey])
		if err == nil {
			var cls []int64
			cls, err = tfgraph.Int64s(out[ClassesKey])
			res.Classes = append(res.Classes, cls...)
		}
		if s := out[ProbabilitiesKey].Shape(); len(s) == 2 {
			res.Width = int(s[1])
		}
		out.Free()
		if err != nil {
			return nil, err
		}
		if res.Probs == nil {
			// the width is known from the first batch: one allocation
			res.Probs = make([]float32, 0, n*(len(probs)/max(k, 1)))
		}
		res.Probs = append(res.Probs, probs...)
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

package builders

import (
	"math"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/tfgraph"
)

// After RecalibrateBatchNorm, the CNN's moving statistics are the mean and
// biased variance of the batch-norm layer's inference-mode input over all
// examples, and validation curves come with every epoch.
func TestRecalibrateBatchNormSetsPopulationStatistics(t *testing.T) {
	cfg := Config{Model: "cnn", Features: len(sliceFeatures), Classes: 2, Binary: true, Seed: 5}
	ex := realExamples(t, cfg, 300)
	m := openModel(t, cfg)
	h, err := m.Fit(ex, FitOptions{Epochs: 2, BatchSize: 64, Validation: ex, Monitor: "val_loss", Patience: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range h.Epochs {
		if !e.Validated || math.IsNaN(e.ValLoss) || e.ValAccuracy < 0 || e.ValAccuracy > 1 {
			t.Fatalf("epoch %d: validation %+v", e.Epoch, e)
		}
	}
	if err := m.RecalibrateBatchNorm(ex, 64); err != nil {
		t.Fatal(err)
	}
	// The batch-norm input for all examples in one run, reduced here in
	// float64.
	x, y := make([]float32, ex.Len()*prod(ex.Shape())), make([]int32, ex.Len())
	idx := make([]int, ex.Len())
	for i := range idx {
		idx[i] = i
	}
	ex.Gather(idx, x, y)
	xt, _ := tfgraph.NewFloat32(x, m.batchShape(ex.Len())...)
	out, err := m.sess.Run(map[tf.Output]*tf.Tensor{m.X: xt}, []tf.Output{m.Infer.Taps[0].X}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := tfgraph.Float32s(out[0])
	w, err := m.Weights()
	if err != nil {
		t.Fatal(err)
	}
	layer := m.Infer.Taps[0].Layer
	mean, variance := w[layer+"/moving_mean"], w[layer+"/moving_variance"]
	c := len(mean)
	cnt := len(in) / c
	for ch := 0; ch < c; ch++ {
		var s, s2 float64
		for i := ch; i < len(in); i += c {
			s += float64(in[i])
		}
		mu := s / float64(cnt)
		for i := ch; i < len(in); i += c {
			s2 += (float64(in[i]) - mu) * (float64(in[i]) - mu)
		}
		v := s2 / float64(cnt)
		// float32 batch means against a float64 sum: 1e-4 relative covers
		// the rounding of 300×F values per channel.
		if math.Abs(float64(mean[ch])-mu) > 1e-4*(1+math.Abs(mu)) || math.Abs(float64(variance[ch])-v) > 1e-4*(1+v) {
			t.Fatalf("channel %d: moving mean %g variance %g, want %g %g", ch, mean[ch], variance[ch], mu, v)
		}
	}
}

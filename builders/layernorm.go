package builders

import (
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// LayerNormalization is keras.layers.LayerNormalization over one axis
// (Keras' default −1, the last; mtermos/FL-GDLC's CNN-LSTM uses 1): per
// example, mean and biased variance over that axis (Mean, then Mean of
// SquaredDifference(x, StopGradient(mean)), as Keras' ops.moments), then
// x·inv + (beta − mean·inv) with inv = rsqrt(var + epsilon)·gamma, as
// Keras 3's call. gamma (ones) and beta (zeros) have the axis' size and are
// broadcast along the other axes. The same ops run in training and
// inference.
type LayerNormalization struct {
	// Axis counts the batch as axis 0, as Keras: 1 is the first axis of
	// the per-example shape; −1 (or 0, the zero value) the last.
	Axis    int
	Epsilon float64 // default 1e-3
}

// Kind implements Layer.
func (LayerNormalization) Kind() string { return "layer_normalization" }

// Type implements Layer.
func (LayerNormalization) Type() string { return "LayerNormalization" }

// axis returns the normalized axis as an index into the per-example shape.
func (n LayerNormalization) axis(in []int) (int, error) {
	a := n.Axis
	switch {
	case a == 0 || a == -1:
		return len(in) - 1, nil
	case a < 0:
		a += len(in) + 1
	}
	if a < 1 || a > len(in) {
		return 0, fmt.Errorf("LayerNormalization axis %d is out of range for inputs (None, %v) (the batch axis 0 cannot be normalized)", n.Axis, in)
	}
	return a - 1, nil
}

// OutputShape implements Layer.
func (n LayerNormalization) OutputShape(in []int) ([]int, error) {
	if len(in) < 1 {
		return nil, fmt.Errorf("LayerNormalization needs a feature axis (got shape %v)", in)
	}
	if n.Epsilon < 0 {
		return nil, fmt.Errorf("LayerNormalization epsilon must be > 0 (got %g)", n.Epsilon)
	}
	if _, err := n.axis(in); err != nil {
		return nil, err
	}
	return append([]int(nil), in...), nil
}

// Params implements Layer.
func (n LayerNormalization) Params(in []int) (int64, int64) {
	a, _ := n.axis(in)
	return 2 * int64(in[a]), 0
}

// Apply implements Layer.
func (n LayerNormalization) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(n, p, name, in)
	if !ok {
		return tf.Output{}
	}
	a, _ := n.axis(in)
	eps := n.Epsilon
	if eps == 0 {
		eps = 1e-3
	}
	gamma := p.Var(name, "gamma", i64s(in[a]), tfgraph.Ones, true)
	beta := p.Var(name, "beta", i64s(in[a]), tfgraph.Zeros, true)
	if a != len(in)-1 { // broadcast shape: the axis' size, ones elsewhere (the batch included)
		shape := make([]int32, len(in)+1)
		for i := range shape {
			shape[i] = 1
		}
		shape[a+1] = int32(in[a])
		bs := op.Const(s.SubScope("broadcast_shape"), shape)
		gamma = op.Reshape(s.SubScope("gamma"), gamma, bs)
		beta = op.Reshape(s.SubScope("beta"), beta, bs)
	}
	axes := op.Const(s.SubScope("axes"), []int32{int32(a + 1)})
	mean := op.Mean(s.SubScope("mean"), x, axes, op.MeanKeepDims(true))
	sq := op.SquaredDifference(s.SubScope("SquaredDifference"), x, op.StopGradient(s.SubScope("StopGradient"), mean))
	variance := op.Mean(s.SubScope("variance"), sq, axes, op.MeanKeepDims(true))
	inv := op.Mul(s.SubScope("inv"),
		op.Rsqrt(s.SubScope("Rsqrt"), op.AddV2(s.SubScope("add_epsilon"), variance, op.Const(s.SubScope("epsilon"), float32(eps)))),
		gamma)
	shift := op.AddV2(s.SubScope("shift"), op.Mul(s.SubScope("neg_mean_inv"), op.Neg(s.SubScope("Neg"), mean), inv), beta)
	return op.AddV2(s.SubScope("output"), op.Mul(s.SubScope("scaled"), x, inv), shift)
}

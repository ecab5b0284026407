package builders

import (
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// Bidirectional is keras.layers.Bidirectional around an LSTM or GRU: a
// forward copy reads the steps in order, a backward copy reads them last to
// first (its output sequence turned back to time order, as Keras flips
// it), and the two outputs are merged (MergeMode "concat", the default, on
// the last axis; "sum", "ave" or "mul"). The copies' weights are
// "<name>/forward_<inner>/..." and "<name>/backward_<inner>/...", Keras 3's
// variable paths.
type Bidirectional struct {
	// Layer is an LSTM or GRU value.
	Layer Layer
	// InnerName is the wrapped layer's name (Keras' automatic name of its
	// class when empty, given by the model).
	InnerName string
	MergeMode string
}

// Kind implements Layer.
func (Bidirectional) Kind() string { return "bidirectional" }

// Type implements Layer.
func (Bidirectional) Type() string { return "Bidirectional" }

func (b Bidirectional) copies() (fwd, bwd Layer, err error) {
	switch l := b.Layer.(type) {
	case LSTM:
		back := l
		back.backwards = true
		return l, back, nil
	case GRU:
		back := l
		back.backwards = true
		return l, back, nil
	}
	return nil, nil, fmt.Errorf("Bidirectional wraps an LSTM or GRU (got %T)", b.Layer)
}

func (b Bidirectional) merge() string {
	if b.MergeMode == "" {
		return "concat"
	}
	return b.MergeMode
}

// OutputShape implements Layer.
func (b Bidirectional) OutputShape(in []int) ([]int, error) {
	fwd, _, err := b.copies()
	if err != nil {
		return nil, err
	}
	out, err := fwd.OutputShape(in)
	if err != nil {
		return nil, err
	}
	switch b.merge() {
	case "concat":
		out[len(out)-1] *= 2
	case "sum", "ave", "mul":
	default:
		return nil, fmt.Errorf("Bidirectional merge_mode %q (supported: concat, sum, ave, mul)", b.MergeMode)
	}
	return out, nil
}

// Params implements Layer.
func (b Bidirectional) Params(in []int) (int64, int64) {
	fwd, _, err := b.copies()
	if err != nil {
		return 0, 0
	}
	t, n := fwd.Params(in)
	return 2 * t, 2 * n
}

// Apply implements Layer.
func (b Bidirectional) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(b, p, name, in)
	if !ok {
		return tf.Output{}
	}
	fwd, bwd, _ := b.copies()
	inner := b.InnerName
	if inner == "" {
		inner = fwd.Kind()
	}
	yf := fwd.Apply(p, name+"/forward_"+inner, x, in)
	yb := bwd.Apply(p, name+"/backward_"+inner, x, in)
	if p.B.Err() != nil {
		return tf.Output{}
	}
	switch b.merge() {
	case "sum":
		return op.AddV2(s.SubScope("sum"), yf, yb)
	case "ave":
		return op.Mul(s.SubScope("ave"), op.AddV2(s.SubScope("sum"), yf, yb), op.Const(s.SubScope("half"), float32(0.5)))
	case "mul":
		return op.Mul(s.SubScope("mul"), yf, yb)
	}
	return op.ConcatV2(s.SubScope("concat"), []tf.Output{yf, yb}, op.Const(s.SubScope("axis"), int32(-1)))
}

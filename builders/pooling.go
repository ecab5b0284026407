package builders

import (
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// pool1D is the geometry shared by MaxPooling1D and AveragePooling1D.
type pool1D struct {
	PoolSize int    // default 2
	Strides  int    // default PoolSize
	Padding  string // Valid (default) or Same
}

func (m pool1D) geometry() (pool, stride int) {
	pool = m.PoolSize
	if pool == 0 {
		pool = 2
	}
	stride = m.Strides
	if stride == 0 {
		stride = pool
	}
	return pool, stride
}

func (m pool1D) outputShape(what string, in []int) ([]int, error) {
	pool, stride := m.geometry()
	if pool < 1 || stride < 1 {
		return nil, fmt.Errorf("%s needs pool size and strides >= 1 (got %d, %d)", what, pool, stride)
	}
	if err := checkRank(in, 2, what); err != nil {
		return nil, err
	}
	l, err := paddedLength(in[0], pool, stride, m.Padding)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return []int{l, in[1]}, nil
}

// apply is ExpandDims → pool op → Squeeze, as tf.nn.max_pool1d and
// tf.nn.avg_pool1d.
func (m pool1D) apply(s *op.Scope, x tf.Output, avg bool) tf.Output {
	pool, stride := m.geometry()
	x4 := op.ExpandDims(s.SubScope("ExpandDims"), x, op.Const(s.SubScope("axis"), int32(1)))
	ksize, strides := []int64{1, 1, int64(pool), 1}, []int64{1, 1, int64(stride), 1}
	var y tf.Output
	if avg {
		y = op.AvgPool(s.SubScope("AvgPool"), x4, ksize, strides, tfPadding(m.Padding))
	} else {
		y = op.MaxPool(s.SubScope("MaxPool"), x4, ksize, strides, tfPadding(m.Padding))
	}
	return op.Squeeze(s.SubScope("Squeeze"), y, op.SqueezeAxis([]int64{1}))
}

// MaxPooling1D is keras.layers.MaxPooling1D: ExpandDims → MaxPool →
// Squeeze, as tf.nn.max_pool1d.
type MaxPooling1D struct {
	PoolSize int    // default 2
	Strides  int    // default PoolSize
	Padding  string // Valid (default) or Same
}

// Kind implements Layer.
func (MaxPooling1D) Kind() string { return "max_pooling1d" }

// Type implements Layer.
func (MaxPooling1D) Type() string { return "MaxPooling1D" }

// OutputShape implements Layer.
func (m MaxPooling1D) OutputShape(in []int) ([]int, error) {
	return pool1D(m).outputShape("MaxPooling1D", in)
}

// Params implements Layer.
func (MaxPooling1D) Params([]int) (int64, int64) { return 0, 0 }

// Apply implements Layer.
func (m MaxPooling1D) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(m, p, name, in)
	if !ok {
		return tf.Output{}
	}
	return pool1D(m).apply(s, x, false)
}

// AveragePooling1D is keras.layers.AveragePooling1D: ExpandDims → AvgPool
// → Squeeze, as tf.nn.avg_pool1d ("same" padding averages over the values
// inside the input only, as TensorFlow does).
type AveragePooling1D struct {
	PoolSize int    // default 2
	Strides  int    // default PoolSize
	Padding  string // Valid (default) or Same
}

// Kind implements Layer.
func (AveragePooling1D) Kind() string { return "average_pooling1d" }

// Type implements Layer.
func (AveragePooling1D) Type() string { return "AveragePooling1D" }

// OutputShape implements Layer.
func (m AveragePooling1D) OutputShape(in []int) ([]int, error) {
	return pool1D(m).outputShape("AveragePooling1D", in)
}

// Params implements Layer.
func (AveragePooling1D) Params([]int) (int64, int64) { return 0, 0 }

// Apply implements Layer.
func (m AveragePooling1D) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(m, p, name, in)
	if !ok {
		return tf.Output{}
	}
	return pool1D(m).apply(s, x, true)
}

// GlobalAveragePooling1D is keras.layers.GlobalAveragePooling1D: the mean
// over the steps axis, (batch, steps, c) → (batch, c).
type GlobalAveragePooling1D struct{}

// Kind implements Layer.
func (GlobalAveragePooling1D) Kind() string { return "global_average_pooling1d" }

// Type implements Layer.
func (GlobalAveragePooling1D) Type() string { return "GlobalAveragePooling1D" }

// OutputShape implements Layer.
func (GlobalAveragePooling1D) OutputShape(in []int) ([]int, error) {
	if err := checkRank(in, 2, "GlobalAveragePooling1D"); err != nil {
		return nil, err
	}
	return []int{in[1]}, nil
}

// Params implements Layer.
func (GlobalAveragePooling1D) Params([]int) (int64, int64) { return 0, 0 }

// Apply implements Layer.
func (g GlobalAveragePooling1D) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(g, p, name, in)
	if !ok {
		return tf.Output{}
	}
	return op.Mean(s.SubScope("Mean"), x, op.Const(s.SubScope("axis"), []int32{1}))
}

// GlobalMaxPooling1D is keras.layers.GlobalMaxPooling1D: the maximum over
// the steps axis.
type GlobalMaxPooling1D struct{}

// Kind implements Layer.
func (GlobalMaxPooling1D) Kind() string { return "global_max_pooling1d" }

// Type implements Layer.
func (GlobalMaxPooling1D) Type() string { return "GlobalMaxPooling1D" }

// OutputShape implements Layer.
func (GlobalMaxPooling1D) OutputShape(in []int) ([]int, error) {
	if err := checkRank(in, 2, "GlobalMaxPooling1D"); err != nil {
		return nil, err
	}
	return []int{in[1]}, nil
}

// Params implements Layer.
func (GlobalMaxPooling1D) Params([]int) (int64, int64) { return 0, 0 }

// Apply implements Layer.
func (g GlobalMaxPooling1D) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(g, p, name, in)
	if !ok {
		return tf.Output{}
	}
	return op.Max(s.SubScope("Max"), x, op.Const(s.SubScope("axis"), []int32{1}))
}

package builders

import (
	"cmp"
	"fmt"
	"math"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// bnRecal holds the ops that re-estimate one batch-norm layer's moving
// statistics: the per-channel mean of its inference-pass input x and of x²
// over a batch, and assigns of fed values to moving_mean and
// moving_variance.
type bnRecal struct {
	layer         string
	mean, meanSq  tf.Output
	newMean       tf.Output
	newVar        tf.Output
	assign        []*tf.Operation
	channels      int
	perExampleObs int // values per channel each example contributes
}

// addBatchNormRecalibration adds the ops for every batch-norm layer of the
// inference pass p (nothing for models without batch normalization).
func addBatchNormRecalibration(b *tfgraph.Builder, p *tfgraph.Pass) []bnRecal {
	var out []bnRecal
	for _, t := range p.Taps {
		if t.Kind != batchNormInput || b.Err() != nil {
			continue
		}
		shape, err := t.X.Shape().ToSlice()
		if err != nil || len(shape) < 2 {
			b.Fail(fmt.Errorf("batch-norm recalibration: %s: input shape %v unknown", t.Layer, t.X.Shape()))
			return nil
		}
		mm, mv := b.Variable(t.Layer+"/moving_mean"), b.Variable(t.Layer+"/moving_variance")
		if mm == nil || mv == nil {
			b.Fail(fmt.Errorf("batch-norm recalibration: %s: moving statistics not found", t.Layer))
			return nil
		}
		s := b.Root.SubScope("bn_recalibrate").SubScope(t.Layer)
		axes := make([]int32, len(shape)-1)
		obs := 1
		for i := range axes {
			axes[i] = int32(i)
			if i > 0 {
				obs *= int(shape[i])
			}
		}
		c := shape[len(shape)-1]
		axesT := op.Const(s.SubScope("axes"), axes)
		r := bnRecal{
			layer:         t.Layer,
			mean:          op.Mean(s.SubScope("mean"), t.X, axesT),
			meanSq:        op.Mean(s.SubScope("mean_square"), op.Square(s.SubScope("square"), t.X), axesT),
			newMean:       op.Placeholder(s.SubScope("new_mean"), tf.Float, op.PlaceholderShape(tf.MakeShape(c))),
			newVar:        op.Placeholder(s.SubScope("new_variance"), tf.Float, op.PlaceholderShape(tf.MakeShape(c))),
			channels:      int(c),
			perExampleObs: obs,
		}
		r.assign = []*tf.Operation{
			op.AssignVariableOp(s.SubScope("assign_mean"), mm.Handle, r.newMean),
			op.AssignVariableOp(s.SubScope("assign_variance"), mv.Handle, r.newVar),
		}
		out = append(out, r)
	}
	return out
}

// HasBatchNorm reports whether the model has batch-normalization layers.
func (m *Model) HasBatchNorm() bool { return len(m.bnRecal) > 0 }

// RecalibrateBatchNorm replaces every batch-norm layer's moving statistics
// by the exact statistics of its input over ex (the training rows) in
// inference mode, layer by layer in graph order (each layer sees the
// inputs that the already re-estimated layers before it produce):
//
//	moving_mean     = mean of x over all examples (and, for sequence
//	                  inputs, positions), per channel
//	moving_variance = mean of x² − moving_mean², the biased (population)
//	                  variance, as the batch variance Keras averages
//
// This is the one inference pass over the training rows that settles
// moving averages which momentum 0.99 has not yet converged after few
// steps; the weights are unchanged. Batches are reduced by TensorFlow
// (Mean, Square) and combined in float64, weighted by their size.
func (m *Model) RecalibrateBatchNorm(ex Examples, batchSize int) error {
	if m.sess == nil {
		return ErrNotOpen
	}
	if err := m.checkExamples(ex); err != nil {
		return err
	}
	bs := batchSizeOrDefault(batchSize)
	n, per := ex.Len(), prod(ex.Shape())
	x, y := make([]float32, min(bs, n)*per), make([]int32, min(bs, n))
	idx := make([]int, min(bs, n))
	for _, r := range m.bnRecal {
		sum := make([]float64, r.channels)
		sumSq := make([]float64, r.channels)
		for lo := 0; lo < n; lo += bs {
			k := min(bs, n-lo)
			for i := 0; i < k; i++ {
				idx[i] = lo + i
			}
			ex.Gather(idx[:k], x[:k*per], y[:k])
			xt, err := tfgraph.NewFloat32(x[:k*per], m.batchShape(k)...)
			if err != nil {
				return err
			}
			out, err := m.sess.Run(map[tf.Output]*tf.Tensor{m.X: xt}, []tf.Output{r.mean, r.meanSq}, nil)
			tfgraph.FreeTensors(xt)
			if err != nil {
				return fmt.Errorf("builders: batch-norm recalibration: %s: %w", r.layer, err)
			}
			mu, err1 := tfgraph.Float32s(out[0])
			sq, err2 := tfgraph.Float32s(out[1])
			tfgraph.FreeTensors(out...)
			if err := cmp.Or(err1, err2); err != nil {
				return err
			}
			for c := range sum {
				sum[c] += float64(mu[c]) * float64(k)
				sumSq[c] += float64(sq[c]) * float64(k)
			}
		}
		mean := make([]float32, r.channels)
		variance := make([]float32, r.channels)
		for c := range sum {
			mu := sum[c] / float64(n)
			mean[c] = float32(mu)
			variance[c] = float32(math.Max(0, sumSq[c]/float64(n)-mu*mu))
		}
		mt, err := tfgraph.NewFloat32(mean, int64(r.channels))
		if err != nil {
			return err
		}
		vt, err := tfgraph.NewFloat32(variance, int64(r.channels))
		if err != nil {
			tfgraph.FreeTensors(mt)
			return err
		}
		_, err = m.sess.Run(map[tf.Output]*tf.Tensor{r.newMean: mt, r.newVar: vt}, nil, r.assign)
		tfgraph.FreeTensors(mt, vt)
		if err != nil {
			return fmt.Errorf("builders: batch-norm recalibration: %s: %w", r.layer, err)
		}
	}
	return nil
}

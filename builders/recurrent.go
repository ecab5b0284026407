package builders

import (
	"fmt"
	"math/rand/v2"
	"slices"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// LSTM is keras.layers.LSTM (Keras 3 defaults: tanh activation, sigmoid
// recurrent activation, unit_forget_bias, zero initial state) on inputs
// (batch, steps, d). Weights, named as Keras 3 names them:
// "<name>/lstm_cell/kernel" (d, 4u) glorot_uniform, "recurrent_kernel"
// (u, 4u) orthogonal, "bias" (4u) zeros with ones for the forget gate. Gate
// order i, f, c, o; per step z = x_t·W + h·U + b, c = σ(f)·c + σ(i)·tanh(g),
// h = σ(o)·tanh(c).
//
// The layer is unrolled statically over the window length: the graph holds
// one cell per time step (the steps are known when the graph is built), so
// every op has a C++ gradient and no while loop is needed.
//
// Dropout is Keras 3's input dropout (LSTM(dropout=...)): in training
// passes one mask of shape (batch, d), drawn once per call, multiplies the
// input of every time step (keep probability 1 − Dropout, kept values scaled
// by 1/(1 − Dropout)); inference passes use no mask. RecurrentDropout masks
// the previous output h before its product with the recurrent kernel, one
// (batch, u) mask per gate drawn once per call; with it on, Keras switches
// to one input mask per gate too, and so does tfnids.
type LSTM struct {
	Units                int
	ReturnSequences      bool
	Dropout              float64
	RecurrentDropout     float64
	KernelRegularizer    *Regularizer
	RecurrentRegularizer *Regularizer
	BiasRegularizer      *Regularizer

	// backwards reads the steps last to first and returns the sequence in
	// time order (Bidirectional's backward layer).
	backwards bool
}

// Kind implements Layer.
func (LSTM) Kind() string { return "lstm" }

// Type implements Layer.
func (LSTM) Type() string { return "LSTM" }

// OutputShape implements Layer.
func (l LSTM) OutputShape(in []int) ([]int, error) {
	return recurrentShape("LSTM", l.Units, l.Dropout, l.RecurrentDropout, l.ReturnSequences, in,
		l.KernelRegularizer, l.RecurrentRegularizer, l.BiasRegularizer)
}

// Params implements Layer.
func (l LSTM) Params(in []int) (int64, int64) {
	d, u := int64(in[len(in)-1]), int64(l.Units)
	return 4 * (d*u + u*u + u), 0
}

func recurrentShape(kind string, units int, dropout, recDropout float64, seq bool, in []int, regs ...*Regularizer) ([]int, error) {
	if units < 1 {
		return nil, fmt.Errorf("%s units must be >= 1 (got %d)", kind, units)
	}
	if dropout < 0 || dropout >= 1 || recDropout < 0 || recDropout >= 1 {
		return nil, fmt.Errorf("%s dropout and recurrent_dropout must be in [0, 1) (got %g, %g)", kind, dropout, recDropout)
	}
	for _, r := range regs {
		if err := r.check(); err != nil {
			return nil, err
		}
	}
	if len(in) == 1 {
		return nil, fmt.Errorf("%s reads windows (batch, steps, features), but gets single rows (None, %d): give the model a window length (spec window, --seq-len)", kind, in[0])
	}
	if err := checkRank(in, 2, kind+" (inputs are (batch, steps, features))"); err != nil {
		return nil, err
	}
	if seq {
		return []int{in[0], units}, nil
	}
	return []int{units}, nil
}

// unitForgetBias is the LSTM bias initializer with unit_forget_bias: zeros,
// ones for the forget gate's u entries.
func unitForgetBias(units int) tfgraph.Initializer {
	return func(_ *rand.Rand, shape []int64) []float32 {
		b := make([]float32, 4*units)
		for i := units; i < 2*units; i++ {
			b[i] = 1
		}
		return b
	}
}

// cellInputs is what a recurrent layer feeds its cells: the step inputs in
// processing order, and the dropout masks of a training pass.
type cellInputs struct {
	xs []tf.Output
	// inMasks multiply the step inputs: none, one shared by every gate, or
	// one per gate (when recurrent dropout is on, as Keras' implementation 1).
	inMasks []tf.Output
	// recMasks multiply h before the recurrent product, one per gate.
	recMasks []tf.Output
}

// stepInputs unpacks (batch, steps, d) into steps tensors (batch, d) and
// draws the dropout masks of a training pass (recurrent masks are drawn from
// the first output, see recurrentMasks).
func stepInputs(p *tfgraph.Pass, s *op.Scope, name string, x tf.Output, steps int, dropout, recDropout float64, gates int, backwards bool) cellInputs {
	xs := op.Unpack(s.SubScope("Unpack"), x, int64(steps), op.UnpackAxis(1))
	if backwards {
		slices.Reverse(xs)
	}
	ci := cellInputs{xs: xs}
	if len(xs) != steps || !p.Training || dropout == 0 {
		return ci
	}
	n := 1
	if recDropout > 0 {
		n = gates
	}
	shape := op.Shape(s.SubScope("Shape"), xs[0])
	for g := 0; g < n; g++ {
		ms := s.SubScope("input_dropout")
		seedName := name
		if g > 0 {
			seedName = fmt.Sprintf("%s/gate_%d", name, g)
		}
		ci.inMasks = append(ci.inMasks, keepMask(p, ms, seedName, shape, dropout, float32(1/(1-dropout))))
	}
	return ci
}

// recurrentMasks draws the per-gate recurrent dropout masks for h.
func (ci *cellInputs) recurrentMasks(p *tfgraph.Pass, s *op.Scope, name string, h tf.Output, rate float64, gates int) {
	if ci.recMasks != nil || !p.Training || rate == 0 {
		return
	}
	shape := op.Shape(s.SubScope("Shape"), h)
	for g := 0; g < gates; g++ {
		ci.recMasks = append(ci.recMasks, keepMask(p, s.SubScope("recurrent_dropout"), fmt.Sprintf("%s/recurrent_gate_%d", name, g), shape, rate, float32(1/(1-rate))))
	}
}

// gateProduct is v·w with v masked per gate: one MatMul when masks share
// (or there are none), else one product per gate block of w, concatenated.
func gateProduct(s *op.Scope, v, w tf.Output, masks []tf.Output, gates int) tf.Output {
	switch len(masks) {
	case 0:
		return op.MatMul(s.SubScope("MatMul"), v, w)
	case 1:
		return op.MatMul(s.SubScope("MatMul"), op.Mul(s.SubScope("dropout"), v, masks[0]), w)
	}
	blocks := op.Split(s.SubScope("Split"), op.Const(s.SubScope("axis"), int32(1)), w, int64(gates))
	outs := make([]tf.Output, len(blocks))
	for g := range blocks {
		outs[g] = op.MatMul(s.SubScope("MatMul"), op.Mul(s.SubScope("dropout"), v, masks[g]), blocks[g])
	}
	return op.ConcatV2(s.SubScope("concat"), outs, op.Const(s.SubScope("concat_axis"), int32(1)))
}

// outputs returns the last output, or the sequence in time order.
func outputs(s *op.Scope, hs []tf.Output, seq, backwards bool) tf.Output {
	if !seq {
		return hs[len(hs)-1]
	}
	if backwards {
		slices.Reverse(hs)
	}
	return op.Pack(s.SubScope("Pack"), hs, op.PackAxis(1))
}

func valid(o tf.Output) bool { return o.Op != nil }

// Apply implements Layer.
func (l LSTM) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(l, p, name, in)
	if !ok {
		return tf.Output{}
	}
	steps, d, u := in[0], in[1], l.Units
	cell := name + "/lstm_cell"
	w := p.Var(cell, "kernel", i64s(d, 4*u), tfgraph.GlorotUniform, true)
	rw := p.Var(cell, "recurrent_kernel", i64s(u, 4*u), tfgraph.Orthogonal, true)
	b := p.Var(cell, "bias", i64s(4*u), unitForgetBias(u), true)
	l.KernelRegularizer.penalize(p, s.SubScope("kernel"), w, 2)
	l.RecurrentRegularizer.penalize(p, s.SubScope("recurrent_kernel"), rw, 2)
	l.BiasRegularizer.penalize(p, s.SubScope("bias"), b, 1)

	ci := stepInputs(p, s, name, x, steps, l.Dropout, l.RecurrentDropout, 4, l.backwards)
	if p.B.Err() != nil {
		return tf.Output{}
	}
	axis := op.Const(s.SubScope("split_axis"), int32(1))
	var h, c tf.Output // zero initial state: the h·U and f·c terms vanish at t = 0
	hs := make([]tf.Output, 0, steps)
	for t := 0; t < steps; t++ {
		st := s.SubScope(fmt.Sprintf("step_%d", t))
		z := gateProduct(st, ci.xs[t], w, ci.inMasks, 4)
		if valid(h) {
			ci.recurrentMasks(p, s, name, h, l.RecurrentDropout, 4)
			z = op.AddV2(st.SubScope("AddV2"), z, gateProduct(st, h, rw, ci.recMasks, 4))
		}
		z = op.AddV2(st.SubScope("BiasAdd"), z, b)
		g := op.Split(st.SubScope("Split"), axis, z, 4)
		if len(g) != 4 {
			return tf.Output{}
		}
		i := op.Sigmoid(st.SubScope("input_gate"), g[0])
		f := op.Sigmoid(st.SubScope("forget_gate"), g[1])
		cand := op.Tanh(st.SubScope("candidate"), g[2])
		o := op.Sigmoid(st.SubScope("output_gate"), g[3])
		ig := op.Mul(st.SubScope("Mul"), i, cand)
		if valid(c) {
			c = op.AddV2(st.SubScope("carry"), op.Mul(st.SubScope("Mul"), f, c), ig)
		} else {
			c = ig
		}
		h = op.Mul(st.SubScope("output"), o, op.Tanh(st.SubScope("Tanh"), c))
		hs = append(hs, h)
	}
	return outputs(s, hs, l.ReturnSequences, l.backwards)
}

// GRU is keras.layers.GRU (tanh activation, sigmoid recurrent activation,
// zero initial state) on inputs (batch, steps, d). Weights:
// "<name>/gru_cell/kernel" (d, 3u) glorot_uniform, "recurrent_kernel"
// (u, 3u) orthogonal, "bias" zeros. Gate order z, r, h.
//
// With Keras' default reset_after=True the bias is (2, 3u) (row 0 input
// bias, row 1 recurrent bias) and per step mx = x_t·W + b₀, mi = h·U + b₁,
// z = σ(mx_z + mi_z), r = σ(mx_r + mi_r), ĥ = tanh(mx_h + r·mi_h), h = z·h +
// (1 − z)·ĥ. With ResetBefore (reset_after=False) the bias is (3u), mx =
// x_t·W + b, z and r from mx + h·U[:, :2u], and ĥ = tanh(mx_h + (r·h)·U[:,
// 2u:]).
//
// Like LSTM, the layer is unrolled statically over the window length (one
// cell per time step in the graph), and the dropouts are Keras 3's.
type GRU struct {
	Units                int
	ReturnSequences      bool
	Dropout              float64
	RecurrentDropout     float64
	KernelRegularizer    *Regularizer
	RecurrentRegularizer *Regularizer
	BiasRegularizer      *Regularizer
	// ResetBefore is Keras' reset_after=False (the zero value keeps Keras'
	// default, reset_after=True).
	ResetBefore bool

	backwards bool
}

// Kind implements Layer.
func (GRU) Kind() string { return "gru" }

// Type implements Layer.
func (GRU) Type() string { return "GRU" }

// OutputShape implements Layer.
func (g GRU) OutputShape(in []int) ([]int, error) {
	return recurrentShape("GRU", g.Units, g.Dropout, g.RecurrentDropout, g.ReturnSequences, in,
		g.KernelRegularizer, g.RecurrentRegularizer, g.BiasRegularizer)
}

// Params implements Layer.
func (g GRU) Params(in []int) (int64, int64) {
	d, u := int64(in[len(in)-1]), int64(g.Units)
	if g.ResetBefore {
		return 3 * (d*u + u*u + u), 0
	}
	return 3 * (d*u + u*u + 2*u), 0
}

// Apply implements Layer.
func (g GRU) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(g, p, name, in)
	if !ok {
		return tf.Output{}
	}
	steps, d, u := in[0], in[1], g.Units
	cell := name + "/gru_cell"
	w := p.Var(cell, "kernel", i64s(d, 3*u), tfgraph.GlorotUniform, true)
	rw := p.Var(cell, "recurrent_kernel", i64s(u, 3*u), tfgraph.Orthogonal, true)
	biasShape, biasRank := i64s(2, 3*u), 2
	if g.ResetBefore {
		biasShape, biasRank = i64s(3*u), 1
	}
	b := p.Var(cell, "bias", biasShape, tfgraph.Zeros, true)
	g.KernelRegularizer.penalize(p, s.SubScope("kernel"), w, 2)
	g.RecurrentRegularizer.penalize(p, s.SubScope("recurrent_kernel"), rw, 2)
	g.BiasRegularizer.penalize(p, s.SubScope("bias"), b, biasRank)

	ci := stepInputs(p, s, name, x, steps, g.Dropout, g.RecurrentDropout, 3, g.backwards)
	if p.B.Err() != nil {
		return tf.Output{}
	}
	if g.ResetBefore {
		return g.resetBefore(p, s, name, ci, w, rw, b, steps)
	}
	biases := op.Unpack(s.SubScope("Unpack"), b, 2, op.UnpackAxis(0))
	if p.B.Err() != nil || len(biases) != 2 {
		return tf.Output{}
	}
	inBias, recBias := biases[0], biases[1]
	axis1 := op.Const(s.SubScope("split_axis"), int32(1))
	axis0 := op.Const(s.SubScope("split_axis"), int32(0))
	one := op.Const(s.SubScope("one"), float32(1))
	var h tf.Output
	hs := make([]tf.Output, 0, steps)
	for t := 0; t < steps; t++ {
		st := s.SubScope(fmt.Sprintf("step_%d", t))
		mx := op.AddV2(st.SubScope("input_bias"), gateProduct(st, ci.xs[t], w, ci.inMasks, 3), inBias)
		xz := op.Split(st.SubScope("Split"), axis1, mx, 3)
		var rz []tf.Output
		if valid(h) {
			ci.recurrentMasks(p, s, name, h, g.RecurrentDropout, 3)
			mi := op.AddV2(st.SubScope("recurrent_bias"), gateProduct(st, h, rw, ci.recMasks, 3), recBias)
			rz = op.Split(st.SubScope("Split"), axis1, mi, 3)
		} else { // zero initial state: h·U vanishes, the recurrent bias remains
			rz = op.Split(st.SubScope("Split"), axis0, recBias, 3)
		}
		if len(xz) != 3 || len(rz) != 3 {
			return tf.Output{}
		}
		z := op.Sigmoid(st.SubScope("update_gate"), op.AddV2(st.SubScope("AddV2"), xz[0], rz[0]))
		r := op.Sigmoid(st.SubScope("reset_gate"), op.AddV2(st.SubScope("AddV2"), xz[1], rz[1]))
		hh := op.Tanh(st.SubScope("candidate"), op.AddV2(st.SubScope("AddV2"), xz[2], op.Mul(st.SubScope("Mul"), r, rz[2])))
		h = gruOutput(st, one, z, hh, h)
		hs = append(hs, h)
	}
	return outputs(s, hs, g.ReturnSequences, g.backwards)
}

// resetBefore is the reset_after=False cell (Keras' implementation 2 math).
func (g GRU) resetBefore(p *tfgraph.Pass, s *op.Scope, name string, ci cellInputs, w, rw, b tf.Output, steps int) tf.Output {
	u := g.Units
	axis1 := op.Const(s.SubScope("split_axis"), int32(1))
	one := op.Const(s.SubScope("one"), float32(1))
	// U[:, :2u] and U[:, 2u:]
	rwParts := op.SplitV(s.SubScope("SplitV"), rw, op.Const(s.SubScope("sizes"), []int32{int32(2 * u), int32(u)}), axis1, 2)
	if len(rwParts) != 2 {
		return tf.Output{}
	}
	var h tf.Output
	hs := make([]tf.Output, 0, steps)
	for t := 0; t < steps; t++ {
		st := s.SubScope(fmt.Sprintf("step_%d", t))
		mx := op.AddV2(st.SubScope("input_bias"), gateProduct(st, ci.xs[t], w, ci.inMasks, 3), b)
		xg := op.Split(st.SubScope("Split"), axis1, mx, 3)
		if len(xg) != 3 {
			return tf.Output{}
		}
		zin, rin, hin := xg[0], xg[1], xg[2]
		if valid(h) {
			ci.recurrentMasks(p, s, name, h, g.RecurrentDropout, 3)
			var zrMasks, hMasks []tf.Output
			if len(ci.recMasks) == 3 {
				zrMasks, hMasks = ci.recMasks[:2], ci.recMasks[2:]
			}
			zr := op.Split(st.SubScope("Split"), axis1, gateProduct(st, h, rwParts[0], zrMasks, 2), 2)
			if len(zr) != 2 {
				return tf.Output{}
			}
			zin = op.AddV2(st.SubScope("AddV2"), zin, zr[0])
			rin = op.AddV2(st.SubScope("AddV2"), rin, zr[1])
			r := op.Sigmoid(st.SubScope("reset_gate"), rin)
			hin = op.AddV2(st.SubScope("AddV2"), hin, gateProduct(st, op.Mul(st.SubScope("Mul"), r, h), rwParts[1], hMasks, 1))
		}
		z := op.Sigmoid(st.SubScope("update_gate"), zin)
		hh := op.Tanh(st.SubScope("candidate"), hin)
		h = gruOutput(st, one, z, hh, h)
		hs = append(hs, h)
	}
	return outputs(s, hs, g.ReturnSequences, g.backwards)
}

// gruOutput is both GRU cells' new state z·h + (1−z)·ĥ; at the first step
// (zero state, h not yet built) only (1−z)·ĥ remains.
func gruOutput(st *op.Scope, one, z, candidate, h tf.Output) tf.Output {
	keep := op.Mul(st.SubScope("Mul"), op.Sub(st.SubScope("Sub"), one, z), candidate)
	if !valid(h) {
		return keep
	}
	return op.AddV2(st.SubScope("output"), op.Mul(st.SubScope("Mul"), z, h), keep)
}

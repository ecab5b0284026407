package builders

import (
	"fmt"
	"math/rand/v2"

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
// by 1/(1 − Dropout)); inference passes use no mask.
type LSTM struct {
	Units                int
	ReturnSequences      bool
	Dropout              float64
	KernelRegularizer    *Regularizer
	RecurrentRegularizer *Regularizer
	BiasRegularizer      *Regularizer
}

// Kind implements Layer.
func (LSTM) Kind() string { return "lstm" }

// Type implements Layer.
func (LSTM) Type() string { return "LSTM" }

// OutputShape implements Layer.
func (l LSTM) OutputShape(in []int) ([]int, error) {
	return recurrentShape("LSTM", l.Units, l.Dropout, l.ReturnSequences, in,
		l.KernelRegularizer, l.RecurrentRegularizer, l.BiasRegularizer)
}

// Params implements Layer.
func (l LSTM) Params(in []int) (int64, int64) {
	d, u := int64(in[len(in)-1]), int64(l.Units)
	return 4 * (d*u + u*u + u), 0
}

func recurrentShape(kind string, units int, dropout float64, seq bool, in []int, regs ...*Regularizer) ([]int, error) {
	if units < 1 {
		return nil, fmt.Errorf("%s units must be >= 1 (got %d)", kind, units)
	}
	if dropout < 0 || dropout >= 1 {
		return nil, fmt.Errorf("%s dropout must be in [0, 1) (got %g)", kind, dropout)
	}
	for _, r := range regs {
		if err := r.check(); err != nil {
			return nil, err
		}
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

// stepInputs unpacks (batch, steps, d) into steps tensors (batch, d) and
// applies the input-dropout mask in training passes.
func stepInputs(p *tfgraph.Pass, s *op.Scope, name string, x tf.Output, steps int, dropout float64) []tf.Output {
	xs := op.Unpack(s.SubScope("Unpack"), x, int64(steps), op.UnpackAxis(1))
	if len(xs) != steps || !p.Training || dropout == 0 {
		return xs
	}
	mask := keepMask(p, s.SubScope("input_dropout"), name, op.Shape(s.SubScope("Shape"), xs[0]), dropout, float32(1/(1-dropout)))
	for t := range xs {
		xs[t] = op.Mul(s.SubScope("dropout"), xs[t], mask)
	}
	return xs
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

	xs := stepInputs(p, s, name, x, steps, l.Dropout)
	if p.B.Err() != nil {
		return tf.Output{}
	}
	axis := op.Const(s.SubScope("split_axis"), int32(1))
	var h, c tf.Output // zero initial state: the h·U and f·c terms vanish at t = 0
	hs := make([]tf.Output, 0, steps)
	for t := 0; t < steps; t++ {
		st := s.SubScope(fmt.Sprintf("step_%d", t))
		z := op.MatMul(st.SubScope("MatMul"), xs[t], w)
		if valid(h) {
			z = op.AddV2(st.SubScope("AddV2"), z, op.MatMul(st.SubScope("MatMul"), h, rw))
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
	if l.ReturnSequences {
		return op.Pack(s.SubScope("Pack"), hs, op.PackAxis(1))
	}
	return h
}

// GRU is keras.layers.GRU with Keras' default reset_after=True (tanh
// activation, sigmoid recurrent activation, zero initial state) on inputs
// (batch, steps, d). Weights: "<name>/gru_cell/kernel" (d, 3u)
// glorot_uniform, "recurrent_kernel" (u, 3u) orthogonal, "bias" (2, 3u)
// zeros (row 0 input bias, row 1 recurrent bias). Gate order z, r, h; per
// step mx = x_t·W + b₀, mi = h·U + b₁, z = σ(mx_z + mi_z), r = σ(mx_r +
// mi_r), ĥ = tanh(mx_h + r·mi_h), h = z·h + (1 − z)·ĥ.
//
// Like LSTM, the layer is unrolled statically over the window length (one
// cell per time step in the graph), and Dropout is Keras 3's input dropout:
// one (batch, d) mask per call, shared by every step, training passes only.
type GRU struct {
	Units                int
	ReturnSequences      bool
	Dropout              float64
	KernelRegularizer    *Regularizer
	RecurrentRegularizer *Regularizer
	BiasRegularizer      *Regularizer
}

// Kind implements Layer.
func (GRU) Kind() string { return "gru" }

// Type implements Layer.
func (GRU) Type() string { return "GRU" }

// OutputShape implements Layer.
func (g GRU) OutputShape(in []int) ([]int, error) {
	return recurrentShape("GRU", g.Units, g.Dropout, g.ReturnSequences, in,
		g.KernelRegularizer, g.RecurrentRegularizer, g.BiasRegularizer)
}

// Params implements Layer.
func (g GRU) Params(in []int) (int64, int64) {
	d, u := int64(in[len(in)-1]), int64(g.Units)
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
	b := p.Var(cell, "bias", i64s(2, 3*u), tfgraph.Zeros, true)
	g.KernelRegularizer.penalize(p, s.SubScope("kernel"), w, 2)
	g.RecurrentRegularizer.penalize(p, s.SubScope("recurrent_kernel"), rw, 2)
	g.BiasRegularizer.penalize(p, s.SubScope("bias"), b, 2)

	xs := stepInputs(p, s, name, x, steps, g.Dropout)
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
		mx := op.AddV2(st.SubScope("input_bias"), op.MatMul(st.SubScope("MatMul"), xs[t], w), inBias)
		xz := op.Split(st.SubScope("Split"), axis1, mx, 3)
		var rz []tf.Output
		if valid(h) {
			mi := op.AddV2(st.SubScope("recurrent_bias"), op.MatMul(st.SubScope("MatMul"), h, rw), recBias)
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
		keep := op.Mul(st.SubScope("Mul"), op.Sub(st.SubScope("Sub"), one, z), hh)
		if valid(h) {
			h = op.AddV2(st.SubScope("output"), op.Mul(st.SubScope("Mul"), z, h), keep)
		} else {
			h = keep
		}
		hs = append(hs, h)
	}
	if g.ReturnSequences {
		return op.Pack(s.SubScope("Pack"), hs, op.PackAxis(1))
	}
	return h
}

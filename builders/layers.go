package builders

import (
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// Layer is one Keras-style layer. Shapes exclude the batch dimension.
type Layer interface {
	// Kind is Keras' automatic-name prefix ("dense", "conv1d"); the n-th
	// layer of a kind in a model is named kind, kind_1, kind_2, ...
	Kind() string
	// Type is the Keras class name shown in summaries ("Dense").
	Type() string
	// OutputShape returns the output shape for an input shape, or an error
	// when the layer cannot take that input.
	OutputShape(in []int) ([]int, error)
	// Params returns the trainable and non-trainable parameter counts for an
	// input shape, as Keras' count_params.
	Params(in []int) (trainable, nonTrainable int64)
	// Apply adds the layer to pass p under the layer name name; x has the
	// (per-example) shape in. Variables are "<name>/<weight>" and shared by
	// every pass. Errors are recorded on p.B.
	Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output
}

// Regularizer is Keras' L1L2 weight penalty, L1·Σ|w| + L2·Σw², added to
// the loss of every pass that applies the layer (Pass.Penalties), as Keras
// adds layer losses to the training loss and to evaluate()'s loss.
type Regularizer struct {
	L1, L2 float64
}

// L1 returns keras.regularizers.l1(v).
func L1(v float64) *Regularizer { return &Regularizer{L1: v} }

// L2 returns keras.regularizers.l2(v).
func L2(v float64) *Regularizer { return &Regularizer{L2: v} }

// penalize appends the penalty of w (rank rank) to p's penalties.
func (r *Regularizer) penalize(p *tfgraph.Pass, s *op.Scope, w tf.Output, rank int) {
	if r == nil || (r.L1 == 0 && r.L2 == 0) {
		return
	}
	s = s.SubScope("regularizer")
	axes := make([]int32, rank)
	for i := range axes {
		axes[i] = int32(i)
	}
	var terms []tf.Output
	if r.L1 != 0 {
		sum := op.Sum(s.SubScope("l1_sum"), op.Abs(s.SubScope("Abs"), w), op.Const(s.SubScope("axes"), axes))
		terms = append(terms, op.Mul(s.SubScope("l1"), op.Const(s.SubScope("l1_rate"), float32(r.L1)), sum))
	}
	if r.L2 != 0 {
		sum := op.Sum(s.SubScope("l2_sum"), op.Square(s.SubScope("Square"), w), op.Const(s.SubScope("axes"), axes))
		terms = append(terms, op.Mul(s.SubScope("l2"), op.Const(s.SubScope("l2_rate"), float32(r.L2)), sum))
	}
	pen := terms[0]
	if len(terms) == 2 {
		pen = op.AddV2(s.SubScope("l1l2"), terms[0], terms[1])
	}
	p.Penalties = append(p.Penalties, pen)
}

func (r *Regularizer) check() error {
	if r != nil && (r.L1 < 0 || r.L2 < 0) {
		return fmt.Errorf("regularizer rates must be >= 0 (got l1 %g, l2 %g)", r.L1, r.L2)
	}
	return nil
}

// fail records a layer error on the pass's builder.
func fail(p *tfgraph.Pass, name string, err error) tf.Output {
	p.B.Fail(fmt.Errorf("layer %s: %w", name, err))
	return tf.Output{}
}

// prepare checks the builder state and the input shape, returning the layer's
// own scope, or ok=false when the layer must not add anything.
func prepare(l Layer, p *tfgraph.Pass, name string, in []int) (*op.Scope, bool) {
	if p.B.Err() != nil {
		return nil, false
	}
	if _, err := l.OutputShape(in); err != nil {
		fail(p, name, err)
		return nil, false
	}
	return p.Scope.SubScope(name), true
}

func i64s(v ...int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func prod(v []int) int {
	n := 1
	for _, d := range v {
		n *= d
	}
	return n
}

func checkRank(in []int, rank int, what string) error {
	if len(in) != rank {
		want := "(None, features)"
		if rank == 2 {
			want = "(None, steps, channels)"
		}
		return fmt.Errorf("%s takes inputs %s, not %s", what, want, ShapeString(in))
	}
	for _, d := range in {
		if d < 1 {
			return fmt.Errorf("%s: input shape %v has a dimension < 1", what, in)
		}
	}
	return nil
}

// Dense is keras.layers.Dense: y = act(x·kernel + bias) on the last axis,
// kernel (d, units) glorot_uniform, bias zeros. Inputs of higher rank
// (batch, ..., d) are multiplied on their last axis, as Keras' tensordot.
// The bias is a BiasAdd (not an AddV2, as Keras writes it): the same sum,
// but Grappler's remapper fuses MatMul → BiasAdd → Relu into one oneDNN
// kernel only in that form, and its gradient is one BiasAddGrad.
type Dense struct {
	Units             int
	Activation        Activation
	KernelRegularizer *Regularizer
	BiasRegularizer   *Regularizer
}

// Kind implements Layer.
func (Dense) Kind() string { return "dense" }

// Type implements Layer.
func (Dense) Type() string { return "Dense" }

// OutputShape implements Layer.
func (d Dense) OutputShape(in []int) ([]int, error) {
	if d.Units < 1 {
		return nil, fmt.Errorf("Dense units must be >= 1 (got %d)", d.Units)
	}
	if err := d.Activation.check(); err != nil {
		return nil, err
	}
	if err := d.KernelRegularizer.check(); err != nil {
		return nil, err
	}
	if err := d.BiasRegularizer.check(); err != nil {
		return nil, err
	}
	if len(in) < 1 {
		return nil, fmt.Errorf("Dense takes inputs (None, ..., features), not %s", ShapeString(in))
	}
	return append(append([]int(nil), in[:len(in)-1]...), d.Units), nil
}

// Params implements Layer.
func (d Dense) Params(in []int) (int64, int64) {
	return int64(in[len(in)-1])*int64(d.Units) + int64(d.Units), 0
}

// Apply implements Layer.
func (d Dense) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	_, y := d.apply(p, name, x, in)
	return y
}

// apply returns the pre-activation (logits) and the output.
func (d Dense) apply(p *tfgraph.Pass, name string, x tf.Output, in []int) (z, y tf.Output) {
	s, ok := prepare(d, p, name, in)
	if !ok {
		return tf.Output{}, tf.Output{}
	}
	last := in[len(in)-1]
	k := p.Var(name, "kernel", i64s(last, d.Units), tfgraph.GlorotUniform, true)
	b := p.Var(name, "bias", i64s(d.Units), tfgraph.Zeros, true)
	d.KernelRegularizer.penalize(p, s.SubScope("kernel"), k, 2)
	d.BiasRegularizer.penalize(p, s.SubScope("bias"), b, 1)
	if len(in) == 1 {
		z = op.BiasAdd(s.SubScope("BiasAdd"), op.MatMul(s.SubScope("MatMul"), x, k), b)
		return z, d.Activation.apply(s, z)
	}
	out := []int32{-1}
	for _, v := range in[:len(in)-1] {
		out = append(out, int32(v))
	}
	out = append(out, int32(d.Units))
	flat := op.Reshape(s.SubScope("Reshape"), x, op.Const(s.SubScope("rows"), []int32{-1, int32(last)}))
	z = op.BiasAdd(s.SubScope("BiasAdd"), op.MatMul(s.SubScope("MatMul"), flat, k), b)
	z = op.Reshape(s.SubScope("Reshape"), z, op.Const(s.SubScope("out_shape"), out))
	return z, d.Activation.apply(s, z)
}

// Padding values of Conv1D and MaxPooling1D.
const (
	Valid = "valid"
	Same  = "same"
)

func paddedLength(l, k, stride int, padding string) (int, error) {
	switch padding {
	case "", Valid:
		if l < k {
			return 0, fmt.Errorf("input length %d is shorter than the window %d (padding valid)", l, k)
		}
		return (l-k)/stride + 1, nil
	case Same:
		return (l + stride - 1) / stride, nil
	}
	return 0, fmt.Errorf("padding %q: want valid or same", padding)
}

func tfPadding(p string) string {
	if p == Same {
		return "SAME"
	}
	return "VALID"
}

// Conv1D is keras.layers.Conv1D (channels last): kernel (size, channels,
// filters) glorot_uniform, bias zeros. With dilation 1 it is built as
// ExpandDims → Conv2D (filter height 1) → Squeeze, as tf.nn.conv1d does.
// Conv2D's C++ gradient ignores dilations, so a dilated Conv1D (Keras allows
// dilation only with stride 1) is built from its definition instead: the
// input (padded for "same" as TensorFlow pads) is sliced once per kernel
// tap, the slices are concatenated on the channel axis and multiplied by
// the kernel reshaped to (size·channels, filters).
type Conv1D struct {
	Filters, KernelSize int
	Strides             int    // default 1
	Padding             string // Valid (default) or Same
	DilationRate        int    // default 1
	Activation          Activation
	KernelRegularizer   *Regularizer
	BiasRegularizer     *Regularizer
}

// Kind implements Layer.
func (Conv1D) Kind() string { return "conv1d" }

// Type implements Layer.
func (Conv1D) Type() string { return "Conv1D" }

func (c Conv1D) stride() int   { return max(c.Strides, 1) }
func (c Conv1D) dilation() int { return max(c.DilationRate, 1) }

// OutputShape implements Layer.
func (c Conv1D) OutputShape(in []int) ([]int, error) {
	if c.Filters < 1 || c.KernelSize < 1 || c.Strides < 0 || c.DilationRate < 0 {
		return nil, fmt.Errorf("Conv1D needs filters >= 1, kernel size >= 1, strides and dilation >= 1 (got %d, %d, %d, %d)", c.Filters, c.KernelSize, c.Strides, c.DilationRate)
	}
	if c.dilation() > 1 && c.stride() > 1 {
		return nil, fmt.Errorf("Conv1D: strides > 1 with dilation_rate > 1 is not supported (as in Keras)")
	}
	if err := c.Activation.check(); err != nil {
		return nil, err
	}
	if err := c.KernelRegularizer.check(); err != nil {
		return nil, err
	}
	if err := c.BiasRegularizer.check(); err != nil {
		return nil, err
	}
	if err := checkRank(in, 2, "Conv1D"); err != nil {
		return nil, err
	}
	span := c.dilation()*(c.KernelSize-1) + 1
	l, err := paddedLength(in[0], span, c.stride(), c.Padding)
	if err != nil {
		return nil, fmt.Errorf("Conv1D: %w", err)
	}
	return []int{l, c.Filters}, nil
}

// Params implements Layer.
func (c Conv1D) Params(in []int) (int64, int64) {
	return int64(c.KernelSize)*int64(in[1])*int64(c.Filters) + int64(c.Filters), 0
}

// Apply implements Layer.
func (c Conv1D) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(c, p, name, in)
	if !ok {
		return tf.Output{}
	}
	k := p.Var(name, "kernel", i64s(c.KernelSize, in[1], c.Filters), tfgraph.GlorotUniform, true)
	b := p.Var(name, "bias", i64s(c.Filters), tfgraph.Zeros, true)
	c.KernelRegularizer.penalize(p, s.SubScope("kernel"), k, 3)
	c.BiasRegularizer.penalize(p, s.SubScope("bias"), b, 1)
	if c.dilation() > 1 {
		return c.Activation.apply(s, op.BiasAdd(s.SubScope("BiasAdd"), c.dilated(s, x, k, in), b))
	}
	// Conv2D → BiasAdd → activation, with the Squeeze after them, is the
	// pattern Grappler's remapper fuses into one oneDNN kernel
	// (_FusedConv2D); the activations are elementwise or over the last axis,
	// so applying them before the Squeeze changes nothing.
	x4 := op.ExpandDims(s.SubScope("ExpandDims"), x, op.Const(s.SubScope("axis"), int32(1)))
	k4 := op.ExpandDims(s.SubScope("ExpandDims"), k, op.Const(s.SubScope("axis"), int32(0)))
	y := op.Conv2D(s.SubScope("Conv2D"), x4, k4, []int64{1, 1, int64(c.stride()), 1}, tfPadding(c.Padding))
	y = op.BiasAdd(s.SubScope("BiasAdd"), y, b)
	if c.Activation == LeakyRelu {
		// TensorFlow 2.18's remapper fuses Conv2D → BiasAdd → LeakyRelu but
		// loses the BiasAdd that LeakyReluGrad still reads, fails, and then
		// skips every fusion of the graph (logging "remapper failed"); the
		// Squeeze in between keeps that one pattern out of its reach.
		return c.Activation.apply(s, op.Squeeze(s.SubScope("Squeeze"), y, op.SqueezeAxis([]int64{1})))
	}
	return op.Squeeze(s.SubScope("Squeeze"), c.Activation.apply(s, y), op.SqueezeAxis([]int64{1}))
}

// dilated is the stride-1 dilated convolution from its definition.
func (c Conv1D) dilated(s *op.Scope, x, k tf.Output, in []int) tf.Output {
	d, size, ch := c.dilation(), c.KernelSize, in[1]
	out, _ := c.OutputShape(in)
	if c.Padding == Same {
		total := d * (size - 1)
		pad := op.Const(s.SubScope("paddings"), [][]int32{{0, 0}, {int32(total / 2), int32(total - total/2)}, {0, 0}})
		x = op.Pad(s.SubScope("Pad"), x, pad)
	}
	taps := make([]tf.Output, size)
	for j := range taps {
		ts := s.SubScope(fmt.Sprintf("tap_%d", j))
		taps[j] = op.Slice(ts.SubScope("Slice"), x,
			op.Const(ts.SubScope("begin"), []int32{0, int32(j * d), 0}),
			op.Const(ts.SubScope("size"), []int32{-1, int32(out[0]), int32(ch)}))
	}
	cat := taps[0]
	if len(taps) > 1 {
		cat = op.ConcatV2(s.SubScope("taps"), taps, op.Const(s.SubScope("axis"), int32(-1)))
	}
	flat := op.Reshape(s.SubScope("Reshape"), cat, op.Const(s.SubScope("rows"), []int32{-1, int32(size * ch)}))
	kf := op.Reshape(s.SubScope("kernel_2d"), k, op.Const(s.SubScope("kernel_shape"), []int32{int32(size * ch), int32(c.Filters)}))
	y := op.MatMul(s.SubScope("MatMul"), flat, kf)
	return op.Reshape(s.SubScope("Reshape"), y, op.Const(s.SubScope("out_shape"), []int32{-1, int32(out[0]), int32(c.Filters)}))
}

// BatchNormalization is keras.layers.BatchNormalization over the last axis.
// In a training pass it normalizes with the batch mean and biased variance
// (Keras' tf.nn.moments) and adds to Pass.Updates the moving-average assigns
// moving = moving·momentum + batch·(1 − momentum) of the biased statistics;
// in an inference pass it uses the moving statistics. The output is
// (x − mean)·rsqrt(var + epsilon)·gamma + beta, which Keras writes as
// x·inv + (beta − mean·inv): the same math, equal to rounding. Both passes
// are one FusedBatchNormV3 kernel (its gradient one FusedBatchNormGradV3)
// where Keras runs a dozen elementwise ops. gamma and beta are trainable;
// moving_mean (zeros) and moving_variance (ones) are not.
type BatchNormalization struct {
	Momentum float64 // default 0.99
	Epsilon  float64 // default 1e-3
}

// Kind implements Layer.
func (BatchNormalization) Kind() string { return "batch_normalization" }

// Type implements Layer.
func (BatchNormalization) Type() string { return "BatchNormalization" }

// OutputShape implements Layer.
func (n BatchNormalization) OutputShape(in []int) ([]int, error) {
	if len(in) < 1 {
		return nil, fmt.Errorf("BatchNormalization needs a feature axis (got shape %v)", in)
	}
	if n.Momentum < 0 || n.Momentum >= 1 || n.Epsilon < 0 {
		return nil, fmt.Errorf("BatchNormalization needs 0 <= momentum < 1 and epsilon >= 0 (got %g, %g)", n.Momentum, n.Epsilon)
	}
	return append([]int(nil), in...), nil
}

// Params implements Layer.
func (BatchNormalization) Params(in []int) (int64, int64) {
	c := int64(in[len(in)-1])
	return 2 * c, 2 * c
}

// Apply implements Layer.
func (n BatchNormalization) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(n, p, name, in)
	if !ok {
		return tf.Output{}
	}
	momentum, eps := n.Momentum, n.Epsilon
	if momentum == 0 {
		momentum = 0.99
	}
	if eps == 0 {
		eps = 1e-3
	}
	c := i64s(in[len(in)-1])
	gamma := p.Var(name, "gamma", c, tfgraph.Ones, true)
	beta := p.Var(name, "beta", c, tfgraph.Zeros, true)
	movingMean := p.Var(name, "moving_mean", c, tfgraph.Zeros, false)
	movingVar := p.Var(name, "moving_variance", c, tfgraph.Ones, false)

	// FusedBatchNormV3 runs the whole normalization (and, in training, the
	// batch moments and its gradient) as one kernel each way instead of
	// a dozen elementwise ops. It wants NHWC input: every axis but the
	// last folds into the batch axis, as the moments reduce over them.
	flat := op.Reshape(s.SubScope("Reshape"), x, op.Const(s.SubScope("nhwc"), []int32{-1, 1, 1, int32(c[0])}))
	eps32 := op.FusedBatchNormV3Epsilon(float32(eps))
	var y tf.Output
	if p.Training {
		empty := op.Const(s.SubScope("no_statistics"), []float32{})
		var mean, unbiased tf.Output
		y, mean, unbiased, _, _, _ = op.FusedBatchNormV3(s.SubScope("FusedBatchNormV3"), flat, gamma, beta, empty, empty,
			eps32, op.FusedBatchNormV3IsTraining(true))
		// The kernel normalizes with the biased batch variance, as Keras,
		// but returns it times n/(n−1) (Bessel's correction, for its own
		// moving averages); Keras averages the biased one, so undo it.
		variance := op.Mul(s.SubScope("biased_variance"), unbiased, besselInverse(s.SubScope("bessel"), flat))
		mom := op.Const(s.SubScope("momentum"), float32(momentum))
		rest := op.Const(s.SubScope("one_minus_momentum"), float32(1-momentum))
		for _, u := range []struct {
			name      string
			moving    tf.Output
			batch     tf.Output
			varHandle *tfgraph.Variable
		}{
			{"moving_mean", movingMean, mean, p.B.Variable(name + "/moving_mean")},
			{"moving_variance", movingVar, variance, p.B.Variable(name + "/moving_variance")},
		} {
			if u.varHandle == nil {
				continue // builder already failed
			}
			us := s.SubScope("update_" + u.name)
			nv := op.AddV2(us.SubScope("AddV2"), op.Mul(us.SubScope("Mul"), u.moving, mom), op.Mul(us.SubScope("Mul"), u.batch, rest))
			p.Updates = append(p.Updates, op.AssignVariableOp(us.SubScope("Assign"), u.varHandle.Handle, nv))
		}
	} else {
		p.Taps = append(p.Taps, tfgraph.Tap{Layer: name, Kind: batchNormInput, X: x})
		y, _, _, _, _, _ = op.FusedBatchNormV3(s.SubScope("FusedBatchNormV3"), flat, gamma, beta, movingMean, movingVar,
			eps32, op.FusedBatchNormV3IsTraining(false))
	}
	return op.Reshape(s.SubScope("Reshape"), y, op.Shape(s.SubScope("Shape"), x))
}

// besselInverse is (n−1)/n for the n rows a batch-norm kernel reduced over
// (x is (n, 1, 1, C)); 1 when n is 1, where the kernel applied no correction.
func besselInverse(s *op.Scope, x tf.Output) tf.Output {
	n := op.Cast(s.SubScope("n"), op.Slice(s.SubScope("rows"), op.Shape(s.SubScope("Shape"), x),
		op.Const(s.SubScope("begin"), []int32{0}), op.Const(s.SubScope("size"), []int32{1})), tf.Float)
	one := op.Const(s.SubScope("one"), float32(1))
	return op.DivNoNan(s.SubScope("ratio"), op.Maximum(s.SubScope("n_minus_one"), op.Sub(s.SubScope("Sub"), n, one), one), n)
}

// batchNormInput is the Tap kind of a batch-norm layer's input in an
// inference pass (RecalibrateBatchNorm reads it).
const batchNormInput = "batch_normalization_input"

// Dropout is keras.layers.Dropout: identity in inference passes; in
// training passes it keeps each value with probability 1 − Rate and scales
// kept values by 1/(1 − Rate) (inverted dropout, as
// tf.nn.experimental.stateless_dropout). The mask is drawn by
// StatelessRandomUniform from Pass.StepSeed, so it changes every step and
// repeats exactly after resuming from a checkpoint.
type Dropout struct {
	Rate float64
}

// Kind implements Layer.
func (Dropout) Kind() string { return "dropout" }

// Type implements Layer.
func (Dropout) Type() string { return "Dropout" }

// OutputShape implements Layer.
func (d Dropout) OutputShape(in []int) ([]int, error) {
	if d.Rate < 0 || d.Rate >= 1 {
		return nil, fmt.Errorf("Dropout rate must be in [0, 1) (got %g)", d.Rate)
	}
	return append([]int(nil), in...), nil
}

// Params implements Layer.
func (Dropout) Params([]int) (int64, int64) { return 0, 0 }

// Apply implements Layer.
func (d Dropout) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(d, p, name, in)
	if !ok || !p.Training || d.Rate == 0 {
		return x
	}
	scaled := op.Mul(s.SubScope("scale"), x, op.Const(s.SubScope("inv_keep"), float32(1/(1-d.Rate))))
	mask := keepMask(p, s, name, op.Shape(s.SubScope("Shape"), x), d.Rate, 1)
	return op.Mul(s.SubScope("Mul"), scaled, mask)
}

// keepMask returns StopGradient(cast(U[0,1) >= rate) · scale) for a tensor of
// the given shape: the random path is cut from differentiation.
func keepMask(p *tfgraph.Pass, s *op.Scope, name string, shape tf.Output, rate float64, scale float32) tf.Output {
	ms := s.SubScope("mask")
	seed := p.StepSeed(ms, name)
	u := op.StatelessRandomUniform(ms.SubScope("StatelessRandomUniform"), shape, seed)
	keep := op.GreaterEqual(ms.SubScope("GreaterEqual"), u, op.Const(ms.SubScope("rate"), float32(rate)))
	m := op.Cast(ms.SubScope("Cast"), keep, tf.Float)
	if scale != 1 {
		m = op.Mul(ms.SubScope("scale"), m, op.Const(ms.SubScope("inv_keep"), scale))
	}
	return op.StopGradient(ms.SubScope("StopGradient"), m)
}

// Flatten is keras.layers.Flatten: (batch, a, b, ...) → (batch, a·b·...),
// row-major.
type Flatten struct{}

// Kind implements Layer.
func (Flatten) Kind() string { return "flatten" }

// Type implements Layer.
func (Flatten) Type() string { return "Flatten" }

// OutputShape implements Layer.
func (Flatten) OutputShape(in []int) ([]int, error) {
	if len(in) < 1 {
		return nil, fmt.Errorf("Flatten needs inputs of rank >= 2 with the batch")
	}
	return []int{prod(in)}, nil
}

// Params implements Layer.
func (Flatten) Params([]int) (int64, int64) { return 0, 0 }

// Apply implements Layer.
func (f Flatten) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(f, p, name, in)
	if !ok {
		return tf.Output{}
	}
	return op.Reshape(s.SubScope("Reshape"), x, op.Const(s.SubScope("shape"), []int32{-1, int32(prod(in))}))
}

// Reshape is keras.layers.Reshape: Target excludes the batch and may hold
// one -1, resolved from the input size.
type Reshape struct {
	Target []int
}

// Kind implements Layer.
func (Reshape) Kind() string { return "reshape" }

// Type implements Layer.
func (Reshape) Type() string { return "Reshape" }

// OutputShape implements Layer.
func (r Reshape) OutputShape(in []int) ([]int, error) {
	out := append([]int(nil), r.Target...)
	unknown, known := -1, 1
	for i, d := range out {
		switch {
		case d == -1 && unknown < 0:
			unknown = i
		case d < 1:
			return nil, fmt.Errorf("Reshape target %v: dimensions must be >= 1, with at most one -1", r.Target)
		default:
			known *= d
		}
	}
	n := prod(in)
	if unknown >= 0 {
		if n%known != 0 {
			return nil, fmt.Errorf("Reshape: cannot reshape %v into %v", in, r.Target)
		}
		out[unknown] = n / known
	} else if known != n {
		return nil, fmt.Errorf("Reshape: cannot reshape %v (%d values) into %v", in, n, r.Target)
	}
	return out, nil
}

// Params implements Layer.
func (Reshape) Params([]int) (int64, int64) { return 0, 0 }

// Apply implements Layer.
func (r Reshape) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(r, p, name, in)
	if !ok {
		return tf.Output{}
	}
	out, _ := r.OutputShape(in)
	shape := []int32{-1}
	for _, d := range out {
		shape = append(shape, int32(d))
	}
	return op.Reshape(s.SubScope("Reshape"), x, op.Const(s.SubScope("shape"), shape))
}

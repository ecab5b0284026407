package builders

import (
	"errors"
	"fmt"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// Models lists the model names Build accepts.
var Models = []string{"cnn", "lstm", "gru", "dense"}

// DefaultSeqLen is the seed's window length for the recurrent models.
const DefaultSeqLen = 3

// seedDropout is the seed's dropout rate (LSTM input dropout, GRU's Dropout
// layer).
const seedDropout = 0.2

// seedL1 is the seed LSTM's l1 rate (its constant LAMBD, commented "L2").
const seedL1 = 0.01

// Config selects and sizes a model.
type Config struct {
	// Model is "cnn", "lstm", "gru" or "dense".
	Model string
	// Features is the number of input features per row; Classes the number
	// of classes (2 with Binary).
	Features, Classes int
	// SeqLen is the window length of the recurrent models (lstm, gru);
	// 0 means DefaultSeqLen. Ignored by cnn and dense.
	SeqLen int
	// Binary selects the seed's binary head: Dense(1, sigmoid) with binary
	// cross-entropy and a 0.5 threshold. Classes must be 2.
	Binary bool
	// Seed makes initial weights and dropout masks repeat.
	Seed int64
	// Device is a resolved TensorFlow device string (tfgraph.ResolveDevice);
	// "" leaves placement to TensorFlow.
	Device string
	// Dropout, when set, replaces every dropout rate of the model (tests
	// force 0); nil keeps the seed's rates.
	Dropout *float64
	// L1, when set, replaces the seed LSTM's l1(0.01) penalty on its
	// kernels and biases (0 removes it). With the seed's rate the penalty
	// outweighs the cross-entropy gradient and drives every LSTM weight to
	// zero, in Keras as here, so the model predicts one class; nil keeps it.
	L1 *float64
}

// IsRecurrent reports whether the model takes windows (lstm, gru).
func (c Config) IsRecurrent() bool { return c.Model == "lstm" || c.Model == "gru" }

// l1 is the LSTM's regularizer: the seed's l1(0.01) unless L1 overrides it.
func (c Config) l1() *Regularizer {
	if c.L1 == nil {
		return L1(seedL1)
	}
	if *c.L1 == 0 {
		return nil
	}
	return L1(*c.L1)
}

// seqLen returns the effective window length.
func (c Config) seqLen() int {
	if c.SeqLen == 0 {
		return DefaultSeqLen
	}
	return c.SeqLen
}

// Validate reports the first problem with the configuration.
func (c Config) Validate() error {
	known := false
	for _, m := range Models {
		known = known || c.Model == m
	}
	switch {
	case !known:
		return fmt.Errorf("builders: unknown model %q (want one of %s)", c.Model, strings.Join(Models, ", "))
	case c.Features < 1:
		return fmt.Errorf("builders: the feature count must be >= 1 (got %d)", c.Features)
	case c.L1 != nil && !(*c.L1 >= 0):
		return fmt.Errorf("builders: the l1 rate must be >= 0 (got %v)", *c.L1)
	case c.Classes < 1:
		return fmt.Errorf("builders: the class count must be >= 1 (got %d)", c.Classes)
	case c.Binary && c.Classes != 2:
		return fmt.Errorf("builders: binary mode needs exactly 2 classes (got %d)", c.Classes)
	case c.IsRecurrent() && c.SeqLen < 0:
		return fmt.Errorf("builders: the %s window length (seq-len) must be >= 1 (got %d)", c.Model, c.SeqLen)
	case c.Dropout != nil && (*c.Dropout < 0 || *c.Dropout >= 1):
		return fmt.Errorf("builders: the dropout rate must be in [0, 1) (got %g)", *c.Dropout)
	}
	if c.Model == "cnn" && c.Features < 4 {
		// Conv1D(kernel 3, valid) then MaxPooling1D(2) need 4 inputs for one output.
		return fmt.Errorf("builders: the cnn model needs at least 4 features (Conv1D kernel 3, then MaxPooling1D 2); got %d", c.Features)
	}
	return nil
}

func (c Config) dropout() float64 {
	if c.Dropout != nil {
		return *c.Dropout
	}
	return seedDropout
}

// InputShape returns the per-example input shape: [features] for cnn and
// dense, [seq-len, features] for lstm and gru.
func (c Config) InputShape() []int {
	if c.IsRecurrent() {
		return []int{c.seqLen(), c.Features}
	}
	return []int{c.Features}
}

// Name returns the seed's model name ("bc"/"mc" for binary/multi-class; the
// network-features slot is always empty, hence the two spaces):
// "cnn mc  cnn-64-64", "lstm sl-3 mc  layers-80" (the seed's LSTM name
// format dropped its last argument; tfnids builds it like the GRU's, per the
// spec), "gru sl-3 mc  layers-80", and "dense mc  dense-64" for the dense
// model, which the seed does not have.
func (c Config) Name() string {
	cls := "mc"
	if c.Binary {
		cls = "bc"
	}
	switch c.Model {
	case "cnn":
		return fmt.Sprintf("cnn %s  cnn-64-64", cls)
	case "lstm", "gru":
		return fmt.Sprintf("%s sl-%d %s  layers-80", c.Model, c.seqLen(), cls)
	}
	return fmt.Sprintf("%s %s  dense-64", c.Model, cls)
}

// Layers returns the model's layer stack, the output head included: the
// seed's exact stacks (spec: seed-pipeline.md section 5).
func (c Config) Layers() []Layer {
	var ls []Layer
	switch c.Model {
	case "cnn":
		ls = []Layer{
			Conv1D{Filters: 64, KernelSize: 3, Activation: Relu},
			MaxPooling1D{PoolSize: 2},
			BatchNormalization{},
			Flatten{},
			Dense{Units: 100, Activation: Relu},
		}
	case "lstm":
		ls = []Layer{
			LSTM{Units: 80, ReturnSequences: true, Dropout: c.dropout(),
				KernelRegularizer: c.l1(), RecurrentRegularizer: c.l1(), BiasRegularizer: c.l1()},
			LSTM{Units: 20, Dropout: c.dropout(),
				KernelRegularizer: c.l1(), RecurrentRegularizer: c.l1(), BiasRegularizer: c.l1()},
			Dense{Units: 100, Activation: Relu},
		}
	case "gru":
		ls = []Layer{
			GRU{Units: 80},
			Dropout{Rate: c.dropout()},
			Dense{Units: 100, Activation: Relu},
		}
	case "dense":
		ls = []Layer{Dense{Units: 64, Activation: Relu}}
	}
	return append(ls, c.head())
}

func (c Config) head() Dense {
	if c.Binary {
		return Dense{Units: 1, Activation: Sigmoid}
	}
	return Dense{Units: c.Classes, Activation: Softmax}
}

// LayerInfo is one row of a model summary.
type LayerInfo struct {
	Name, Type   string
	OutputShape  []int // without the batch dimension
	Trainable    int64
	NonTrainable int64
}

// Params is the layer's total parameter count.
func (l LayerInfo) Params() int64 { return l.Trainable + l.NonTrainable }

// Describe returns the layers with Keras names, output shapes and parameter
// counts, without building a graph.
func (c Config) Describe() ([]LayerInfo, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return describe(layerInput(c), c.Layers())
}

func describe(in []int, layers []Layer) ([]LayerInfo, error) {
	counts := map[string]int{}
	var out []LayerInfo
	shape := in
	for _, l := range layers {
		name := l.Kind()
		if n := counts[name]; n > 0 {
			name = fmt.Sprintf("%s_%d", name, n)
		}
		counts[l.Kind()]++
		next, err := l.OutputShape(shape)
		if err != nil {
			return nil, fmt.Errorf("builders: layer %s: %w", name, err)
		}
		tr, nt := l.Params(shape)
		out = append(out, LayerInfo{Name: name, Type: l.Type(), OutputShape: next, Trainable: tr, NonTrainable: nt})
		shape = next
	}
	return out, nil
}

// forward is one forward pass of a model.
type forward struct {
	logits, probs tf.Output
}

// applyModel adds the model's layers to pass p. x is the model input
// (batch + InputShape); the cnn adds the trailing channel axis itself (the
// seed relied on Keras 2 doing it implicitly).
func applyModel(c Config, p *tfgraph.Pass, x tf.Output) forward {
	layers := c.Layers()
	shape := layerInput(c)
	if c.Model == "cnn" {
		s := p.Scope.SubScope("input_channels")
		x = op.ExpandDims(s.SubScope("ExpandDims"), x, op.Const(s.SubScope("axis"), int32(-1)))
	}
	for _, l := range layers[:len(layers)-1] {
		next, err := l.OutputShape(shape)
		if err != nil {
			fail(p, l.Kind(), err)
			return forward{}
		}
		x = l.Apply(p, p.LayerName(l.Kind()), x, shape)
		shape = next
	}
	head := layers[len(layers)-1].(Dense)
	logits, probs := head.apply(p, p.LayerName(head.Kind()), x, shape)
	return forward{logits: logits, probs: probs}
}

// layerInput is the shape the first layer sees: the cnn's rows get a
// trailing channel axis.
func layerInput(c Config) []int {
	if c.Model == "cnn" {
		return []int{c.Features, 1}
	}
	return c.InputShape()
}

// Model is a trainable model: one graph holding a training pass (dropout,
// batch statistics, moving-average updates, the loss and the Adam step) and
// an inference pass (Probs, the evaluation loss) over the same variables.
type Model struct {
	Config  Config
	Builder *tfgraph.Builder
	// X is the input placeholder "x": float32 (batch, features) or
	// (batch, seq-len, features). Y is the label placeholder "y": int32
	// (batch).
	X, Y tf.Output
	// Probs is the inference pass's output "probabilities": (batch,
	// classes) softmax, or (batch, 1) sigmoid in binary mode.
	Probs tf.Output
	// Loss is the training loss (data loss + regularization penalties, as
	// Keras reports it) and Accuracy the batch accuracy, both from the
	// training pass.
	Loss, Accuracy tf.Output
	// EvalLoss and EvalAccuracy are the same quantities from the inference
	// pass (Keras' evaluate()).
	EvalLoss, EvalAccuracy tf.Output
	// Step runs one Adam step (and the batch-norm updates) when used as a
	// target with Loss fetched.
	Step         *tf.Operation
	Saver        *tfgraph.Saver
	Train, Infer *tfgraph.Pass

	weights []*tfgraph.Variable // the model's own variables (no optimizer state)
	bnRecal []bnRecal           // RecalibrateBatchNorm's ops, one per batch-norm layer
	sess    *tf.Session
}

// Build makes the training graph of cfg: placeholders, a training pass, an
// inference pass sharing its variables, the loss with regularization
// penalties, Keras-default Adam (tfgraph.Adam) and a saver over every
// variable (weights, batch-norm statistics, Adam slots, iterations).
func Build(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: cfg.Seed, Device: cfg.Device})
	m := &Model{Config: cfg, Builder: b}
	m.X = b.Placeholder("x", tf.Float, inputDims(cfg)...)
	m.Y = b.Placeholder("y", tf.Int32, -1)

	m.Train = b.NewPass("train", true)
	tr := applyModel(cfg, m.Train, m.X)
	m.Loss, m.Accuracy = lossAndAccuracy(cfg, m.Train, tr, m.Y, "loss")

	m.Infer = b.NewPass("infer", false)
	inf := applyModel(cfg, m.Infer, m.X)
	m.Probs = identity(b, "probabilities", inf.probs)
	m.EvalLoss, m.EvalAccuracy = lossAndAccuracy(cfg, m.Infer, inf, m.Y, "eval_loss")
	m.bnRecal = addBatchNormRecalibration(b, m.Infer)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("builders: %s: %w", cfg.Model, err)
	}
	for _, v := range b.Variables() {
		if v.DType == tf.Float {
			m.weights = append(m.weights, v)
		}
	}

	step, err := tfgraph.Adam{}.Minimize(b, m.Train, m.Loss)
	if err != nil {
		return nil, fmt.Errorf("builders: %s: %w", cfg.Model, err)
	}
	m.Step = step
	if m.Saver, err = b.NewSaver(); err != nil {
		return nil, fmt.Errorf("builders: %s: %w", cfg.Model, err)
	}
	return m, nil
}

func inputDims(cfg Config) []int64 {
	return append([]int64{-1}, i64s(cfg.InputShape()...)...)
}

// identity names a tensor exactly (outside any scope).
func identity(b *tfgraph.Builder, name string, x tf.Output) tf.Output {
	if b.Err() != nil {
		return tf.Output{}
	}
	o := b.AddOp(tf.OpSpec{Type: "Identity", Name: name, Input: []tf.Input{x}})
	if o == nil {
		return tf.Output{}
	}
	return o.Output(0)
}

// lossAndAccuracy adds the data loss plus the pass's penalties (Keras sums
// them with the compiled loss) and the batch accuracy.
func lossAndAccuracy(cfg Config, p *tfgraph.Pass, f forward, y tf.Output, name string) (loss, acc tf.Output) {
	if p.B.Err() != nil {
		return tf.Output{}, tf.Output{}
	}
	s := p.Scope.SubScope(name)
	if cfg.Binary {
		loss = BinaryCrossentropy(s, f.logits, y)
		acc = binaryAccuracy(s, f.probs, y)
	} else {
		loss = SparseCategoricalCrossentropy(s, f.logits, y, cfg.Classes)
		acc = sparseAccuracy(s, f.probs, y)
	}
	if len(p.Penalties) > 0 {
		loss = op.AddN(s.SubScope("total"), append([]tf.Output{loss}, p.Penalties...))
	}
	return loss, acc
}

// Inference is an inference-only graph (dropout off, batch-norm moving
// statistics, no gradients or optimizer) whose variables have the same names
// as the training graph's, so a training checkpoint restores into it: the
// graph a SavedModel exports. Add a saver with Builder.NewSaver (once) for
// the SavedModel's save/restore ops.
type Inference struct {
	Config  Config
	Builder *tfgraph.Builder
	// X is the input placeholder "x"; Probs the output "probabilities".
	X, Probs tf.Output
	Pass     *tfgraph.Pass
}

// BuildInference makes the inference-only graph of cfg.
func BuildInference(cfg Config) (*Inference, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: cfg.Seed, Device: cfg.Device})
	inf := &Inference{Config: cfg, Builder: b}
	inf.X = b.Placeholder("x", tf.Float, inputDims(cfg)...)
	inf.Pass = b.NewPass("infer", false)
	f := applyModel(cfg, inf.Pass, inf.X)
	inf.Probs = identity(b, "probabilities", f.probs)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("builders: %s: %w", cfg.Model, err)
	}
	return inf, nil
}

// Name returns the seed's model name (Config.Name).
func (i *Inference) Name() string { return i.Config.Name() }

// InputShape returns the per-example input shape.
func (i *Inference) InputShape() []int { return i.Config.InputShape() }

// Name returns the seed's model name, e.g. "cnn mc  cnn-64-64".
func (m *Model) Name() string { return m.Config.Name() }

// InputShape returns the per-example input shape: [F] or [L, F].
func (m *Model) InputShape() []int { return m.Config.InputShape() }

// Summary returns the Keras-style summary table.
func (m *Model) Summary() string {
	s, err := Summary(m.Config)
	if err != nil {
		return err.Error()
	}
	return s
}

// WeightVariables returns the model's own variables (weights and batch-norm
// statistics, not the optimizer state), in creation order.
func (m *Model) WeightVariables() []*tfgraph.Variable { return m.weights }

// ParamCounts returns Keras' count_params split: total, trainable,
// non-trainable (batch-norm moving statistics). Optimizer state is not
// counted, as Keras' summary before fit().
func (m *Model) ParamCounts() (total, trainable, nonTrainable int64) {
	for _, v := range m.weights {
		if v.Trainable {
			trainable += v.Size()
		} else {
			nonTrainable += v.Size()
		}
	}
	return trainable + nonTrainable, trainable, nonTrainable
}

// ErrNotOpen is returned by methods that need a session before Open.
var ErrNotOpen = errors.New("builders: model is not open (call Open first)")

// Open starts a session with configuration sc and initializes every variable
// (seeded Keras initializers, zero Adam slots and iterations).
func (m *Model) Open(sc tfgraph.SessionConfig) error {
	if m.sess != nil {
		return errors.New("builders: model is already open")
	}
	sess, err := tfgraph.NewSession(m.Builder.Graph, sc)
	if err != nil {
		return fmt.Errorf("builders: session: %w", err)
	}
	if err := m.Builder.Initialize(sess); err != nil {
		sess.Close()
		return fmt.Errorf("builders: initialize: %w", err)
	}
	m.sess = sess
	return nil
}

// Session returns the open session, or nil.
func (m *Model) Session() *tf.Session { return m.sess }

// Close releases the session. Closing a closed model is a no-op.
func (m *Model) Close() error {
	if m.sess == nil {
		return nil
	}
	err := m.sess.Close()
	m.sess = nil
	return err
}

// Save writes a checkpoint of every variable (weights, batch-norm
// statistics, Adam slots, iterations) at prefix, atomically.
func (m *Model) Save(prefix string) error {
	if m.sess == nil {
		return ErrNotOpen
	}
	return m.Saver.Save(m.sess, prefix)
}

// Restore loads every variable from the checkpoint at prefix.
func (m *Model) Restore(prefix string) error {
	if m.sess == nil {
		return ErrNotOpen
	}
	return m.Saver.Restore(m.sess, prefix)
}

// Weights returns the model's weights and batch-norm statistics by variable
// name ("dense/kernel", "lstm/lstm_cell/kernel", ...; Keras 3's variable
// paths without the model prefix), row-major.
func (m *Model) Weights() (map[string][]float32, error) {
	if m.sess == nil {
		return nil, ErrNotOpen
	}
	return m.Builder.ReadVariables(m.sess, m.weights)
}

// SetWeights assigns weights by variable name (any subset of Weights' keys;
// Adam slots may be set too). Unknown names and wrong sizes are errors.
func (m *Model) SetWeights(w map[string][]float32) error {
	if m.sess == nil {
		return ErrNotOpen
	}
	return m.Builder.AssignVariables(m.sess, w)
}

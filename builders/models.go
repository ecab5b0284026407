package builders

import (
	"errors"
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/spec"
	"github.com/tfnids/tfnids/tfgraph"
)

// Models lists the built-in model names Build accepts (spec.Builtins).
var Models = spec.Builtins()

// DefaultSeqLen is the seed's window length for the recurrent models.
const DefaultSeqLen = spec.DefaultWindow

// Config selects and sizes a model: a built-in by name (Model), or any
// stack (Spec).
type Config struct {
	// Model is a built-in model: "cnn", "lstm", "gru", "dense" or
	// "cnn_lstm" (spec.Builtin). Ignored when Spec is set.
	Model string
	// Spec, when set, is the model: its layers, and the features, window,
	// classes and head it fixes (0 values come from this Config).
	Spec *spec.Model
	// Features is the number of input features per row; Classes the number
	// of classes (2 with Binary).
	Features, Classes int
	// SeqLen is the window length of the built-in recurrent models (lstm,
	// gru); 0 means DefaultSeqLen. A Spec fixes its own window.
	SeqLen int
	// Binary selects the binary head: Dense(1, sigmoid) with binary
	// cross-entropy and a 0.5 threshold. Classes must be 2.
	Binary bool
	// Seed makes initial weights and dropout masks repeat.
	Seed int64
	// Device is a resolved TensorFlow device string (tfgraph.ResolveDevice);
	// "" leaves placement to TensorFlow.
	Device string
	// Dropout, when set, replaces every dropout rate of the model (tests
	// force 0); nil keeps the model's rates.
	Dropout *float64
	// L1, when set, replaces the l1 rate of the LSTM regularizers of a
	// built-in model (0 removes it). With the seed's l1(0.01) the penalty
	// outweighs the cross-entropy gradient and drives every LSTM weight to
	// zero, in Keras as here, so the model predicts one class; nil keeps it.
	L1 *float64
}

// seqLen returns the effective window length of a built-in recurrent model.
func (c Config) seqLen() int {
	if c.SeqLen == 0 {
		return DefaultSeqLen
	}
	return c.SeqLen
}

// ModelSpec returns the model's spec with everything resolved: the
// built-in's layers (or a copy of Spec) with the Dropout and L1 overrides
// applied, every layer and the head named, and the features, window,
// classes and head the model is built with. It is what Model.Spec holds
// and a model card stores. Layers whose shapes do not chain are an error.
func (c Config) ModelSpec() (spec.Model, error) {
	pl, err := c.plan()
	if err != nil {
		return spec.Model{}, err
	}
	return pl.spec, nil
}

// resolveSpec is ModelSpec before naming and shape checks.
func (c Config) resolveSpec() (spec.Model, error) {
	var m spec.Model
	if c.Spec != nil {
		m = c.Spec.Clone()
		if m.Name == "" {
			m.Name = "custom"
		}
	} else {
		b, err := spec.Builtin(c.Model)
		if err != nil {
			return spec.Model{}, fmt.Errorf("builders: %w", err)
		}
		m = b
		if m.Window > 0 {
			if c.SeqLen < 0 {
				return spec.Model{}, fmt.Errorf("builders: the %s window length (seq-len) must be >= 1 (got %d)", c.Model, c.SeqLen)
			}
			m.Window = c.seqLen()
		}
		if c.L1 != nil {
			if !(*c.L1 >= 0) {
				return spec.Model{}, fmt.Errorf("builders: the l1 rate must be >= 0 (got %v)", *c.L1)
			}
			m.SetLSTML1(*c.L1)
		}
	}
	if c.Dropout != nil {
		if *c.Dropout < 0 || *c.Dropout >= 1 {
			return spec.Model{}, fmt.Errorf("builders: the dropout rate must be in [0, 1) (got %g)", *c.Dropout)
		}
		m.SetDropout(*c.Dropout)
	}
	switch {
	case m.Features == 0:
		m.Features = c.Features
	case c.Features != 0 && c.Features != m.Features:
		return spec.Model{}, fmt.Errorf("builders: the model %s takes %d features per row, the data has %d", m.Name, m.Features, c.Features)
	}
	if m.Binary && c.Spec != nil && !c.Binary && c.Classes != 0 && c.Classes != 2 {
		return spec.Model{}, fmt.Errorf("builders: the model %s has a binary head (Dense(1, sigmoid)); the data has %d classes (train it in binary mode)", m.Name, c.Classes)
	}
	m.Binary = m.Binary || c.Binary
	switch {
	case m.Classes == 0:
		m.Classes = c.Classes
	case c.Classes != 0 && c.Classes != m.Classes:
		return spec.Model{}, fmt.Errorf("builders: the model %s has %d output classes, the data has %d", m.Name, m.Classes, c.Classes)
	}
	switch {
	case m.Features < 1:
		return spec.Model{}, fmt.Errorf("builders: the feature count must be >= 1 (got %d)", m.Features)
	case m.Classes < 1:
		return spec.Model{}, fmt.Errorf("builders: the class count must be >= 1 (got %d)", m.Classes)
	case m.Binary && m.Classes != 2:
		return spec.Model{}, fmt.Errorf("builders: binary mode needs exactly 2 classes (got %d)", m.Classes)
	}
	if err := m.Validate(); err != nil {
		return spec.Model{}, fmt.Errorf("builders: %s: %w", m.Name, err)
	}
	return m, nil
}

// IsRecurrent reports whether the model takes windows of rows (the
// built-in lstm and gru, or a spec with a window).
func (c Config) IsRecurrent() bool { return c.window() > 0 }

// window is the model's window length, 0 for row models.
func (c Config) window() int {
	if c.Spec != nil {
		return c.Spec.Window
	}
	if b, err := spec.Builtin(c.Model); err == nil && b.Window > 0 {
		return c.seqLen()
	}
	return 0
}

// Validate reports the first problem with the configuration: an unknown
// model, bad sizes, an unsupported layer or argument, or layers whose
// shapes do not chain.
func (c Config) Validate() error {
	_, err := c.plan()
	return err
}

// InputShape returns the per-example input shape: [features] for row
// models, [seq-len, features] for window models.
func (c Config) InputShape() []int {
	if w := c.window(); w > 0 {
		return []int{w, c.features()}
	}
	return []int{c.features()}
}

func (c Config) features() int {
	if c.Spec != nil && c.Spec.Features != 0 {
		return c.Spec.Features
	}
	return c.Features
}

// Name returns the model's display name, used in results and weight
// directories. The seed's models keep the seed's names ("bc"/"mc" for
// binary/multi-class; the network-features slot is always empty, hence the
// two spaces): "cnn mc  cnn-64-64", "lstm sl-3 mc  layers-80" (the seed's
// LSTM name format dropped its last argument; tfnids builds it like the
// GRU's, per the spec), "gru sl-3 mc  layers-80", and "dense mc  dense-64"
// for the dense model, which the seed does not have. Other models are
// "<name> mc", with "sl-<window>" for window models: "cnn_lstm mc",
// "my_gru sl-5 mc".
func (c Config) Name() string {
	cls := "mc"
	if c.Binary || (c.Spec != nil && c.Spec.Binary) {
		cls = "bc"
	}
	if c.Spec == nil {
		switch c.Model {
		case "cnn":
			return fmt.Sprintf("cnn %s  cnn-64-64", cls)
		case "lstm", "gru":
			return fmt.Sprintf("%s sl-%d %s  layers-80", c.Model, c.seqLen(), cls)
		case "dense":
			return fmt.Sprintf("dense %s  dense-64", cls)
		}
		return fmt.Sprintf("%s %s", c.Model, cls)
	}
	name := c.Spec.Name
	if name == "" {
		name = "custom"
	}
	if c.Spec.Window > 0 {
		return fmt.Sprintf("%s sl-%d %s", name, c.Spec.Window, cls)
	}
	return fmt.Sprintf("%s %s", name, cls)
}

// Layers returns the model's layer stack, the output head included, or nil
// when the configuration is invalid.
func (c Config) Layers() []Layer {
	pl, err := c.plan()
	if err != nil {
		return nil
	}
	return append(append([]Layer(nil), pl.layers...), pl.head)
}

// plan is a resolved model: its spec, the layer values with their Keras
// names, and the shape the first layer sees.
type plan struct {
	spec spec.Model
	// in is the first layer's input shape; channel says the rows get a
	// trailing channel axis first (a row model that starts by convolving or
	// pooling, as the seed's CNN: the seed relied on Keras 2 adding it).
	in      []int
	channel bool
	layers  []Layer
	names   []string
	head    Dense
	// headName is the head's layer name.
	headName string
	info     []LayerInfo
}

func (c Config) plan() (*plan, error) {
	m, err := c.resolveSpec()
	if err != nil {
		return nil, err
	}
	pl := &plan{spec: m, in: m.InputShape()}
	if m.Window == 0 && spec.TakesChannels(m.Layers[0].Class) {
		pl.in, pl.channel = []int{m.Features, 1}, true
	}
	taken := map[string]bool{}
	for _, l := range m.Layers {
		if l.Name != "" {
			if taken[l.Name] {
				return nil, fmt.Errorf("builders: %s: two layers are named %q", m.Name, l.Name)
			}
			taken[l.Name] = true
		}
	}
	if m.HeadName != "" {
		taken[m.HeadName] = true
	}
	counts := map[string]int{}
	auto := func(kind string) string {
		for {
			n := counts[kind]
			counts[kind]++
			name := kind
			if n > 0 {
				name = fmt.Sprintf("%s_%d", kind, n)
			}
			if !taken[name] {
				taken[name] = true
				return name
			}
		}
	}
	for i, sl := range m.Layers {
		l, err := FromSpec(sl)
		if err != nil {
			return nil, fmt.Errorf("builders: %s: layer %d: %w", m.Name, i, err)
		}
		if b, ok := l.(Bidirectional); ok && b.InnerName == "" {
			// Keras names the wrapped layer first (it is made first).
			b.InnerName = auto(b.Layer.Kind())
			l = b
		}
		name := sl.Name
		if name == "" {
			name = auto(l.Kind())
		}
		pl.layers = append(pl.layers, l)
		pl.names = append(pl.names, name)
		// The resolved spec names every layer, so a card rebuilds the same
		// variable names whatever the automatic names would be.
		pl.spec.Layers[i].Name = name
		if b, ok := l.(Bidirectional); ok {
			in, _ := pl.spec.Layers[i].Wrapped()
			in.Name = b.InnerName
			pl.spec.Layers[i].Args["layer"] = in
		}
	}
	pl.head = Dense{Units: m.Classes, Activation: Softmax}
	if m.Binary {
		pl.head = Dense{Units: 1, Activation: Sigmoid}
	}
	pl.headName = m.HeadName
	if pl.headName == "" {
		pl.headName = auto("dense")
	}
	pl.spec.HeadName = pl.headName
	if pl.info, err = pl.describe(); err != nil {
		return nil, err
	}
	return pl, nil
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
	pl, err := c.plan()
	if err != nil {
		return nil, err
	}
	return pl.info, nil
}

// ShapeError says a layer cannot take the shape the previous layer gives.
type ShapeError struct {
	// Layer and Type name the layer; Input is the shape it gets (without
	// the batch), From the layer that makes it ("" for the model input).
	Layer, Type string
	Input       []int
	From        string
	Err         error
}

func (e *ShapeError) Error() string {
	from := "the model input"
	if e.From != "" {
		from = e.From
	}
	return fmt.Sprintf("layer %s (%s) gets %s from %s: %v", e.Layer, e.Type, ShapeString(e.Input), from, e.Err)
}

func (e *ShapeError) Unwrap() error { return e.Err }

func (pl *plan) describe() ([]LayerInfo, error) {
	var out []LayerInfo
	shape := pl.in
	from := ""
	all := append(append([]Layer(nil), pl.layers...), pl.head)
	names := append(append([]string(nil), pl.names...), pl.headName)
	for i, l := range all {
		next, err := l.OutputShape(shape)
		if err == nil && i == len(all)-1 && len(shape) != 1 {
			err = fmt.Errorf("the output head takes (None, features), not %s", ShapeString(shape))
		}
		if err != nil {
			if i == len(all)-1 {
				err = fmt.Errorf("%w (the output head Dense(classes) needs (None, features): end the stack with Flatten, a global pooling layer or a recurrent layer without return_sequences)", err)
			}
			return nil, fmt.Errorf("builders: %s: %w", pl.spec.Name, &ShapeError{Layer: names[i], Type: l.Type(), Input: shape, From: from, Err: err})
		}
		tr, nt := l.Params(shape)
		out = append(out, LayerInfo{Name: names[i], Type: l.Type(), OutputShape: next, Trainable: tr, NonTrainable: nt})
		shape = next
		from = fmt.Sprintf("%s (%s)", names[i], l.Type())
	}
	return out, nil
}

// forward is one forward pass of a model.
type forward struct {
	logits, probs tf.Output
}

// applyModel adds the model's layers to pass p. x is the model input
// (batch + InputShape).
func applyModel(pl *plan, p *tfgraph.Pass, x tf.Output) forward {
	shape := pl.in
	if pl.channel {
		s := p.Scope.SubScope("input_channels")
		x = op.ExpandDims(s.SubScope("ExpandDims"), x, op.Const(s.SubScope("axis"), int32(-1)))
	}
	for i, l := range pl.layers {
		x = l.Apply(p, pl.names[i], x, shape)
		shape = pl.info[i].OutputShape
	}
	logits, probs := pl.head.apply(p, pl.headName, x, shape)
	return forward{logits: logits, probs: probs}
}

// Model is a trainable model: one graph holding a training pass (dropout,
// batch statistics, moving-average updates, the loss and the Adam step) and
// an inference pass (Probs, the evaluation loss) over the same variables.
type Model struct {
	Config Config
	// Spec is the resolved model (Config.ModelSpec): the layers, input,
	// classes and head the graph was built from. A model card stores it.
	Spec    spec.Model
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
	plan    *plan
}

// Build makes the training graph of cfg: placeholders, a training pass, an
// inference pass sharing its variables, the loss with regularization
// penalties, Keras-default Adam (tfgraph.Adam) and a saver over every
// variable (weights, batch-norm statistics, Adam slots, iterations).
func Build(cfg Config) (*Model, error) {
	pl, err := cfg.plan()
	if err != nil {
		return nil, err
	}
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: cfg.Seed, Device: cfg.Device})
	m := &Model{Config: cfg, Spec: pl.spec, Builder: b, plan: pl}
	m.X = b.Placeholder("x", tf.Float, inputDims(pl)...)
	m.Y = b.Placeholder("y", tf.Int32, -1)

	m.Train = b.NewPass("train", true)
	tr := applyModel(pl, m.Train, m.X)
	m.Loss, m.Accuracy = lossAndAccuracy(pl, m.Train, tr, m.Y, "loss")

	m.Infer = b.NewPass("infer", false)
	inf := applyModel(pl, m.Infer, m.X)
	m.Probs = identity(b, "probabilities", inf.probs)
	m.EvalLoss, m.EvalAccuracy = lossAndAccuracy(pl, m.Infer, inf, m.Y, "eval_loss")
	m.bnRecal = addBatchNormRecalibration(b, m.Infer)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("builders: %s: %w", pl.spec.Name, err)
	}
	for _, v := range b.Variables() {
		if v.DType == tf.Float {
			m.weights = append(m.weights, v)
		}
	}

	step, err := tfgraph.Adam{}.Minimize(b, m.Train, m.Loss)
	if err != nil {
		return nil, fmt.Errorf("builders: %s: %w", pl.spec.Name, err)
	}
	m.Step = step
	if m.Saver, err = b.NewSaver(); err != nil {
		return nil, fmt.Errorf("builders: %s: %w", pl.spec.Name, err)
	}
	return m, nil
}

func inputDims(pl *plan) []int64 {
	return append([]int64{-1}, i64s(pl.spec.InputShape()...)...)
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
func lossAndAccuracy(pl *plan, p *tfgraph.Pass, f forward, y tf.Output, name string) (loss, acc tf.Output) {
	if p.B.Err() != nil {
		return tf.Output{}, tf.Output{}
	}
	s := p.Scope.SubScope(name)
	if pl.spec.Binary {
		loss = BinaryCrossentropy(s, f.logits, y)
		acc = binaryAccuracy(s, f.probs, y)
	} else {
		loss = SparseCategoricalCrossentropy(s, f.logits, y, pl.spec.Classes)
		acc = sparseAccuracy(s, f.logits, y)
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
	Config Config
	// Spec is the resolved model (Config.ModelSpec).
	Spec    spec.Model
	Builder *tfgraph.Builder
	// X is the input placeholder "x"; Probs the output "probabilities".
	X, Probs tf.Output
	Pass     *tfgraph.Pass
}

// BuildInference makes the inference-only graph of cfg.
func BuildInference(cfg Config) (*Inference, error) {
	pl, err := cfg.plan()
	if err != nil {
		return nil, err
	}
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: cfg.Seed, Device: cfg.Device})
	inf := &Inference{Config: cfg, Spec: pl.spec, Builder: b}
	inf.X = b.Placeholder("x", tf.Float, inputDims(pl)...)
	inf.Pass = b.NewPass("infer", false)
	f := applyModel(pl, inf.Pass, inf.X)
	inf.Probs = identity(b, "probabilities", f.probs)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("builders: %s: %w", pl.spec.Name, err)
	}
	return inf, nil
}

// Name returns the model's display name (Config.Name).
func (i *Inference) Name() string { return i.Config.Name() }

// InputShape returns the per-example input shape.
func (i *Inference) InputShape() []int { return i.Spec.InputShape() }

// Name returns the model's display name, e.g. "cnn mc  cnn-64-64".
func (m *Model) Name() string { return m.Config.Name() }

// InputShape returns the per-example input shape: [F] or [L, F].
func (m *Model) InputShape() []int { return m.Spec.InputShape() }

// Summary returns the Keras-style summary table of the model as built.
func (m *Model) Summary() string { return formatSummary(m.Name(), m.plan.info) }

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

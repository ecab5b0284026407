package tfgraph

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"
)

// BuilderOptions configures a Builder. The zero value is usable.
type BuilderOptions struct {
	// Seed makes initial weights and dropout masks repeat exactly on one
	// machine. Each variable draws from its own stream derived from Seed and
	// the variable's name, so adding a layer does not change the others.
	Seed int64
	// Device is the TensorFlow device string the model's ops are pinned to
	// ("" lets TensorFlow place them). See ResolveDevice.
	Device string
}

// Builder owns a graph under construction: its variables, passes and the
// sticky construction error shared by every scope derived from it.
type Builder struct {
	Graph *tf.Graph
	// Root is the device-scoped root scope. Ops added through it and its
	// sub-scopes record their failure on the shared error (see Err).
	Root *op.Scope
	opts BuilderOptions

	vars   []*Variable
	byName map[string]*Variable
	iter   *Variable
	passes map[string]bool
	nGrad  int
	readP  *Pass
}

// NewBuilder starts an empty graph.
func NewBuilder(opts BuilderOptions) *Builder {
	g := tf.NewGraph()
	root := op.NewScopeWithGraph(g)
	if opts.Device != "" {
		root = root.WithDevice(opts.Device)
	}
	return &Builder{Graph: g, Root: root, opts: opts, byName: map[string]*Variable{}, passes: map[string]bool{}}
}

// Options returns the options the builder was made with.
func (b *Builder) Options() BuilderOptions { return b.opts }

// Err returns the first graph-construction error, if any.
func (b *Builder) Err() error { return b.Root.Err() }

// Fail records err on the builder (the first error wins) and returns it.
func (b *Builder) Fail(err error) error {
	if err != nil {
		b.Root.UpdateErr("tfnids", err)
	}
	return b.Err()
}

// AddOp adds an op with an exact name (outside any namespace). Signature
// tensors such as "x" and "probabilities" need names clients can rely on.
func (b *Builder) AddOp(spec tf.OpSpec) *tf.Operation {
	return b.Root.AddOperation(spec)
}

// Placeholder adds a placeholder with the exact name given; -1 marks an
// unknown dimension.
func (b *Builder) Placeholder(name string, dt tf.DataType, shape ...int64) tf.Output {
	o := b.AddOp(tf.OpSpec{Type: "Placeholder", Name: name,
		Attrs: map[string]any{"dtype": dt, "shape": tf.MakeShape(shape...)}})
	if o == nil {
		return tf.Output{}
	}
	return o.Output(0)
}

// Variable is a resource variable: a VarHandleOp whose shared_name is Name
// (also its checkpoint key, "dense/kernel" as in TF1 name-based checkpoints),
// with a placeholder and assign op that load its initial value.
type Variable struct {
	Name      string
	DType     tf.DataType
	Shape     []int64
	Trainable bool
	Init      Initializer
	Handle    tf.Output

	initValue tf.Output
	initOp    *tf.Operation
}

// Size is the number of elements of the variable.
func (v *Variable) Size() int64 {
	n := int64(1)
	for _, d := range v.Shape {
		n *= d
	}
	return n
}

// NewVariable creates a variable named name (unique in the graph). Float
// variables are initialized by init; int64 variables start at zero.
func (b *Builder) NewVariable(name string, dt tf.DataType, shape []int64, init Initializer, trainable bool) *Variable {
	if b.Err() != nil {
		return &Variable{Name: name, DType: dt, Shape: shape}
	}
	if _, dup := b.byName[name]; dup {
		b.Fail(fmt.Errorf("variable %q defined twice", name))
		return b.byName[name]
	}
	v := &Variable{Name: name, DType: dt, Shape: append([]int64(nil), shape...), Trainable: trainable, Init: init}
	h := b.AddOp(tf.OpSpec{Type: "VarHandleOp", Name: name, Attrs: map[string]any{
		"dtype": dt, "shape": tf.MakeShape(shape...), "shared_name": name, "container": "",
	}})
	ph := b.AddOp(tf.OpSpec{Type: "Placeholder", Name: name + "/init_value",
		Attrs: map[string]any{"dtype": dt, "shape": tf.MakeShape(shape...)}})
	if h == nil || ph == nil {
		return v
	}
	v.Handle, v.initValue = h.Output(0), ph.Output(0)
	v.initOp = b.AddOp(tf.OpSpec{Type: "AssignVariableOp", Name: name + "/Assign",
		Input: []tf.Input{v.Handle, v.initValue}, Attrs: map[string]any{"dtype": dt}})
	b.vars = append(b.vars, v)
	b.byName[name] = v
	return v
}

// Variables returns every variable in creation order.
func (b *Builder) Variables() []*Variable { return b.vars }

// Variable returns the variable with the given name, or nil.
func (b *Builder) Variable(name string) *Variable { return b.byName[name] }

// Trainable returns the trainable variables in creation order.
func (b *Builder) Trainable() []*Variable {
	var out []*Variable
	for _, v := range b.vars {
		if v.Trainable {
			out = append(out, v)
		}
	}
	return out
}

// Iterations is the int64 training-step counter ("iterations", as Keras'
// optimizer calls it). Adam derives its bias corrections from it and dropout
// its per-step seeds, so a run restored from a checkpoint continues exactly.
func (b *Builder) Iterations() *Variable {
	if b.iter == nil {
		b.iter = b.NewVariable("iterations", tf.Int64, nil, nil, false)
	}
	return b.iter
}

// rngFor derives a variable's private random stream from the seed and name.
func (b *Builder) rngFor(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(b.opts.Seed), h.Sum64()))
}

// OpSeed returns a deterministic int64 seed for a random op called name.
func (b *Builder) OpSeed(name string) int64 {
	return int64(b.rngFor("op:"+name).Uint64() >> 2)
}

// Gradients returns d(loss)/d(xs) through Graph.AddGradients, TensorFlow's
// C++ symbolic differentiation. A variable the loss does not reach is an
// error naming it, rather than the crash a NoGradient output would cause.
func (b *Builder) Gradients(loss tf.Output, xs []tf.Output, names []string) ([]tf.Output, error) {
	if err := b.Err(); err != nil {
		return nil, err
	}
	prefix := "gradients"
	if b.nGrad > 0 {
		prefix = fmt.Sprintf("gradients_%d", b.nGrad)
	}
	b.nGrad++
	grads, err := b.Graph.AddGradients(prefix, []tf.Output{loss}, xs, nil)
	if err != nil {
		return nil, b.Fail(fmt.Errorf("gradients: %w", err))
	}
	for i, g := range grads {
		if g.Index < 0 || g.Op == nil {
			n := fmt.Sprint(i)
			if i < len(names) {
				n = names[i]
			}
			return nil, b.Fail(fmt.Errorf("gradients: the loss does not depend on %s", n))
		}
	}
	return grads, nil
}

// Pass is one application of the model's forward computation: "train"
// (dropout on, batch-norm batch statistics and moving-average updates) or
// "infer". Passes share the builder's variables; each has its own ops under
// its own name scope.
type Pass struct {
	B        *Builder
	Name     string
	Training bool
	// Scope is the root of the pass's ops.
	Scope *op.Scope
	// Updates are state updates a training step must run (batch-norm moving
	// statistics).
	Updates []*tf.Operation
	// Penalties are regularization terms to add to the loss, as Keras adds
	// layer losses.
	Penalties []tf.Output
	// Taps are intermediate tensors that layers expose, in graph order, for
	// procedures run after training (the inference pass's batch-norm inputs,
	// for re-estimating the moving statistics).
	Taps []Tap

	reads  map[*Variable]tf.Output
	layers map[string]int
}

// Tap is an intermediate tensor of a pass: Layer is the layer that
// exposed it and Kind what it is (e.g. "batch_normalization_input").
type Tap struct {
	Layer, Kind string
	X           tf.Output
}

// NewPass starts a forward pass; name must be unique in the builder.
func (b *Builder) NewPass(name string, training bool) *Pass {
	if b.passes[name] {
		b.Fail(fmt.Errorf("pass %q defined twice", name))
	}
	b.passes[name] = true
	return &Pass{B: b, Name: name, Training: training, Scope: b.Root.SubScope(name),
		reads: map[*Variable]tf.Output{}, layers: map[string]int{}}
}

// LayerName returns Keras' automatic layer name for a layer kind: "dense",
// then "dense_1", ... Names are counted per pass, so every pass of one model
// names its layers (and so its variables) alike.
func (p *Pass) LayerName(kind string) string {
	n := p.layers[kind]
	p.layers[kind]++
	if n == 0 {
		return kind
	}
	return fmt.Sprintf("%s_%d", kind, n)
}

// Var returns this pass's read of variable "<layer>/<name>", creating the
// variable on first use. A later pass asking for the same name must ask for
// the same shape.
func (p *Pass) Var(layer, name string, shape []int64, init Initializer, trainable bool) tf.Output {
	full := layer + "/" + name
	v := p.B.byName[full]
	if v == nil {
		v = p.B.NewVariable(full, tf.Float, shape, init, trainable)
	} else if fmt.Sprint(v.Shape) != fmt.Sprint(shape) {
		p.B.Fail(fmt.Errorf("variable %s: shape %v in pass %s, %v before", full, shape, p.Name, v.Shape))
	}
	return p.Read(v)
}

// Read returns the pass's ReadVariableOp of v (one per pass and variable).
func (p *Pass) Read(v *Variable) tf.Output {
	if r, ok := p.reads[v]; ok {
		return r
	}
	if p.B.Err() != nil {
		return tf.Output{}
	}
	name := p.Name + "/" + v.Name + "/Read"
	o := p.B.AddOp(tf.OpSpec{Type: "ReadVariableOp", Name: name, Input: []tf.Input{v.Handle},
		Attrs: map[string]any{"dtype": v.DType}})
	if o == nil {
		return tf.Output{}
	}
	p.reads[v] = o.Output(0)
	return p.reads[v]
}

// Reads returns the reads of vs in this pass, in order.
func (p *Pass) Reads(vs []*Variable) []tf.Output {
	out := make([]tf.Output, len(vs))
	for i, v := range vs {
		out[i] = p.Read(v)
	}
	return out
}

// StepSeed returns an int64[2] seed for a stateless random op: the op's own
// seed and the current training step. Masks differ every step yet repeat
// exactly when training resumes from a checkpoint.
func (p *Pass) StepSeed(s *op.Scope, opName string) tf.Output {
	it := p.Read(p.B.Iterations())
	seed := op.Const(s.SubScope("op_seed"), []int64{p.B.OpSeed(p.Name + "/" + opName)})
	step := op.Reshape(s.SubScope("step"), it, op.Const(s.SubScope("shape"), []int32{1}))
	return op.ConcatV2(s.SubScope("seed"), []tf.Output{seed, step}, op.Const(s.SubScope("axis"), int32(0)))
}

// Sanitize turns a free-form name into a valid TensorFlow node name part.
func Sanitize(name string) string {
	var sb strings.Builder
	for i, r := range name {
		ok := r == '_' || r == '.' || r == '-' || r == '/' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok || (i == 0 && (r == '_' || r == '-' || r == '/')) {
			r = '_'
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

package builders

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// BuildReplicas makes a data-parallel training graph of cfg by in-graph
// replication: one tower per device in towers (e.g.
// "/job:worker/replica:0/task:1/device:CPU:0"), variables, optimizer and
// the inference pass on cfg.Device.
//
// A training step splits the fed batch of B examples into len(towers)
// consecutive shares (tower k gets rows [B·k/n, B·(k+1)/n)); each tower runs
// the model's training pass, its loss and the loss's gradients on its own
// device, from the variables' current values; the gradients are averaged
// weighted by each tower's share of the batch, which makes them the
// gradients of the whole batch's mean loss, and one Adam update
// (tfgraph.Adam.ApplyGradients) is applied on the variables' device. Loss and
// Accuracy are the same share-weighted means, so they equal the whole
// batch's. A tower whose share is empty (a batch smaller than the tower
// count) contributes nothing.
//
// What differs from Build: dropout masks are drawn per tower (tower 0 with
// Build's seeds, the others with seeds of their own), so with dropout a
// step is not the whole-batch step of Build, only equal in distribution.
// Batch normalization normalizes each tower's share with that share's batch
// statistics (as Keras' BatchNormalization under a MirroredStrategy, without
// SyncBatchNormalization), and the moving statistics move towards the
// share-weighted mean of the towers' batch statistics. Without dropout and
// batch normalization (the dense and gru models with Dropout 0, the lstm
// with Dropout 0) one step equals Build's step on the whole batch up to
// float rounding.
//
// The returned Model is used as Build's: Open, Fit, Predict, Save, Restore.
// Its Train pass holds the variable reads the towers share.
func BuildReplicas(cfg Config, towers []string) (*Model, error) {
	pl, err := cfg.plan()
	if err != nil {
		return nil, err
	}
	if len(towers) == 0 {
		return nil, errors.New("builders: replicas: no tower devices")
	}
	for i, d := range towers {
		if strings.TrimSpace(d) == "" {
			return nil, fmt.Errorf("builders: replicas: tower %d has no device", i)
		}
	}
	tpl, err := buildTowerTemplate(cfg, pl)
	if err != nil {
		return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
	}

	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: cfg.Seed, Device: cfg.Device})
	m := &Model{Config: cfg, Spec: pl.spec, Builder: b, plan: pl}
	m.X = b.Placeholder("x", tf.Float, inputDims(pl)...)
	m.Y = b.Placeholder("y", tf.Int32, -1)
	// The model's variables, as the template (and Build) makes them: same
	// names, shapes and initializers, hence the same initial values.
	main := map[string]*tfgraph.Variable{}
	for _, v := range tpl.b.Variables() {
		if v.Name == "iterations" {
			main[v.Name] = b.Iterations()
			continue
		}
		main[v.Name] = b.NewVariable(v.Name, v.DType, v.Shape, v.Init, v.Trainable)
	}
	m.Train = b.NewPass("train", true)
	sp := b.Root.SubScope("split")
	shares := splitBatch(sp, m.X, m.Y, len(towers))

	var losses, accs []tf.Output
	grads := make([][]tf.Output, len(tpl.trainable))
	updates := make([][]tf.Output, len(tpl.updates))
	for k, dev := range towers {
		opts := tf.GraphImportOptions{Prefix: fmt.Sprintf("tower_%d", k), Device: dev}
		opts.AddInputMapping(tpl.x.Op.Name(), tpl.x.Index, shares[k].x)
		opts.AddInputMapping(tpl.y.Op.Name(), tpl.y.Index, shares[k].y)
		for name, r := range tpl.reads {
			opts.AddInputMapping(r.Op.Name(), r.Index, m.Train.Read(main[name]))
		}
		if k > 0 {
			for _, c := range tpl.seeds {
				seed := op.Const(b.Root.SubScope(fmt.Sprintf("tower_%d_seed", k)), []int64{towerSeed(c.value, k)})
				opts.AddInputMapping(c.name, 0, seed)
			}
		}
		if err := b.Err(); err != nil {
			return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
		}
		if err := b.Graph.ImportWithOptions(tpl.def, opts); err != nil {
			return nil, fmt.Errorf("builders: %s: replicas: tower %d: %w", pl.spec.Name, k, err)
		}
		find := func(o tf.Output) (tf.Output, error) {
			name := opts.Prefix + "/" + o.Op.Name()
			imported := b.Graph.Operation(name)
			if imported == nil {
				return tf.Output{}, fmt.Errorf("tower %d: %s was not imported", k, name)
			}
			return imported.Output(o.Index), nil
		}
		w := shares[k].weight
		ts := b.Root.SubScope(fmt.Sprintf("tower_%d_share", k))
		weigh := func(o tf.Output) (tf.Output, error) {
			t, err := find(o)
			if err != nil {
				return tf.Output{}, err
			}
			// MulNoNan: an empty share (NaN mean) with weight 0 adds 0.
			return op.MulNoNan(ts.SubScope("weighted"), t, w), nil
		}
		l, err := weigh(tpl.loss)
		if err != nil {
			return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
		}
		a, err := weigh(tpl.acc)
		if err != nil {
			return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
		}
		losses, accs = append(losses, l), append(accs, a)
		for i, g := range tpl.grads {
			wg, err := weigh(g)
			if err != nil {
				return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
			}
			grads[i] = append(grads[i], wg)
		}
		for i, u := range tpl.updates {
			wu, err := weigh(u.value)
			if err != nil {
				return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
			}
			updates[i] = append(updates[i], wu)
		}
	}
	cs := b.Root.SubScope("replicas")
	m.Loss = sum(cs.SubScope("loss"), losses)
	m.Accuracy = sum(cs.SubScope("accuracy"), accs)
	avg := make([]tf.Output, len(grads))
	for i, g := range grads {
		avg[i] = sum(cs.SubScope("gradient"), g)
	}
	var assigns []*tf.Operation
	for i, u := range tpl.updates {
		nv := sum(cs.SubScope("moving_average"), updates[i])
		assigns = append(assigns, op.AssignVariableOp(cs.SubScope("update"), main[u.variable].Handle, nv))
	}

	m.Infer = b.NewPass("infer", false)
	inf := applyModel(pl, m.Infer, m.X)
	m.Probs = identity(b, "probabilities", inf.probs)
	m.EvalLoss, m.EvalAccuracy = lossAndAccuracy(pl, m.Infer, inf, m.Y, "eval_loss")
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
	}
	for _, v := range b.Variables() {
		if v.DType == tf.Float {
			m.weights = append(m.weights, v)
		}
	}
	trainable := b.Trainable()
	if len(trainable) != len(tpl.trainable) {
		return nil, fmt.Errorf("builders: %s: replicas: %d trainable variables, the towers differentiate %d", pl.spec.Name, len(trainable), len(tpl.trainable))
	}
	for i, v := range trainable {
		if v.Name != tpl.trainable[i] {
			return nil, fmt.Errorf("builders: %s: replicas: trainable variable %d is %s, the towers' gradient %d is for %s", pl.spec.Name, i, v.Name, i, tpl.trainable[i])
		}
	}
	step, err := tfgraph.Adam{}.ApplyGradients(b, m.Train, avg, []*tf.Operation{m.Loss.Op}, assigns)
	if err != nil {
		return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
	}
	m.Step = step
	if m.Saver, err = b.NewSaver(); err != nil {
		return nil, fmt.Errorf("builders: %s: replicas: %w", pl.spec.Name, err)
	}
	return m, nil
}

// towerTemplate is one tower's training computation in a graph of its own,
// with no device, serialized for import once per tower.
type towerTemplate struct {
	b         *tfgraph.Builder
	def       []byte
	x, y      tf.Output
	loss, acc tf.Output
	// reads are the template's variable reads by variable name; the import
	// replaces them with the main graph's reads.
	reads map[string]tf.Output
	// trainable names the variables grads differentiate, in order.
	trainable []string
	grads     []tf.Output
	updates   []towerUpdate
	seeds     []seedConst
}

// towerUpdate is a state update of the training pass (batch-norm moving
// statistics): the new value the tower computes for a variable.
type towerUpdate struct {
	variable string
	value    tf.Output
}

// seedConst is a random op's seed constant in the template.
type seedConst struct {
	name  string
	value int64
}

func buildTowerTemplate(cfg Config, pl *plan) (*towerTemplate, error) {
	tb := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: cfg.Seed})
	t := &towerTemplate{b: tb, reads: map[string]tf.Output{}}
	t.x = tb.Placeholder("x", tf.Float, inputDims(pl)...)
	t.y = tb.Placeholder("y", tf.Int32, -1)
	// The pass is named "train" as in Build, so tower 0's dropout seeds are
	// Build's.
	p := tb.NewPass("train", true)
	f := applyModel(pl, p, t.x)
	t.loss, t.acc = lossAndAccuracy(pl, p, f, t.y, "loss")
	if err := tb.Err(); err != nil {
		return nil, err
	}
	vars := tb.Trainable()
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	grads, err := tb.Gradients(t.loss, p.Reads(vars), names)
	if err != nil {
		return nil, err
	}
	t.trainable, t.grads = names, grads
	handles := map[string]string{} // VarHandleOp name -> variable name
	for _, v := range tb.Variables() {
		t.reads[v.Name] = p.Read(v)
		handles[v.Handle.Op.Name()] = v.Name
	}
	for _, u := range p.Updates {
		if u.Type() != "AssignVariableOp" {
			return nil, fmt.Errorf("training pass update %s is a %s, not an AssignVariableOp", u.Name(), u.Type())
		}
		h, err := tfgraph.OperationInput(tb.Graph, u, 0)
		if err != nil {
			return nil, err
		}
		v, err := tfgraph.OperationInput(tb.Graph, u, 1)
		if err != nil {
			return nil, err
		}
		name, ok := handles[h.Op.Name()]
		if !ok {
			return nil, fmt.Errorf("training pass update %s assigns %s, not a model variable", u.Name(), h.Op.Name())
		}
		t.updates = append(t.updates, towerUpdate{variable: name, value: v})
	}
	for _, o := range tb.Graph.Operations() {
		if o.Type() != "Const" || !strings.HasSuffix(o.Name(), "/op_seed/Const") {
			continue
		}
		a, err := o.Attr("value")
		if err != nil {
			return nil, err
		}
		tv, ok := a.(*tf.Tensor)
		if !ok {
			return nil, fmt.Errorf("seed constant %s has no tensor value", o.Name())
		}
		vals, ok := tv.Value().([]int64)
		if !ok || len(vals) != 1 {
			return nil, fmt.Errorf("seed constant %s is not one int64", o.Name())
		}
		t.seeds = append(t.seeds, seedConst{name: o.Name(), value: vals[0]})
	}
	if err := tb.Err(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := tb.Graph.WriteTo(&buf); err != nil {
		return nil, err
	}
	t.def = buf.Bytes()
	return t, nil
}

// towerSeed derives tower k's seed for a random op from tower 0's.
func towerSeed(seed int64, k int) int64 {
	x := uint64(seed) ^ (uint64(k) * 0x9E3779B97F4A7C15)
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return int64(x >> 2)
}

// share is one tower's part of the batch.
type share struct {
	x, y   tf.Output
	weight tf.Output // rows in the share / rows in the batch, float32
}

// splitBatch cuts the batch (x, y) into n consecutive shares.
func splitBatch(s *op.Scope, x, y tf.Output, n int) []share {
	batch := op.Size(s.SubScope("batch"), y) // y is (batch): its size is the batch's
	total := op.Cast(s.SubScope("total"), batch, tf.Float)
	bound := func(k int) tf.Output { // batch·k / n, rounded down
		if k == 0 {
			return op.Const(s.SubScope("zero"), int32(0))
		}
		if k == n {
			return batch
		}
		return op.FloorDiv(s.SubScope("bound"), op.Mul(s.SubScope("bound_mul"), batch, op.Const(s.SubScope("k"), int32(k))),
			op.Const(s.SubScope("n"), int32(n)))
	}
	out := make([]share, n)
	lo := bound(0)
	for k := 0; k < n; k++ {
		hi := bound(k + 1)
		ss := s.SubScope(fmt.Sprintf("share_%d", k))
		idx := op.Range(ss.SubScope("rows"), lo, hi, op.Const(ss.SubScope("delta"), int32(1)))
		axis := op.Const(ss.SubScope("axis"), int32(0))
		out[k].x = op.GatherV2(ss.SubScope("x"), x, idx, axis)
		out[k].y = op.GatherV2(ss.SubScope("y"), y, idx, axis)
		rows := op.Cast(ss.SubScope("rows_float"), op.Sub(ss.SubScope("count"), hi, lo), tf.Float)
		out[k].weight = op.RealDiv(ss.SubScope("weight"), rows, total)
		lo = hi
	}
	return out
}

// sum adds outputs (AddN; one output passes through).
func sum(s *op.Scope, xs []tf.Output) tf.Output {
	if len(xs) == 1 {
		return op.Identity(s, xs[0])
	}
	return op.AddN(s, xs)
}

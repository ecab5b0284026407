package tfgraph

// #include "tensorflow/c/c_api.h"
import "C"

import (
	"fmt"
	"unsafe"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"
)

// This file holds what in-graph replication (one tower per cluster task,
// see builders.BuildReplicas) needs beyond Minimize: applying gradients
// computed elsewhere, and following an op's inputs.

// ApplyGradients adds one Adam step that applies grads, one per trainable
// variable of b in b.Trainable() order (for example gradients averaged over
// several towers), and returns the op that runs it. It is Minimize without
// the differentiation: the same slots ("<var>/Adam", "<var>/Adam_1"), the
// same ResourceApplyAdam kernel, Iterations incremented once, and the op
// named "train_step". The updates wait for every op in after (the step's
// loss), so no variable changes before the step has read it; the step also
// runs updates (e.g. batch-norm moving statistics). pass supplies the read
// of Iterations.
func (a Adam) ApplyGradients(b *Builder, pass *Pass, grads []tf.Output, after []*tf.Operation, updates []*tf.Operation) (*tf.Operation, error) {
	a = a.withDefaults()
	if err := b.Err(); err != nil {
		return nil, err
	}
	vars := b.Trainable()
	if len(vars) == 0 {
		return nil, b.Fail(fmt.Errorf("adam: no trainable variables"))
	}
	if len(grads) != len(vars) {
		return nil, b.Fail(fmt.Errorf("adam: %d gradients for %d trainable variables", len(grads), len(vars)))
	}
	iter := b.Iterations()
	s := b.Root.SubScope("adam").WithControlDependencies(after...)
	it := pass.Read(iter)
	t := op.Cast(s.SubScope("t"), op.AddV2(s.SubScope("step"), it, op.Const(s.SubScope("one"), int64(1))), tf.Float)
	b1 := op.Const(s.SubScope("beta1"), a.Beta1)
	b2 := op.Const(s.SubScope("beta2"), a.Beta2)
	b1p := op.Pow(s.SubScope("beta1_power"), b1, t)
	b2p := op.Pow(s.SubScope("beta2_power"), b2, t)
	lr := op.Const(s.SubScope("learning_rate"), a.LearningRate)
	eps := op.Const(s.SubScope("epsilon"), a.Epsilon)

	var applies []*tf.Operation
	for i, v := range vars {
		m := b.NewVariable(v.Name+"/Adam", tf.Float, v.Shape, Zeros, false)
		vv := b.NewVariable(v.Name+"/Adam_1", tf.Float, v.Shape, Zeros, false)
		applies = append(applies, op.ResourceApplyAdam(s.SubScope("apply"), v.Handle, m.Handle, vv.Handle,
			b1p, b2p, lr, b1, b2, eps, grads[i]))
	}
	inc := op.AssignAddVariableOp(s.SubScope("increment").WithControlDependencies(applies...), iter.Handle,
		op.Const(s.SubScope("inc_one"), int64(1)))
	deps := append(append(applies, inc), updates...)
	step := b.Root.WithControlDependencies(deps...).AddOperation(tf.OpSpec{Type: "NoOp", Name: "train_step"})
	if err := b.Err(); err != nil {
		return nil, err
	}
	return step, nil
}

// opPointer returns the TF_Operation behind a graft Operation (its first
// field in graft v0.10.0, as for Tensor; TestOperationInput guards the
// layout).
func opPointer(o *tf.Operation) *C.TF_Operation {
	return *(**C.TF_Operation)(unsafe.Pointer(o))
}

// OperationInput returns the output of g that feeds input i of o (graft
// has no accessor for an op's inputs).
func OperationInput(g *tf.Graph, o *tf.Operation, i int) (tf.Output, error) {
	if o == nil || opPointer(o) == nil {
		return tf.Output{}, fmt.Errorf("tfgraph: operation input: nil operation")
	}
	if i < 0 || i >= o.NumInputs() {
		return tf.Output{}, fmt.Errorf("tfgraph: operation %s has %d inputs, no input %d", o.Name(), o.NumInputs(), i)
	}
	src := C.TF_OperationInput(C.TF_Input{oper: opPointer(o), index: C.int(i)})
	name := C.GoString(C.TF_OperationName(src.oper))
	p := g.Operation(name)
	if p == nil {
		return tf.Output{}, fmt.Errorf("tfgraph: operation %s: input %d comes from %q, which is not in the graph", o.Name(), i, name)
	}
	return p.Output(int(src.index)), nil
}

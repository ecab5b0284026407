package tfgraph

import (
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"
)

// Adam is the Adam optimizer on TensorFlow's ResourceApplyAdam kernel, whose
// update (epsilon outside the bias-corrected square root) is term for term
// Keras 3's Adam.update_step. Zero fields take Keras' defaults.
type Adam struct {
	LearningRate float32 // default 0.001
	Beta1        float32 // default 0.9
	Beta2        float32 // default 0.999
	Epsilon      float32 // default 1e-7
}

func (a Adam) withDefaults() Adam {
	if a.LearningRate == 0 {
		a.LearningRate = 0.001
	}
	if a.Beta1 == 0 {
		a.Beta1 = 0.9
	}
	if a.Beta2 == 0 {
		a.Beta2 = 0.999
	}
	if a.Epsilon == 0 {
		a.Epsilon = 1e-7
	}
	return a
}

// Minimize adds one training step over the trainable variables read in pass
// and returns the op that runs it. A single Session.Run of that op (with the
// loss fetched) reads every variable, computes the gradients, applies Adam to
// every variable, runs the pass's state updates (batch-norm moving
// statistics) and increments Iterations. Updates are made to wait for the
// loss, so no variable changes before every read of the step has happened.
// The Adam slots are variables "<var>/Adam" (m) and "<var>/Adam_1" (v), the
// TF1 slot names, so checkpoints carry the optimizer state.
func (a Adam) Minimize(b *Builder, pass *Pass, loss tf.Output) (*tf.Operation, error) {
	a = a.withDefaults()
	if err := b.Err(); err != nil {
		return nil, err
	}
	vars := b.Trainable()
	if len(vars) == 0 {
		return nil, b.Fail(fmt.Errorf("adam: no trainable variables"))
	}
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	grads, err := b.Gradients(loss, pass.Reads(vars), names)
	if err != nil {
		return nil, err
	}
	iter := b.Iterations()
	s := b.Root.SubScope("adam").WithControlDependencies(loss.Op)
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
	deps := append(append(applies, inc), pass.Updates...)
	step := b.Root.WithControlDependencies(deps...).AddOperation(tf.OpSpec{Type: "NoOp", Name: "train_step"})
	if err := b.Err(); err != nil {
		return nil, err
	}
	return step, nil
}

package tfgraph

import (
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
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
	return a.ApplyGradients(b, pass, grads, []*tf.Operation{loss.Op}, pass.Updates)
}

package tfgraph

import (
	"fmt"
	"sort"

	tf "github.com/wamuir/graft/tensorflow"
)

// AssignVariables loads float32 values into variables by name in one Run,
// through the same placeholders and assign ops Initialize uses (so it adds
// nothing to the graph). Values are row-major and must fill the variable's
// shape exactly. An unknown name, a non-float variable or a wrong length is
// an error and nothing is assigned.
func (b *Builder) AssignVariables(sess *tf.Session, values map[string][]float32) error {
	if err := b.Err(); err != nil {
		return err
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	feeds := map[tf.Output]*tf.Tensor{}
	targets := make([]*tf.Operation, 0, len(names))
	var tensors []*tf.Tensor
	defer func() { FreeTensors(tensors...) }()
	for _, n := range names {
		v := b.byName[n]
		if v == nil {
			return fmt.Errorf("assign: no variable %q", n)
		}
		if v.DType != tf.Float {
			return fmt.Errorf("assign: variable %q is %v, not float32", n, v.DType)
		}
		if int64(len(values[n])) != v.Size() {
			return fmt.Errorf("assign: variable %q has shape %v (%d values), got %d values", n, v.Shape, v.Size(), len(values[n]))
		}
		t, err := NewFloat32(values[n], v.Shape...)
		if err != nil {
			return fmt.Errorf("assign %s: %w", n, err)
		}
		tensors = append(tensors, t)
		feeds[v.initValue] = t
		targets = append(targets, v.initOp)
	}
	if len(targets) == 0 {
		return nil
	}
	_, err := sess.Run(feeds, nil, targets)
	return err
}

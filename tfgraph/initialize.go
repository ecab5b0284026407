package tfgraph

import (
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
)

// Initialize assigns every variable its initial value in one Run: float
// variables from their Initializer (seeded per variable), int64 ones zero.
func (b *Builder) Initialize(sess *tf.Session) error {
	if err := b.Err(); err != nil {
		return err
	}
	feeds := map[tf.Output]*tf.Tensor{}
	var targets []*tf.Operation
	var tensors []*tf.Tensor
	defer func() { FreeTensors(tensors...) }()
	for _, v := range b.vars {
		var t *tf.Tensor
		var err error
		switch v.DType {
		case tf.Float:
			init := v.Init
			if init == nil {
				init = Zeros
			}
			vals := init(b.rngFor(v.Name), v.Shape)
			t, err = NewFloat32(vals, v.Shape...)
		case tf.Int64:
			t, err = tf.NewTensor(int64(0))
			if err == nil && len(v.Shape) > 0 {
				t, err = tf.NewTensor(make([]int64, v.Size()))
				if err == nil {
					err = t.Reshape(v.Shape)
				}
			}
		default:
			err = fmt.Errorf("unsupported dtype %v", v.DType)
		}
		if err != nil {
			return fmt.Errorf("initialize %s: %w", v.Name, err)
		}
		tensors = append(tensors, t)
		feeds[v.initValue] = t
		targets = append(targets, v.initOp)
	}
	_, err := sess.Run(feeds, nil, targets)
	return err
}

// ReadVariables fetches the current values of vs (float32 only) from the
// session, keyed by variable name.
func (b *Builder) ReadVariables(sess *tf.Session, vs []*Variable) (map[string][]float32, error) {
	p := b.readPass()
	fetches := make([]tf.Output, len(vs))
	for i, v := range vs {
		fetches[i] = p.Read(v)
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	out, err := sess.Run(nil, fetches, nil)
	if err != nil {
		return nil, err
	}
	defer FreeTensors(out...)
	m := make(map[string][]float32, len(vs))
	for i, v := range vs {
		f, err := Float32s(out[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.Name, err)
		}
		m[v.Name] = f
	}
	return m, nil
}

// readPass is a pass with no computation, used to read variables out.
func (b *Builder) readPass() *Pass {
	const name = "variable_values"
	if b.readP == nil {
		b.readP = b.NewPass(name, false)
	}
	return b.readP
}

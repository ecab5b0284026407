package builders

import (
	"fmt"
	"math"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/spec"
	"github.com/tfnids/tfnids/tfgraph"
)

// Activation names a Keras activation function.
type Activation string

// The activations layers accept (keras.activations, Keras 3.8 defaults).
const (
	Linear    Activation = "" // identity ("linear")
	Relu      Activation = "relu"
	Tanh      Activation = "tanh"
	Sigmoid   Activation = "sigmoid"
	Softmax   Activation = "softmax"    // over the last axis
	Elu       Activation = "elu"        // alpha 1
	Selu      Activation = "selu"       // TensorFlow's Selu op, Keras' constants
	Gelu      Activation = "gelu"       // exact: x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (Keras' approximate=False)
	LeakyRelu Activation = "leaky_relu" // negative slope 0.2 (Keras' default)
	Swish     Activation = "swish"      // x·sigmoid(x) (Keras 3 calls it silu)
)

func (a Activation) check() error {
	switch a {
	case Linear, "linear", Relu, Tanh, Sigmoid, Softmax, Elu, Selu, Gelu, LeakyRelu, Swish, "silu":
		return nil
	}
	return fmt.Errorf("unknown activation %q (supported: %v)", string(a), spec.Activations())
}

// apply adds the activation to x.
func (a Activation) apply(s *op.Scope, x tf.Output) tf.Output {
	switch a {
	case Relu:
		return op.Relu(s.SubScope("Relu"), x)
	case Tanh:
		return op.Tanh(s.SubScope("Tanh"), x)
	case Sigmoid:
		return op.Sigmoid(s.SubScope("Sigmoid"), x)
	case Softmax:
		return op.Softmax(s.SubScope("Softmax"), x)
	case Elu:
		return op.Elu(s.SubScope("Elu"), x)
	case Selu:
		return op.Selu(s.SubScope("Selu"), x)
	case LeakyRelu:
		return op.LeakyRelu(s.SubScope("LeakyRelu"), x, op.LeakyReluAlpha(0.2))
	case Swish, "silu":
		return op.Mul(s.SubScope("swish"), x, op.Sigmoid(s.SubScope("Sigmoid"), x))
	case Gelu:
		gs := s.SubScope("gelu")
		erf := op.Erf(gs.SubScope("Erf"), op.Mul(gs.SubScope("scale"), x, op.Const(gs.SubScope("inv_sqrt2"), float32(1/math.Sqrt2))))
		one := op.AddV2(gs.SubScope("one_plus"), erf, op.Const(gs.SubScope("one"), float32(1)))
		return op.Mul(gs.SubScope("Mul"), op.Mul(gs.SubScope("half_x"), x, op.Const(gs.SubScope("half"), float32(0.5))), one)
	case Linear, "linear":
		return x
	}
	s.UpdateErr("activation", a.check())
	return x
}

// ActivationLayer is keras.layers.Activation: the activation alone.
type ActivationLayer struct {
	Activation Activation
}

// Kind implements Layer.
func (ActivationLayer) Kind() string { return "activation" }

// Type implements Layer.
func (ActivationLayer) Type() string { return "Activation" }

// OutputShape implements Layer.
func (a ActivationLayer) OutputShape(in []int) ([]int, error) {
	if err := a.Activation.check(); err != nil {
		return nil, err
	}
	if len(in) < 1 {
		return nil, fmt.Errorf("Activation needs inputs of rank >= 2 with the batch")
	}
	return append([]int(nil), in...), nil
}

// Params implements Layer.
func (ActivationLayer) Params([]int) (int64, int64) { return 0, 0 }

// Apply implements Layer.
func (a ActivationLayer) Apply(p *tfgraph.Pass, name string, x tf.Output, in []int) tf.Output {
	s, ok := prepare(a, p, name, in)
	if !ok {
		return tf.Output{}
	}
	return a.Activation.apply(s, x)
}

package builders

import (
	"fmt"

	"github.com/tfnids/tfnids/spec"
)

// FromSpec returns the layer value a spec layer describes (Keras' defaults
// for absent arguments).
func FromSpec(l spec.Layer) (Layer, error) {
	reg := func(k string) *Regularizer {
		if r := l.Regularizer(k); r != nil {
			return &Regularizer{L1: r.L1, L2: r.L2}
		}
		return nil
	}
	act := func() Activation {
		a := Activation(l.Str("activation"))
		if a == "linear" {
			return Linear
		}
		return a
	}
	switch l.Class {
	case "Dense":
		return Dense{Units: l.Int("units"), Activation: act(), KernelRegularizer: reg("kernel_regularizer"), BiasRegularizer: reg("bias_regularizer")}, nil
	case "Conv1D":
		return Conv1D{Filters: l.Int("filters"), KernelSize: l.Int("kernel_size"), Strides: l.Int("strides"), Padding: l.Str("padding"),
			DilationRate: l.Int("dilation_rate"), Activation: act(), KernelRegularizer: reg("kernel_regularizer"), BiasRegularizer: reg("bias_regularizer")}, nil
	case "MaxPooling1D":
		return MaxPooling1D{PoolSize: l.Int("pool_size"), Strides: l.Int("strides"), Padding: l.Str("padding")}, nil
	case "AveragePooling1D":
		return AveragePooling1D{PoolSize: l.Int("pool_size"), Strides: l.Int("strides"), Padding: l.Str("padding")}, nil
	case "GlobalAveragePooling1D":
		return GlobalAveragePooling1D{}, nil
	case "GlobalMaxPooling1D":
		return GlobalMaxPooling1D{}, nil
	case "BatchNormalization":
		return BatchNormalization{Momentum: l.Float("momentum"), Epsilon: l.Float("epsilon")}, nil
	case "LayerNormalization":
		return LayerNormalization{Axis: l.Int("axis"), Epsilon: l.Float("epsilon")}, nil
	case "Dropout":
		return Dropout{Rate: l.Float("rate")}, nil
	case "Flatten":
		return Flatten{}, nil
	case "Reshape":
		return Reshape{Target: l.Ints("target_shape")}, nil
	case "Activation":
		return ActivationLayer{Activation: act()}, nil
	case "LSTM":
		return LSTM{Units: l.Int("units"), ReturnSequences: l.Bool("return_sequences"), Dropout: l.Float("dropout"),
			RecurrentDropout: l.Float("recurrent_dropout"), KernelRegularizer: reg("kernel_regularizer"),
			RecurrentRegularizer: reg("recurrent_regularizer"), BiasRegularizer: reg("bias_regularizer")}, nil
	case "GRU":
		return GRU{Units: l.Int("units"), ReturnSequences: l.Bool("return_sequences"), Dropout: l.Float("dropout"),
			RecurrentDropout: l.Float("recurrent_dropout"), KernelRegularizer: reg("kernel_regularizer"),
			RecurrentRegularizer: reg("recurrent_regularizer"), BiasRegularizer: reg("bias_regularizer"),
			ResetBefore: !l.Bool("reset_after")}, nil
	case "Bidirectional":
		in, ok := l.Wrapped()
		if !ok {
			return nil, fmt.Errorf("Bidirectional without a layer")
		}
		inner, err := FromSpec(in)
		if err != nil {
			return nil, err
		}
		return Bidirectional{Layer: inner, InnerName: in.Name, MergeMode: l.Str("merge_mode")}, nil
	}
	return nil, fmt.Errorf("no builder for layer class %q (supported: %v)", l.Class, spec.Classes())
}

// ToSpec returns the spec of a layer value (arguments at Keras' defaults
// are left out).
func ToSpec(l Layer) (spec.Layer, error) {
	args := map[string]any{}
	set := func(k string, v, def any) {
		if v != def {
			args[k] = v
		}
	}
	regs := func(pairs ...any) {
		for i := 0; i < len(pairs); i += 2 {
			if r, _ := pairs[i+1].(*Regularizer); r != nil {
				args[pairs[i].(string)] = &spec.Regularizer{L1: r.L1, L2: r.L2}
			}
		}
	}
	act := func(a Activation) {
		if a != Linear && a != "linear" {
			args["activation"] = string(a)
		}
	}
	pool := func(size, strides int, padding string) {
		set("pool_size", size, 0)
		set("strides", strides, 0)
		set("padding", padding, "")
	}
	class := l.Type()
	switch v := l.(type) {
	case Dense:
		args["units"] = v.Units
		act(v.Activation)
		regs("kernel_regularizer", v.KernelRegularizer, "bias_regularizer", v.BiasRegularizer)
	case Conv1D:
		args["filters"], args["kernel_size"] = v.Filters, v.KernelSize
		set("strides", v.Strides, 0)
		set("padding", v.Padding, "")
		set("dilation_rate", v.DilationRate, 0)
		act(v.Activation)
		regs("kernel_regularizer", v.KernelRegularizer, "bias_regularizer", v.BiasRegularizer)
	case MaxPooling1D:
		pool(v.PoolSize, v.Strides, v.Padding)
	case AveragePooling1D:
		pool(v.PoolSize, v.Strides, v.Padding)
	case GlobalAveragePooling1D, GlobalMaxPooling1D, Flatten:
	case BatchNormalization:
		set("momentum", v.Momentum, 0.0)
		set("epsilon", v.Epsilon, 0.0)
	case LayerNormalization:
		set("axis", v.Axis, 0)
		set("epsilon", v.Epsilon, 0.0)
	case Dropout:
		args["rate"] = v.Rate
	case Reshape:
		args["target_shape"] = v.Target
	case ActivationLayer:
		args["activation"] = string(v.Activation)
		if v.Activation == Linear {
			args["activation"] = "linear"
		}
	case LSTM:
		args["units"] = v.Units
		set("return_sequences", v.ReturnSequences, false)
		set("dropout", v.Dropout, 0.0)
		set("recurrent_dropout", v.RecurrentDropout, 0.0)
		regs("kernel_regularizer", v.KernelRegularizer, "recurrent_regularizer", v.RecurrentRegularizer, "bias_regularizer", v.BiasRegularizer)
	case GRU:
		args["units"] = v.Units
		set("return_sequences", v.ReturnSequences, false)
		set("dropout", v.Dropout, 0.0)
		set("recurrent_dropout", v.RecurrentDropout, 0.0)
		set("reset_after", !v.ResetBefore, true)
		regs("kernel_regularizer", v.KernelRegularizer, "recurrent_regularizer", v.RecurrentRegularizer, "bias_regularizer", v.BiasRegularizer)
	case Bidirectional:
		inner, err := ToSpec(v.Layer)
		if err != nil {
			return spec.Layer{}, err
		}
		inner.Name = v.InnerName
		args["layer"] = inner
		set("merge_mode", v.MergeMode, "")
	default:
		return spec.Layer{}, fmt.Errorf("layer type %T has no spec (supported: %v)", l, spec.Classes())
	}
	out, err := spec.NewLayer(class, args)
	if err != nil {
		return spec.Layer{}, err
	}
	return out, nil
}

// Sequential returns the spec of a stack of layer values, the hidden
// layers of a model named name (the head follows from the class count):
//
//	s, err := builders.Sequential("cnn_gru",
//		builders.Conv1D{Filters: 32, KernelSize: 3, Activation: builders.Relu},
//		builders.MaxPooling1D{},
//		builders.GRU{Units: 16},
//	)
//	m, err := builders.Build(builders.Config{Spec: s, Features: 37, Classes: 10})
func Sequential(name string, layers ...Layer) (*spec.Model, error) {
	m := &spec.Model{Name: name}
	for i, l := range layers {
		sl, err := ToSpec(l)
		if err != nil {
			return nil, fmt.Errorf("builders: layer %d: %w", i, err)
		}
		m.Layers = append(m.Layers, sl)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("builders: %w", err)
	}
	return m, nil
}

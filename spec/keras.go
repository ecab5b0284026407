package spec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// ParseKeras reads the JSON of Keras' model.to_json() (Keras 3; Keras 2's
// Sequential and functional layouts too): a Sequential model, or a
// functional model whose layers form a single chain from one input to one
// output. The input layer fixes Features and Window: (None, F) is rows of F
// features, (None, F, 1) rows given a channel axis (when the first layer
// convolves or pools), any other (None, L, F) windows of L rows. The last
// layer must be the head, Dense(C, softmax) or Dense(1, sigmoid); it fixes
// Classes and Binary. Keras arguments tfnids does not model are accepted
// only at their Keras default values (use_bias true, glorot_uniform
// kernels, no constraints, ...); any other value is an *Error naming the
// layer, the argument and what is supported.
func ParseKeras(data []byte) (*Model, error) {
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, &FormatError{Problem: fmt.Sprintf("not valid JSON: %v", err)}
	}
	if _, ok := obj["class_name"]; !ok {
		return nil, &FormatError{Problem: "not a Keras model.to_json() (no class_name)"}
	}
	return parseKeras(obj)
}

func parseKeras(obj map[string]any) (*Model, error) {
	cls, _ := obj["class_name"].(string)
	cfg, _ := obj["config"].(map[string]any)
	if cfg == nil {
		return nil, &FormatError{Problem: fmt.Sprintf("Keras model %q has no config", cls)}
	}
	var layers []map[string]any
	raw, _ := cfg["layers"].([]any)
	for _, l := range raw {
		o, ok := l.(map[string]any)
		if !ok {
			return nil, &FormatError{Problem: "Keras model: a layer is not an object"}
		}
		layers = append(layers, o)
	}
	switch cls {
	case "Sequential":
	case "Functional", "Model":
		chain, err := kerasChain(cfg, layers)
		if err != nil {
			return nil, err
		}
		layers = chain
	default:
		return nil, &FormatError{Problem: fmt.Sprintf("Keras model class %q is not supported (Sequential, or a functional Model whose layers form one chain)", cls)}
	}
	m := &Model{}
	var shape []any
	if len(layers) > 0 && layers[0]["class_name"] == "InputLayer" {
		lc, _ := layers[0]["config"].(map[string]any)
		shape, _ = lc["batch_shape"].([]any)
		if shape == nil {
			shape, _ = lc["batch_input_shape"].([]any) // Keras 2
		}
		layers = layers[1:]
	} else if len(layers) > 0 {
		lc, _ := layers[0]["config"].(map[string]any)
		shape, _ = lc["batch_input_shape"].([]any) // Keras 2 Sequential
	}
	if shape == nil {
		shape, _ = cfg["build_input_shape"].([]any)
	}
	if len(layers) < 2 {
		return nil, &FormatError{Problem: "Keras model: want at least one hidden layer and a Dense head"}
	}
	for i, l := range layers {
		layer, err := kerasLayer(i, l)
		if err != nil {
			return nil, err
		}
		m.Layers = append(m.Layers, layer)
	}
	head := m.Layers[len(m.Layers)-1]
	m.Layers = m.Layers[:len(m.Layers)-1]
	units, act := head.Int("units"), head.Str("activation")
	switch {
	case head.Class == "Dense" && act == "softmax" && units >= 2 && len(head.Args) == 2:
		m.Classes = units
	case head.Class == "Dense" && act == "sigmoid" && units == 1 && len(head.Args) == 2:
		m.Classes, m.Binary = 2, true
	default:
		return nil, &Error{Layer: len(m.Layers), Class: head.Class, Problem: "the last layer must be the output head, without regularizers",
			Supported: []string{"Dense(classes, softmax)", "Dense(1, sigmoid)"}}
	}
	m.HeadName = head.Name
	if err := kerasInput(m, shape); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// kerasInput sets Features and Window from the input's batch shape.
func kerasInput(m *Model, shape []any) error {
	dims := make([]int, 0, len(shape))
	for i, d := range shape {
		if i == 0 {
			continue // the batch
		}
		n, ok := toInt(d)
		if !ok || n < 1 {
			return &Error{Layer: -1, Arg: "input shape", Problem: fmt.Sprintf("%v: every dimension but the batch must be known", show(shape))}
		}
		dims = append(dims, n)
	}
	switch len(dims) {
	case 1:
		m.Features = dims[0]
	case 2:
		if dims[1] == 1 && len(m.Layers) > 0 && takesChannels(m.Layers[0].Class) {
			m.Features = dims[0] // rows given a channel axis, as the seed's CNN
		} else {
			m.Window, m.Features = dims[0], dims[1]
		}
	default:
		return &Error{Layer: -1, Arg: "input shape", Problem: fmt.Sprintf("%v is not (None, features) or (None, steps, features)", show(shape))}
	}
	return nil
}

// takesChannels reports whether a first layer of this class makes a row
// model read its rows as (features, 1) sequences.
func takesChannels(class string) bool {
	switch class {
	case "Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D":
		return true
	}
	return false
}

// TakesChannels reports whether a row model whose first layer has this
// class reads each row as a (features, 1) sequence (the channel axis the
// seed's CNN relies on).
func TakesChannels(class string) bool { return takesChannels(class) }

// kerasChain orders a functional model's layers from its input to its
// output, failing unless each layer has exactly one input, the previous.
func kerasChain(cfg map[string]any, layers []map[string]any) ([]map[string]any, error) {
	byName := map[string]map[string]any{}
	next := map[string]string{}
	for _, l := range layers {
		name, _ := l["name"].(string)
		if name == "" {
			if c, ok := l["config"].(map[string]any); ok {
				name, _ = c["name"].(string)
			}
		}
		byName[name] = l
		nodes, _ := l["inbound_nodes"].([]any)
		if len(nodes) == 0 {
			continue
		}
		if len(nodes) > 1 {
			return nil, &FormatError{Problem: fmt.Sprintf("Keras model: layer %s is called %d times; only single-chain models are supported", name, len(nodes))}
		}
		parents := inboundNames(nodes[0])
		if len(parents) != 1 {
			return nil, &FormatError{Problem: fmt.Sprintf("Keras model: layer %s takes %d inputs (%s); only single-chain models are supported", name, len(parents), strings.Join(parents, ", "))}
		}
		if other, dup := next[parents[0]]; dup {
			return nil, &FormatError{Problem: fmt.Sprintf("Keras model: layer %s feeds both %s and %s; only single-chain models are supported", parents[0], other, name)}
		}
		next[parents[0]] = name
	}
	ins, _ := cfg["input_layers"].([]any)
	if len(ins) == 1 {
		if _, nested := ins[0].([]any); !nested {
			ins = []any{ins} // Keras 3 writes a single input as one triple
		}
	}
	if len(ins) != 1 {
		return nil, &FormatError{Problem: fmt.Sprintf("Keras model: %d inputs; only single-input chains are supported", len(ins))}
	}
	first, _ := ins[0].([]any)
	if len(first) == 0 {
		return nil, &FormatError{Problem: "Keras model: unreadable input_layers"}
	}
	cur, _ := first[0].(string)
	var chain []map[string]any
	for seen := 0; cur != ""; seen++ {
		l, ok := byName[cur]
		if !ok || seen > len(layers) {
			return nil, &FormatError{Problem: fmt.Sprintf("Keras model: layer %s is not defined", cur)}
		}
		chain = append(chain, l)
		cur = next[cur]
	}
	if len(chain) != len(layers) {
		return nil, &FormatError{Problem: fmt.Sprintf("Keras model: %d of %d layers lie on the chain from the input; only single-chain models are supported", len(chain), len(layers))}
	}
	return chain, nil
}

// inboundNames lists the layers a Keras 3 or Keras 2 inbound node reads.
func inboundNames(node any) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any: // Keras 3: {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}}]}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if x["class_name"] == "__keras_tensor__" {
					c, _ := x["config"].(map[string]any)
					h, _ := c["keras_history"].([]any)
					if len(h) > 0 {
						if s, ok := h[0].(string); ok {
							out = append(out, s)
						}
					}
					return
				}
				for _, e := range x {
					walk(e)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		walk(n["args"])
	case []any: // Keras 2: [["name", 0, 0, {}], ...]
		for _, e := range n {
			if t, ok := e.([]any); ok && len(t) > 0 {
				if s, ok := t[0].(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// kerasDefaults are Keras arguments tfnids does not model, with the values
// at which the model is the one tfnids builds. A nil check accepts any
// value (it does not change the network: seeds, unroll).
func kerasDefaults(class string) map[string]func(any) bool {
	is := func(want any) func(any) bool {
		return func(v any) bool { return reflect.DeepEqual(normalizeJSON(v), normalizeJSON(want)) }
	}
	initializer := func(classes ...string) func(any) bool {
		return func(v any) bool {
			o, ok := v.(map[string]any)
			if s, isStr := v.(string); isStr {
				for _, c := range classes {
					if strings.EqualFold(strings.ReplaceAll(s, "_", ""), c) {
						return true
					}
				}
				return false
			}
			if !ok {
				return false
			}
			name, _ := o["class_name"].(string)
			cfg, _ := o["config"].(map[string]any)
			if g, ok := cfg["gain"]; ok && g != 1.0 {
				return false
			}
			for _, c := range classes {
				if strings.EqualFold(name, c) {
					return true
				}
			}
			return false
		}
	}
	null := is(nil)
	anything := func(any) bool { return true }
	d := map[string]func(any) bool{
		"trainable": is(true), "dtype": isFloat32, "data_format": is("channels_last"),
		"activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null,
		"seed": anything, "batch_input_shape": anything, // the input shape is read separately
	}
	switch class {
	case "Dense", "Conv1D":
		d["use_bias"], d["groups"] = is(true), is(1.0)
		d["kernel_initializer"], d["bias_initializer"] = initializer("GlorotUniform"), initializer("Zeros")
		d["lora_rank"] = null
	case "LSTM", "GRU":
		d["use_bias"] = is(true)
		d["kernel_initializer"], d["bias_initializer"] = initializer("GlorotUniform"), initializer("Zeros")
		d["recurrent_initializer"] = initializer("Orthogonal")
		d["recurrent_constraint"] = null
		d["activation"], d["recurrent_activation"] = is("tanh"), is("sigmoid")
		d["return_state"], d["go_backwards"], d["stateful"] = is(false), is(false), is(false)
		d["unroll"], d["zero_output_for_mask"], d["implementation"], d["time_major"] = anything, anything, anything, anything
		if class == "LSTM" {
			d["unit_forget_bias"] = is(true)
		}
	case "BatchNormalization":
		d["axis"], d["center"], d["scale"], d["synchronized"] = isLastAxis, is(true), is(true), is(false)
		d["beta_initializer"], d["gamma_initializer"] = initializer("Zeros"), initializer("Ones")
		d["moving_mean_initializer"], d["moving_variance_initializer"] = initializer("Zeros"), initializer("Ones")
		d["beta_regularizer"], d["gamma_regularizer"], d["beta_constraint"], d["gamma_constraint"] = null, null, null, null
	case "LayerNormalization":
		d["center"], d["scale"], d["rms_scaling"] = is(true), is(true), is(false)
		d["beta_initializer"], d["gamma_initializer"] = initializer("Zeros"), initializer("Ones")
		d["beta_regularizer"], d["gamma_regularizer"], d["beta_constraint"], d["gamma_constraint"] = null, null, null, null
	case "Dropout":
		d["noise_shape"] = null
	case "GlobalAveragePooling1D", "GlobalMaxPooling1D":
		d["keepdims"] = is(false)
	}
	return d
}

func isFloat32(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == "float32"
	case map[string]any:
		c, _ := x["config"].(map[string]any)
		return c["name"] == "float32"
	}
	return false
}

func isLastAxis(v any) bool {
	n, ok := toInt(v)
	if l, isList := v.([]any); isList && len(l) == 1 {
		n, ok = toInt(l[0])
	}
	return ok && n == -1
}

func normalizeJSON(v any) any {
	if n, ok := toFloat(v); ok {
		return n
	}
	return v
}

// kerasLayer converts one serialized Keras layer.
func kerasLayer(idx int, obj map[string]any) (Layer, error) {
	class, _ := obj["class_name"].(string)
	cfg, _ := obj["config"].(map[string]any)
	if Args(class) == nil {
		return Layer{}, &Error{Layer: idx, Class: class, Problem: fmt.Sprintf("Keras layer class %q is not supported", class), Supported: Classes()}
	}
	name, err := layerName(idx, class, cfg["name"])
	if err != nil {
		return Layer{}, err
	}
	defaults := kerasDefaults(class)
	args := map[string]any{}
	for k, v := range cfg {
		if k == "name" {
			continue
		}
		if ok, known := defaults[k]; known {
			if !ok(v) {
				return Layer{}, &Error{Layer: idx, Class: class, Arg: k, Problem: fmt.Sprintf("%v is not supported; tfnids builds this layer only with Keras' default for it", show(v))}
			}
			continue
		}
		switch {
		case class == "Bidirectional" && k == "layer":
			inner, _ := v.(map[string]any)
			il, err := kerasLayer(idx, inner)
			if err != nil {
				return Layer{}, err
			}
			il.Name = strings.TrimPrefix(il.Name, "forward_")
			args[k] = il
			continue
		case class == "Bidirectional" && k == "backward_layer":
			continue // Keras derives it from layer (go_backwards); tfnids does the same
		case class == "Bidirectional" && (k == "weights" || k == "input_spec"):
			continue
		case (class == "MaxPooling1D" || class == "AveragePooling1D") && k == "strides" && v == nil:
			continue
		}
		args[k] = v
	}
	l, err := normalize(idx, class, name, args)
	if err != nil {
		return Layer{}, err
	}
	dropDefaults(&l)
	return l, nil
}

// Canonical returns a copy of m whose layers list only the arguments that
// differ from Keras' defaults, so equal models have equal specs.
func (m Model) Canonical() Model {
	out := m.Clone()
	for i := range out.Layers {
		dropDefaults(&out.Layers[i])
	}
	return out
}

// dropDefaults removes arguments equal to their class defaults, so a spec
// read from Keras lists only what differs.
func dropDefaults(l *Layer) {
	if in, ok := l.Wrapped(); ok {
		dropDefaults(&in)
		l.Args["layer"] = in
	}
	for _, a := range Args(l.Class) {
		if v, ok := l.Args[a.Name]; ok && a.Default != nil && reflect.DeepEqual(v, a.Default) {
			delete(l.Args, a.Name)
		}
	}
	if l.Class == "MaxPooling1D" || l.Class == "AveragePooling1D" {
		if l.Int("strides") == l.Int("pool_size") {
			delete(l.Args, "strides")
		}
	}
}

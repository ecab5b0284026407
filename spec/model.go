package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Regularizer is Keras' L1L2 weight penalty, L1·Σ|w| + L2·Σw².
type Regularizer struct {
	L1 float64 `json:"l1,omitempty"`
	L2 float64 `json:"l2,omitempty"`
}

// Layer is one layer: a Keras class name, an optional layer name (empty:
// Keras' automatic name, "dense", "dense_1", ...) and the arguments that
// differ from Keras' defaults, under Keras' names. Argument values are
// normalized to int, float64, bool, string, []int, *Regularizer or Layer
// (Bidirectional's wrapped layer).
type Layer struct {
	Class string
	Name  string
	Args  map[string]any
}

// NewLayer returns a checked layer of class with the given arguments (as
// Parse would read them: numbers may be any Go number type).
func NewLayer(class string, args map[string]any) (Layer, error) {
	return normalize(0, class, "", args)
}

// Model is a network specification: the hidden layers in order and the
// input and output it is built for. The output head, Dense(Classes,
// softmax) or Dense(1, sigmoid) when Binary, follows the last layer.
type Model struct {
	// Name is the model's display name ("cnn", "my_cnn_lstm").
	Name string
	// Features is the number of input features per row; 0 takes it from
	// the data. Window is the number of consecutive rows per example for
	// models that read windows (LSTM, GRU); 0 means single rows.
	Features, Window int
	// Classes is the number of classes (2 when Binary); 0 takes it from the
	// data.
	Classes int
	// Binary selects the sigmoid head with binary cross-entropy.
	Binary bool
	// Layers are the hidden layers.
	Layers []Layer
	// HeadName names the head layer (empty: the next automatic Dense name).
	HeadName string
}

// Clone returns a deep copy of m (arguments are values, nested layers are
// copied).
func (m Model) Clone() Model {
	out := m
	out.Layers = make([]Layer, len(m.Layers))
	for i, l := range m.Layers {
		out.Layers[i] = l.clone()
	}
	return out
}

func (l Layer) clone() Layer {
	out := Layer{Class: l.Class, Name: l.Name, Args: map[string]any{}}
	for k, v := range l.Args {
		switch x := v.(type) {
		case []int:
			out.Args[k] = slices.Clone(x)
		case *Regularizer:
			r := *x
			out.Args[k] = &r
		case Layer:
			out.Args[k] = x.clone()
		default:
			out.Args[k] = v
		}
	}
	return out
}

// InputShape is the per-example input shape: [Features] for rows,
// [Window, Features] for windows.
func (m Model) InputShape() []int {
	if m.Window > 0 {
		return []int{m.Window, m.Features}
	}
	return []int{m.Features}
}

// Validate checks every layer's class and arguments and the model's sizes
// (0 features or classes are allowed: they come from the data).
func (m Model) Validate() error {
	switch {
	case m.Features < 0:
		return &Error{Layer: -1, Arg: "features", Problem: fmt.Sprintf("%d; want >= 1 (or 0: from the data)", m.Features)}
	case m.Window < 0:
		return &Error{Layer: -1, Arg: "window", Problem: fmt.Sprintf("%d; want >= 1 (or 0: single rows)", m.Window)}
	case m.Classes < 0:
		return &Error{Layer: -1, Arg: "classes", Problem: fmt.Sprintf("%d; want >= 1 (or 0: from the data)", m.Classes)}
	case m.Binary && m.Classes != 0 && m.Classes != 2:
		return &Error{Layer: -1, Arg: "binary", Problem: fmt.Sprintf("a binary model has 2 classes, the spec says %d", m.Classes)}
	case len(m.Layers) == 0:
		return &Error{Layer: -1, Arg: "layers", Problem: "no layers (the head is added to the layers given; give at least one)"}
	}
	for i, l := range m.Layers {
		if _, err := normalize(i, l.Class, l.Name, l.Args); err != nil {
			return err
		}
	}
	return nil
}

// Arg returns the value of argument name: the layer's own, or the class's
// default (nil when there is none).
func (l Layer) Arg(name string) any {
	if v, ok := l.Args[name]; ok {
		return v
	}
	for _, a := range Args(l.Class) {
		if a.Name == name {
			return a.Default
		}
	}
	return nil
}

// Int returns an integer argument (0 when absent without a default).
func (l Layer) Int(name string) int { v, _ := l.Arg(name).(int); return v }

// Float returns a number argument.
func (l Layer) Float(name string) float64 { v, _ := l.Arg(name).(float64); return v }

// Bool returns a boolean argument.
func (l Layer) Bool(name string) bool { v, _ := l.Arg(name).(bool); return v }

// Str returns a string argument.
func (l Layer) Str(name string) string { v, _ := l.Arg(name).(string); return v }

// Ints returns a list argument.
func (l Layer) Ints(name string) []int { v, _ := l.Arg(name).([]int); return v }

// Regularizer returns a regularizer argument, or nil.
func (l Layer) Regularizer(name string) *Regularizer { v, _ := l.Arg(name).(*Regularizer); return v }

// Wrapped returns Bidirectional's inner layer.
func (l Layer) Wrapped() (Layer, bool) { v, ok := l.Arg("layer").(Layer); return v, ok }

// normalize checks a layer's arguments against its class's table and
// converts the values to their canonical Go types.
func normalize(idx int, class, name string, args map[string]any) (Layer, error) {
	table, ok := classes()[class]
	if !ok {
		return Layer{}, &Error{Layer: idx, Class: class, Problem: fmt.Sprintf("unknown layer class %q", class), Supported: Classes()}
	}
	out := Layer{Class: class, Name: name, Args: map[string]any{}}
	known := map[string]Arg{}
	for _, a := range table {
		known[a.Name] = a
	}
	for k, v := range args {
		a, ok := known[k]
		if !ok {
			return Layer{}, &Error{Layer: idx, Class: class, Arg: k, Problem: "not a supported argument", Supported: argNames(table)}
		}
		nv, err := convert(a, v)
		if err != nil {
			return Layer{}, &Error{Layer: idx, Class: class, Arg: k, Problem: err.Error(), Supported: a.Choices}
		}
		if nv == nil {
			continue // null: Keras' default
		}
		if in, ok := nv.(Layer); ok {
			if in.Class != "LSTM" && in.Class != "GRU" {
				return Layer{}, &Error{Layer: idx, Class: class, Arg: k, Problem: fmt.Sprintf("wraps a %s", in.Class), Supported: []string{"LSTM", "GRU"}}
			}
		}
		out.Args[k] = nv
	}
	for _, a := range table {
		if _, ok := out.Args[a.Name]; a.Required && !ok {
			return Layer{}, &Error{Layer: idx, Class: class, Arg: a.Name, Problem: "required, missing"}
		}
	}
	for _, k := range []string{"rate", "dropout", "recurrent_dropout"} {
		if v, ok := out.Args[k].(float64); ok && (v < 0 || v >= 1) {
			return Layer{}, &Error{Layer: idx, Class: class, Arg: k, Problem: fmt.Sprintf("%g is not in [0, 1)", v)}
		}
	}
	if v, ok := out.Args["momentum"].(float64); ok && (v < 0 || v >= 1) {
		return Layer{}, &Error{Layer: idx, Class: class, Arg: "momentum", Problem: fmt.Sprintf("%g is not in [0, 1)", v)}
	}
	if v, ok := out.Args["epsilon"].(float64); ok && v <= 0 {
		return Layer{}, &Error{Layer: idx, Class: class, Arg: "epsilon", Problem: fmt.Sprintf("%g; want > 0", v)}
	}
	return out, nil
}

// convert turns a decoded or Go-typed value into the argument's canonical
// type; nil stays nil (Keras' default).
func convert(a Arg, v any) (any, error) {
	if v == nil {
		if a.Required {
			return nil, fmt.Errorf("null; want %s", a.Kind)
		}
		return nil, nil
	}
	switch a.Kind {
	case Int:
		if l, ok := v.([]any); ok && len(l) == 1 { // Keras writes kernel_size: [3]
			v = l[0]
		}
		if l, ok := v.([]int); ok && len(l) == 1 {
			v = l[0]
		}
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Errorf("%v is not %s", show(v), a.Kind)
		}
		if n < a.Min {
			return nil, fmt.Errorf("%d; want >= %d", n, a.Min)
		}
		return n, nil
	case Float:
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("%v is not %s", show(v), a.Kind)
		}
		return f, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%v is not %s", show(v), a.Kind)
		}
		return b, nil
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not %s", show(v), a.Kind)
		}
		if s == "" && a.Name == "activation" {
			s = "linear"
		}
		if s == "silu" {
			s = "swish"
		}
		if len(a.Choices) > 0 && !slices.Contains(a.Choices, s) {
			return nil, fmt.Errorf("%q is not supported", s)
		}
		return s, nil
	case Ints:
		var out []int
		switch l := v.(type) {
		case []int:
			out = slices.Clone(l)
		case []any:
			for _, e := range l {
				n, ok := toInt(e)
				if !ok {
					return nil, fmt.Errorf("%v is not %s", show(v), a.Kind)
				}
				out = append(out, n)
			}
		default:
			return nil, fmt.Errorf("%v is not %s", show(v), a.Kind)
		}
		return out, nil
	case Reg:
		return toRegularizer(v)
	case Wrapped:
		switch l := v.(type) {
		case Layer:
			return normalize(0, l.Class, l.Name, l.Args)
		case map[string]any:
			return decodeLayer(0, l)
		}
		return nil, fmt.Errorf("%v is not %s", show(v), a.Kind)
	}
	return nil, fmt.Errorf("unknown argument kind %d", a.Kind)
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case int32:
		return int(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<31 {
			return int(x), true
		}
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// toRegularizer reads tfnids' forms ({l1: r}, {l2: r}, {l1: a, l2: b},
// "l1", "l2", "l1_l2") and Keras' serialized form ({class_name: "L2",
// config: {l2: r}}).
func toRegularizer(v any) (any, error) {
	switch x := v.(type) {
	case *Regularizer:
		if x == nil {
			return nil, nil
		}
		r := *x
		return checkReg(&r)
	case Regularizer:
		return checkReg(&x)
	case string:
		switch x { // Keras' string shortcuts use the default rate 0.01
		case "l1":
			return &Regularizer{L1: 0.01}, nil
		case "l2":
			return &Regularizer{L2: 0.01}, nil
		case "l1_l2":
			return &Regularizer{L1: 0.01, L2: 0.01}, nil
		}
		return nil, fmt.Errorf("%q is not a regularizer (l1, l2, l1_l2, or {l1: rate, l2: rate})", x)
	case map[string]any:
		if cn, ok := x["class_name"]; ok {
			cfg, _ := x["config"].(map[string]any)
			switch cn {
			case "L1", "L2", "L1L2":
			default:
				return nil, fmt.Errorf("Keras regularizer %v is not supported (L1, L2, L1L2)", show(cn))
			}
			x = cfg
		}
		r := &Regularizer{}
		for k, val := range x {
			f, ok := toFloat(val)
			if !ok {
				return nil, fmt.Errorf("%s: %v is not a number", k, show(val))
			}
			switch k {
			case "l1":
				r.L1 = f
			case "l2":
				r.L2 = f
			default:
				return nil, fmt.Errorf("regularizer key %q (want l1, l2)", k)
			}
		}
		return checkReg(r)
	}
	return nil, fmt.Errorf("%v is not %s", show(v), Reg)
}

func checkReg(r *Regularizer) (any, error) {
	if !(r.L1 >= 0 && r.L2 >= 0) {
		return nil, fmt.Errorf("regularizer rates must be >= 0 (got l1 %g, l2 %g)", r.L1, r.L2)
	}
	if r.L1 == 0 && r.L2 == 0 {
		return nil, nil
	}
	return r, nil
}

// decodeLayer reads one layer from a decoded JSON/YAML object: either
// {class: Dense, name: d, units: 64, ...} or {Dense: {units: 64, ...}}.
func decodeLayer(idx int, obj map[string]any) (Layer, error) {
	if c, ok := obj["class"]; ok {
		class, ok := c.(string)
		if !ok {
			return Layer{}, &Error{Layer: idx, Arg: "class", Problem: fmt.Sprintf("%v is not a class name", show(c)), Supported: Classes()}
		}
		name, err := layerName(idx, class, obj["name"])
		if err != nil {
			return Layer{}, err
		}
		args := map[string]any{}
		for k, v := range obj {
			if k != "class" && k != "name" {
				args[k] = v
			}
		}
		return normalize(idx, class, name, args)
	}
	if len(obj) == 1 {
		for class, v := range obj {
			args, ok := v.(map[string]any)
			if v == nil {
				args, ok = map[string]any{}, true
			}
			if !ok {
				return Layer{}, &Error{Layer: idx, Class: class, Problem: fmt.Sprintf("arguments %v are not a mapping", show(v))}
			}
			args = maps(args)
			name, err := layerName(idx, class, args["name"])
			if err != nil {
				return Layer{}, err
			}
			delete(args, "name")
			return normalize(idx, class, name, args)
		}
	}
	return Layer{}, &Error{Layer: idx, Problem: "a layer is {class: Dense, units: 64, ...} or {Dense: {units: 64, ...}}", Supported: Classes()}
}

func maps(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func layerName(idx int, class string, v any) (string, error) {
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok || strings.ContainsAny(s, " /") {
		return "", &Error{Layer: idx, Class: class, Arg: "name", Problem: fmt.Sprintf("%v is not a layer name (a string without spaces or slashes)", show(v))}
	}
	return s, nil
}

// decodeModel reads tfnids' own spec from a decoded JSON/YAML object.
func decodeModel(obj map[string]any) (*Model, error) {
	m := &Model{}
	for k, v := range obj {
		var err error
		switch k {
		case "name":
			s, ok := v.(string)
			if !ok {
				err = fmt.Errorf("%v is not a string", show(v))
			}
			m.Name = s
		case "head_name":
			m.HeadName, err = layerName(-1, "", v)
		case "features", "window", "classes":
			n, ok := toInt(v)
			if !ok && v != nil {
				err = fmt.Errorf("%v is not an integer", show(v))
			}
			switch k {
			case "features":
				m.Features = n
			case "window":
				m.Window = n
			default:
				m.Classes = n
			}
		case "binary":
			b, ok := v.(bool)
			if !ok && v != nil {
				err = fmt.Errorf("%v is not true or false", show(v))
			}
			m.Binary = b
		case "layers":
			l, ok := v.([]any)
			if !ok {
				err = fmt.Errorf("want a list of layers")
				break
			}
			for i, e := range l {
				o, ok := e.(map[string]any)
				if !ok {
					return nil, &Error{Layer: i, Problem: fmt.Sprintf("%v is not a layer", show(e)), Supported: Classes()}
				}
				layer, err := decodeLayer(i, o)
				if err != nil {
					return nil, err
				}
				m.Layers = append(m.Layers, layer)
			}
		default:
			err = fmt.Errorf("unknown key")
			return nil, &Error{Layer: -1, Arg: k, Problem: err.Error(), Supported: []string{"name", "features", "window", "classes", "binary", "layers", "head_name"}}
		}
		if err != nil {
			var se *Error
			if errors.As(err, &se) {
				return nil, err
			}
			return nil, &Error{Layer: -1, Arg: k, Problem: err.Error()}
		}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// FormatError says a model file is neither JSON nor YAML, or not a model.
type FormatError struct {
	Problem string
}

func (e *FormatError) Error() string { return e.Problem }

// Parse reads a model spec: tfnids' own YAML or JSON, or the JSON of a
// Keras model.to_json() (Sequential, or a functional model whose graph is a
// single chain; see ParseKeras).
func Parse(data []byte) (*Model, error) {
	trimmed := bytes.TrimSpace(data)
	var tree any
	if bytes.HasPrefix(trimmed, []byte("{")) {
		if err := json.Unmarshal(trimmed, &tree); err != nil {
			return nil, &FormatError{Problem: fmt.Sprintf("not valid JSON: %v", err)}
		}
	} else if err := yaml.Unmarshal(trimmed, &tree); err != nil {
		return nil, &FormatError{Problem: fmt.Sprintf("neither JSON nor YAML: %v", err)}
	}
	obj, ok := tree.(map[string]any)
	if !ok {
		return nil, &FormatError{Problem: "neither JSON nor YAML describing a model (want a mapping with a layers list, or Keras' model.to_json())"}
	}
	if _, ok := obj["class_name"]; ok {
		return parseKeras(obj)
	}
	return decodeModel(obj)
}

// ParseFile reads a model file (Parse); errors name the file.
func ParseFile(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Name == "" {
		base := path[strings.LastIndexAny(path, `/\`)+1:]
		if dot := strings.IndexByte(base, '.'); dot > 0 {
			base = base[:dot]
		}
		m.Name = base
	}
	return m, nil
}

// ordered writes a JSON object with keys in the given order.
type ordered []kv

type kv struct {
	k string
	v any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON writes the layer as {class, name, args...} with the
// arguments in the class table's order.
func (l Layer) MarshalJSON() ([]byte, error) {
	o := ordered{{"class", l.Class}}
	if l.Name != "" {
		o = append(o, kv{"name", l.Name})
	}
	for _, a := range Args(l.Class) {
		if v, ok := l.Args[a.Name]; ok {
			o = append(o, kv{a.Name, v})
		}
	}
	return o.MarshalJSON()
}

// UnmarshalJSON reads a layer and checks it.
func (l *Layer) UnmarshalJSON(b []byte) error {
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	out, err := decodeLayer(0, obj)
	if err != nil {
		return err
	}
	*l = out
	return nil
}

// MarshalJSON writes the model in tfnids' spec format.
func (m Model) MarshalJSON() ([]byte, error) {
	o := ordered{}
	if m.Name != "" {
		o = append(o, kv{"name", m.Name})
	}
	if m.Features != 0 {
		o = append(o, kv{"features", m.Features})
	}
	if m.Window != 0 {
		o = append(o, kv{"window", m.Window})
	}
	if m.Classes != 0 {
		o = append(o, kv{"classes", m.Classes})
	}
	if m.Binary {
		o = append(o, kv{"binary", true})
	}
	layers := m.Layers
	if layers == nil {
		layers = []Layer{}
	}
	o = append(o, kv{"layers", layers})
	if m.HeadName != "" {
		o = append(o, kv{"head_name", m.HeadName})
	}
	return o.MarshalJSON()
}

// UnmarshalJSON reads a model in tfnids' spec format and checks it.
func (m *Model) UnmarshalJSON(b []byte) error {
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	out, err := decodeModel(obj)
	if err != nil {
		return err
	}
	*m = *out
	return nil
}

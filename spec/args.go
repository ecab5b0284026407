package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is the type of a layer argument.
type Kind int

// Argument kinds.
const (
	Int     Kind = iota // an integer (a one-element list is accepted, as Keras writes kernel_size)
	Float               // a number
	Bool                // true or false
	String              // one of the argument's Choices
	Ints                // a list of integers (Reshape's target_shape)
	Reg                 // a *Regularizer: {l1: r}, {l2: r}, {l1: a, l2: b}, "l1", "l2" or null
	Wrapped             // a nested layer (Bidirectional's layer)
)

func (k Kind) String() string {
	return [...]string{"an integer", "a number", "true or false", "a string", "a list of integers", "a regularizer ({l1: rate}, {l2: rate}, {l1: a, l2: b} or null)", "a layer"}[k]
}

// Arg describes one argument a layer class takes, under Keras' name.
type Arg struct {
	Name string
	Kind Kind
	// Default is the value Keras uses when the argument is absent (nil:
	// required, or "none" for regularizers and strides).
	Default any
	// Required arguments have no default.
	Required bool
	// Choices restricts a String argument.
	Choices []string
	// Min is the smallest valid Int value.
	Min int
}

// Activations returns the activation names layers accept ("silu" is Keras
// 3's name for swish; "linear" is no activation).
func Activations() []string {
	return []string{"linear", "relu", "tanh", "sigmoid", "softmax", "elu", "selu", "gelu", "leaky_relu", "swish", "silu"}
}

func act(def string, required bool) Arg {
	return Arg{Name: "activation", Kind: String, Default: def, Required: required, Choices: Activations()}
}

func reg(name string) Arg { return Arg{Name: name, Kind: Reg} }

func recurrentArgs(extra ...Arg) []Arg {
	return append([]Arg{
		{Name: "units", Kind: Int, Required: true, Min: 1},
		{Name: "return_sequences", Kind: Bool, Default: false},
		{Name: "dropout", Kind: Float, Default: 0.0},
		{Name: "recurrent_dropout", Kind: Float, Default: 0.0},
		reg("kernel_regularizer"), reg("recurrent_regularizer"), reg("bias_regularizer"),
	}, extra...)
}

// poolArgs are MaxPooling1D's arguments; AveragePooling1D has no default
// pool size in Keras 3.
func poolArgs(required bool) []Arg {
	size := Arg{Name: "pool_size", Kind: Int, Default: 2, Min: 1}
	if required {
		size = Arg{Name: "pool_size", Kind: Int, Required: true, Min: 1}
	}
	return []Arg{
		size,
		{Name: "strides", Kind: Int, Min: 1}, // absent: pool_size
		{Name: "padding", Kind: String, Default: "valid", Choices: []string{"valid", "same"}},
	}
}

// classes is the table of supported layer classes and their arguments.
func classes() map[string][]Arg {
	return map[string][]Arg{
		"Dense": {
			{Name: "units", Kind: Int, Required: true, Min: 1},
			act("linear", false), reg("kernel_regularizer"), reg("bias_regularizer"),
		},
		"Conv1D": {
			{Name: "filters", Kind: Int, Required: true, Min: 1},
			{Name: "kernel_size", Kind: Int, Required: true, Min: 1},
			{Name: "strides", Kind: Int, Default: 1, Min: 1},
			{Name: "padding", Kind: String, Default: "valid", Choices: []string{"valid", "same"}},
			{Name: "dilation_rate", Kind: Int, Default: 1, Min: 1},
			act("linear", false), reg("kernel_regularizer"), reg("bias_regularizer"),
		},
		"MaxPooling1D":           poolArgs(false),
		"AveragePooling1D":       poolArgs(true),
		"GlobalAveragePooling1D": {},
		"GlobalMaxPooling1D":     {},
		"BatchNormalization": {
			{Name: "momentum", Kind: Float, Default: 0.99},
			{Name: "epsilon", Kind: Float, Default: 1e-3},
		},
		"LayerNormalization": {
			{Name: "axis", Kind: Int, Default: -1, Min: -1 << 30},
			{Name: "epsilon", Kind: Float, Default: 1e-3},
		},
		"Dropout":    {{Name: "rate", Kind: Float, Required: true}},
		"Flatten":    {},
		"Reshape":    {{Name: "target_shape", Kind: Ints, Required: true}},
		"Activation": {act("", true)},
		"LSTM":       recurrentArgs(),
		"GRU":        recurrentArgs(Arg{Name: "reset_after", Kind: Bool, Default: true}),
		"Bidirectional": {
			{Name: "layer", Kind: Wrapped, Required: true},
			{Name: "merge_mode", Kind: String, Default: "concat", Choices: []string{"concat", "sum", "ave", "mul"}},
		},
	}
}

// Classes returns the supported layer class names, sorted.
func Classes() []string {
	var out []string
	for c := range classes() {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Args returns the arguments a layer class takes, or nil for an unknown
// class.
func Args(class string) []Arg { return classes()[class] }

func argNames(args []Arg) []string {
	var out []string
	for _, a := range args {
		out = append(out, a.Name)
	}
	return out
}

// Error is a problem with one layer of a spec: an unknown class, an unknown
// or missing argument, a value of the wrong type or out of range.
type Error struct {
	// Layer is the layer's position (0-based) in the stack, -1 for the
	// model itself; Class its class ("" when unknown); Arg the argument
	// ("" for the layer as a whole).
	Layer int
	Class string
	Arg   string
	// Problem says what is wrong; Supported what would be accepted.
	Problem   string
	Supported []string
}

func (e *Error) Error() string {
	var sb strings.Builder
	if e.Layer >= 0 {
		fmt.Fprintf(&sb, "layer %d", e.Layer)
		if e.Class != "" {
			fmt.Fprintf(&sb, " (%s)", e.Class)
		}
	} else {
		sb.WriteString("model")
	}
	if e.Arg != "" {
		fmt.Fprintf(&sb, ", argument %s", e.Arg)
	}
	sb.WriteString(": " + e.Problem)
	if len(e.Supported) > 0 {
		fmt.Fprintf(&sb, " (supported: %s)", strings.Join(e.Supported, ", "))
	}
	return sb.String()
}

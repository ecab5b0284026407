package spec

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultWindow is the seed's window length for the recurrent models.
const DefaultWindow = 3

// Builtins lists the built-in model names, in the order the CLI shows them.
func Builtins() []string { return []string{"cnn", "lstm", "gru", "dense", "cnn_lstm"} }

// The seed's rates (mtermos/GDLC src/models): dropout 0.2 on the LSTM's
// inputs and after the GRU, l1(0.01) (its constant LAMBD, commented "L2")
// on every LSTM weight.
const (
	seedDropout = 0.2
	seedL1      = 0.01
	// cnnLSTML2 is the l2 rate (LAMBD_2) of mtermos/FL-GDLC's CNNLSTM.
	cnnLSTML2 = 1e-3
)

func mustLayer(class string, args map[string]any) Layer {
	l, err := NewLayer(class, args)
	if err != nil {
		panic(err) // the built-in tables below are constants
	}
	return l
}

// Builtin returns a built-in model's spec (features and classes 0: from the
// data):
//
//   - cnn: the seed's Conv1D(64, 3, relu) → MaxPooling1D(2) →
//     BatchNormalization → Flatten → Dense(100, relu), on rows;
//   - lstm: LSTM(80, return_sequences, dropout 0.2, l1(0.01) on kernel,
//     recurrent kernel and bias) → LSTM(20, same) → Dense(100, relu), on
//     windows of 3 rows;
//   - gru: GRU(80) → Dropout(0.2) → Dense(100, relu), on windows of 3 rows;
//   - dense: Dense(64, relu), on rows (not in the seed);
//   - cnn_lstm: mtermos/FL-GDLC src/models/cnn_lstm.py's CNNLSTM as that
//     file builds it: two blocks of Conv1D(80, 3, relu, l2(1e-3)) →
//     MaxPooling1D → LayerNormalization(axis 1) → Dropout(0.3), Flatten,
//     then Dense(200) → Dense(200) → Dense(80) (relu, l2(1e-3)), each
//     followed by LayerNormalization(axis 1) and Dropout(0.1), on rows. Its
//     LSTM block is commented out in that file, so the network holds no
//     LSTM although the name says so.
func Builtin(name string) (Model, error) {
	l1 := &Regularizer{L1: seedL1}
	l2 := &Regularizer{L2: cnnLSTML2}
	relu := "relu"
	m := Model{Name: name}
	switch name {
	case "cnn":
		m.Layers = []Layer{
			mustLayer("Conv1D", map[string]any{"filters": 64, "kernel_size": 3, "activation": relu}),
			mustLayer("MaxPooling1D", map[string]any{"pool_size": 2}),
			mustLayer("BatchNormalization", nil),
			mustLayer("Flatten", nil),
			mustLayer("Dense", map[string]any{"units": 100, "activation": relu}),
		}
	case "lstm":
		m.Window = DefaultWindow
		lstm := func(units int, seq bool) Layer {
			return mustLayer("LSTM", map[string]any{"units": units, "return_sequences": seq, "dropout": seedDropout,
				"kernel_regularizer": l1, "recurrent_regularizer": l1, "bias_regularizer": l1})
		}
		m.Layers = []Layer{lstm(80, true), lstm(20, false), mustLayer("Dense", map[string]any{"units": 100, "activation": relu})}
	case "gru":
		m.Window = DefaultWindow
		m.Layers = []Layer{
			mustLayer("GRU", map[string]any{"units": 80}),
			mustLayer("Dropout", map[string]any{"rate": seedDropout}),
			mustLayer("Dense", map[string]any{"units": 100, "activation": relu}),
		}
	case "dense":
		m.Layers = []Layer{mustLayer("Dense", map[string]any{"units": 64, "activation": relu})}
	case "cnn_lstm":
		for range 2 {
			m.Layers = append(m.Layers,
				mustLayer("Conv1D", map[string]any{"filters": 80, "kernel_size": 3, "activation": relu, "kernel_regularizer": l2}),
				mustLayer("MaxPooling1D", nil),
				mustLayer("LayerNormalization", map[string]any{"axis": 1}),
				mustLayer("Dropout", map[string]any{"rate": 0.3}))
		}
		m.Layers = append(m.Layers, mustLayer("Flatten", nil))
		for _, u := range []int{200, 200, 80} {
			m.Layers = append(m.Layers,
				mustLayer("Dense", map[string]any{"units": u, "activation": relu, "kernel_regularizer": l2}),
				mustLayer("LayerNormalization", map[string]any{"axis": 1}),
				mustLayer("Dropout", map[string]any{"rate": 0.1}))
		}
	default:
		return Model{}, fmt.Errorf("unknown model %q (built-in models: %s; or a model file)", name, strings.Join(Builtins(), ", "))
	}
	return m, nil
}

// IsBuiltin reports whether name is a built-in model.
func IsBuiltin(name string) bool { return slices.Contains(Builtins(), name) }

// SetDropout replaces every dropout rate of the model by rate: Dropout
// layers and the recurrent layers' input dropout; their recurrent_dropout
// too where it is already on, or when rate is 0 (tests turn every random
// mask off).
func (m *Model) SetDropout(rate float64) {
	for i := range m.Layers {
		setDropout(&m.Layers[i], rate)
	}
}

func setDropout(l *Layer, rate float64) {
	switch l.Class {
	case "Dropout":
		l.Args["rate"] = rate
	case "LSTM", "GRU":
		l.Args["dropout"] = rate
		if rate == 0 || l.Float("recurrent_dropout") > 0 {
			l.Args["recurrent_dropout"] = rate
		}
	case "Bidirectional":
		if in, ok := l.Wrapped(); ok {
			setDropout(&in, rate)
			l.Args["layer"] = in
		}
	}
}

// SetLSTML1 replaces the l1 rate of every LSTM regularizer (the seed's
// l1(0.01); 0 removes the l1 term).
func (m *Model) SetLSTML1(rate float64) {
	for i := range m.Layers {
		l := &m.Layers[i]
		if l.Class != "LSTM" {
			continue
		}
		for _, k := range []string{"kernel_regularizer", "recurrent_regularizer", "bias_regularizer"} {
			r := l.Regularizer(k)
			if r == nil {
				r = &Regularizer{}
			}
			nr := Regularizer{L1: rate, L2: r.L2}
			if nr.L1 == 0 && nr.L2 == 0 {
				delete(l.Args, k)
			} else {
				l.Args[k] = &nr
			}
		}
	}
}

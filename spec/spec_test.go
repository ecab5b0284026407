package spec

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParseOwnFormats(t *testing.T) {
	yamlSpec := `
name: cnn_gru
layers:
  - Conv1D: {filters: 8, kernel_size: [3], activation: relu, kernel_regularizer: {l2: 0.001}}
  - {class: MaxPooling1D}
  - GRU: {units: 4, reset_after: false}
  - Dense: {units: 16, activation: silu}
`
	m, err := Parse([]byte(yamlSpec))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "cnn_gru" || len(m.Layers) != 4 || m.Layers[0].Int("kernel_size") != 3 ||
		m.Layers[0].Regularizer("kernel_regularizer").L2 != 0.001 || m.Layers[1].Int("pool_size") != 2 ||
		m.Layers[2].Bool("reset_after") || m.Layers[3].Str("activation") != "swish" {
		t.Fatalf("parsed %+v", m)
	}
	// JSON round trip, through the card's encoding.
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) {
		t.Errorf("round trip:\n%s\n%s", b, b2)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"layers: [unclosed", []string{"neither JSON nor YAML"}},                                             // 0
		{"{\"layers\": [", []string{"not valid JSON"}},                                                       // 1
		{"just text", []string{"neither JSON nor YAML describing a model"}},                                  // 2
		{"layers:\n  - Conv2D: {filters: 3}", []string{"layer 0 (Conv2D)", "unknown layer class", "Conv1D"}}, // 3
		{"layers:\n  - Dense: {units: many}", []string{"layer 0 (Dense)", "argument units", "not an integer"}},
		{"layers:\n  - Dense: {units: 4, use_bias: false}", []string{"argument use_bias", "not a supported argument", "units, activation"}}, // 5
		{"layers:\n  - Conv1D: {filters: 4, kernel_size: 3, padding: causal}", []string{"argument padding", `"causal" is not supported`, "valid, same"}},
		{"layers:\n  - Dense: {activation: relu}", []string{"argument units", "required"}},                                // 7
		{"layers:\n  - Dropout: {rate: 1.5}", []string{"argument rate", "not in [0, 1)"}},                                 // 8
		{"layers:\n  - Dense: {units: 4, activation: mish}", []string{"argument activation", `"mish"`, "gelu"}},           // 9
		{"layers:\n  - Bidirectional: {layer: {Dense: {units: 3}}}", []string{"argument layer", "wraps a Dense", "LSTM"}}, // 10
		{"layers: []", []string{"no layers"}},                                                                             // 11
		{"lyers: []", []string{"lyers", "unknown key"}},                                                                   // 12
		{"window: two\nlayers:\n  - Dense: {units: 3}", []string{"window", "not an integer"}},                             // 13
		{"layers:\n  - Dense: {units: 3, kernel_regularizer: {l3: 1}}", []string{"kernel_regularizer", "l3"}},             // 14
	}
	for i, c := range cases {
		_, err := Parse([]byte(c.in))
		if err == nil {
			t.Errorf("%d: no error", i)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%d: %q lacks %q", i, err, w)
			}
		}
	}
	var se *Error
	if _, err := Parse([]byte("layers:\n  - Dense: {units: x}")); !errors.As(err, &se) || se.Class != "Dense" || se.Arg != "units" {
		t.Errorf("not a typed *Error naming class and argument: %#v", err)
	}
}

func TestParseKerasFiles(t *testing.T) {
	cases := []struct {
		file                      string
		features, window, classes int
		binary                    bool
		classesOf                 []string
	}{
		{"testdata/keras3_sequential.json", 37, 0, 10, false, []string{"Conv1D", "MaxPooling1D", "Conv1D", "GlobalAveragePooling1D", "Dense", "Dropout"}},
		{"testdata/keras2_sequential.json", 37, 3, 2, false, []string{"LSTM"}},
	}
	for _, c := range cases {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		var got []string
		for _, l := range m.Layers {
			got = append(got, l.Class)
		}
		if m.Features != c.features || m.Window != c.window || m.Classes != c.classes || m.Binary != c.binary ||
			strings.Join(got, ",") != strings.Join(c.classesOf, ",") {
			t.Errorf("%s: %+v", c.file, m)
		}
	}
}

func TestParseKerasRejects(t *testing.T) {
	base, err := os.ReadFile("testdata/keras3_sequential.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		from, to string
		want     []string
	}{
		{`"use_bias": true`, `"use_bias": false`, []string{"layer 0 (Conv1D)", "argument use_bias", "Keras' default"}},
		{`"padding": "same"`, `"padding": "causal"`, []string{"argument padding", "causal"}},
		{`"class_name": "GlobalAveragePooling1D"`, `"class_name": "GlobalAveragePooling2D"`, []string{"GlobalAveragePooling2D", "not supported"}},
		{`"activation": "softmax"`, `"activation": "relu"`, []string{"last layer must be the output head"}},
	}
	for i, c := range cases {
		if !strings.Contains(string(base), c.from) {
			t.Fatalf("%d: fixture lacks %q", i, c.from)
		}
		_, err := Parse([]byte(strings.Replace(string(base), c.from, c.to, 1)))
		if err == nil {
			t.Errorf("%d: no error", i)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%d: %q lacks %q", i, err, w)
			}
		}
	}
}

func TestBuiltins(t *testing.T) {
	for _, name := range Builtins() {
		m, err := Builtin(name)
		if err != nil || m.Validate() != nil {
			t.Errorf("%s: %v %v", name, err, m.Validate())
		}
	}
	if _, err := Builtin("rnn"); err == nil || !strings.Contains(err.Error(), "cnn_lstm") {
		t.Errorf("unknown built-in: %v", err)
	}
}

func TestEpochStatsJSON(t *testing.T) {
	b, err := json.Marshal([]EpochStats{{Epoch: 1, Loss: 0.5, Accuracy: 0.75, Seconds: 2, SamplesPerSecond: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"epoch":1,"loss":0.5,"accuracy":0.75,"seconds":2,"samples_per_second":100}]`; string(b) != want {
		t.Errorf("%s, want %s", b, want)
	}
}

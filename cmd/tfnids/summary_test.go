package main

import (
	"strings"
	"testing"
)

// TestSummaryCommand checks the printed tables against the seed's numbers
// (seed-pipeline.md section 5: the CNN's logged summary, the LSTM's and
// GRU's computed totals for 37 features and 10 classes).
func TestSummaryCommand(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--model", "cnn", "--features", "37", "--classes", "10"}, []string{ // 0
			`Model: "cnn mc  cnn-64-64"`,
			"│ conv1d (Conv1D)                 │ (None, 35, 64)         │           256 │",
			"│ batch_normalization             │ (None, 17, 64)         │           256 │",
			"│ (BatchNormalization)            │",
			" Total params: 110,422 (431.34 KB)",
			" Trainable params: 110,294 (430.84 KB)",
			" Non-trainable params: 128 (512.00 B)",
		}},
		{[]string{"--model", "lstm", "--features", "37", "--classes", "10"}, []string{ // 1
			`Model: "lstm sl-3 mc  layers-80"`,
			"│ lstm (LSTM)                     │ (None, 3, 80)          │        37,760 │",
			" Total params: 48,950 (191.21 KB)",
		}},
		{[]string{"--model", "gru", "--features", "37", "--classes", "10", "--seq-len", "3"}, []string{ // 2
			"│ gru (GRU)                       │ (None, 80)             │        28,560 │",
			" Total params: 37,670 (147.15 KB)",
		}},
		{[]string{"--model", "gru", "--features", "37", "--classes", "2", "--binary", "--seq-len", "6"}, []string{ // 3
			`Model: "gru sl-6 bc  layers-80"`,
			"│ dense_1 (Dense)                 │ (None, 1)              │           101 │",
		}},
		{[]string{"--model", "dense", "--features", "37", "--classes", "10"}, []string{ // 4
			"│ dense (Dense)                   │ (None, 64)             │         2,432 │",
		}},
	}
	for i, c := range cases {
		code, out, errOut := runCLI(t, append([]string{"summary"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%d: exit %d: %s", i, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%d: output lacks %q:\n%s", i, w, out)
			}
		}
	}
}

func TestSummaryUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--model", "rnn", "--features", "37", "--classes", "10"}, `unknown model "rnn"`},           // 0
		{[]string{"--model", "cnn", "--features", "0", "--classes", "10"}, "feature count must be >= 1"},     // 1
		{[]string{"--model", "cnn", "--features", "37", "--classes", "0"}, "class count must be >= 1"},       // 2
		{[]string{"--model", "lstm", "--features", "37", "--classes", "10", "--seq-len", "0"}, "--seq-len"},  // 3
		{[]string{"--model", "gru", "--features", "37", "--classes", "10", "--binary"}, "exactly 2 classes"}, // 4
		{[]string{"--features", "37", "--classes", "10"}, "model"},                                           // 5: required flag
	}
	for i, c := range cases {
		code, out, errOut := runCLI(t, append([]string{"summary"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut+out, c.want) {
			t.Errorf("%d: exit %d, stderr %q; want a failure mentioning %q", i, code, errOut, c.want)
		}
		if i < 5 && code != exitUsage {
			t.Errorf("%d: exit %d, want %d", i, code, exitUsage)
		}
	}
}

package builders

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tfnids/tfnids/internal/pyenv"
	"github.com/tfnids/tfnids/spec"
)

// stackGen draws valid random layer stacks from the supported layers.
type stackGen struct {
	rng *rand.Rand
}

func (g stackGen) pick(options ...string) string { return options[g.rng.IntN(len(options))] }
func (g stackGen) chance(p float64) bool         { return g.rng.Float64() < p }
func (g stackGen) between(lo, hi int) int        { return lo + g.rng.IntN(hi-lo+1) }

func (g stackGen) activation() string {
	return g.pick("linear", "relu", "tanh", "sigmoid", "elu", "selu", "gelu", "leaky_relu", "swish", "softmax")
}

func (g stackGen) reg(args map[string]any, key string) {
	switch g.rng.IntN(5) {
	case 0:
		args[key] = map[string]any{"l1": 0.01}
	case 1:
		args[key] = map[string]any{"l2": 0.001}
	case 2:
		args[key] = map[string]any{"l1": 0.001, "l2": 0.01}
	}
}

func (g stackGen) layer(class string, args map[string]any) spec.Layer {
	l, err := spec.NewLayer(class, args)
	if err != nil {
		panic(err)
	}
	return l
}

func (g stackGen) recurrent(seq bool) spec.Layer {
	class := g.pick("LSTM", "GRU")
	args := map[string]any{"units": g.between(2, 6), "return_sequences": seq}
	if class == "GRU" && g.chance(0.3) {
		args["reset_after"] = false
	}
	if g.chance(0.3) {
		g.reg(args, "kernel_regularizer")
		g.reg(args, "recurrent_regularizer")
		g.reg(args, "bias_regularizer")
	}
	if g.chance(0.2) {
		args["dropout"], args["recurrent_dropout"] = 0.2, 0.1 // zeroed by the test, still exported
	}
	l := g.layer(class, args)
	if g.chance(0.3) {
		wrap := map[string]any{"layer": l}
		if g.chance(0.5) {
			wrap["merge_mode"] = g.pick("concat", "sum", "ave", "mul")
		}
		return g.layer("Bidirectional", wrap)
	}
	return l
}

func (g stackGen) conv() spec.Layer {
	args := map[string]any{"filters": g.between(2, 6), "kernel_size": g.between(1, 3), "activation": g.activation()}
	switch g.rng.IntN(3) {
	case 0:
		args["strides"] = 2
	case 1:
		args["dilation_rate"] = 2
	}
	if g.chance(0.5) {
		args["padding"] = "same"
	}
	if g.chance(0.3) {
		g.reg(args, "kernel_regularizer")
		g.reg(args, "bias_regularizer")
	}
	return g.layer("Conv1D", args)
}

func (g stackGen) normOrDrop() spec.Layer {
	switch g.rng.IntN(4) {
	case 0:
		return g.layer("BatchNormalization", nil)
	case 1:
		return g.layer("LayerNormalization", map[string]any{"axis": []int{-1, 1}[g.rng.IntN(2)]})
	case 2:
		return g.layer("Activation", map[string]any{"activation": g.activation()})
	}
	return g.layer("Dropout", map[string]any{"rate": 0.3})
}

// sequenceTail ends a (steps, channels) stack in a flat vector.
func (g stackGen) sequenceTail() []spec.Layer {
	switch g.rng.IntN(4) {
	case 0:
		return []spec.Layer{g.layer("Flatten", nil)}
	case 1:
		return []spec.Layer{g.layer(g.pick("GlobalAveragePooling1D", "GlobalMaxPooling1D"), nil)}
	case 2:
		return []spec.Layer{g.layer("Dense", map[string]any{"units": g.between(2, 5), "activation": g.activation()}), g.layer("Flatten", nil)}
	}
	return []spec.Layer{g.recurrent(false)}
}

// model draws one stack: a row model (conv, dense or reshape-then-sequence
// first) or a window model (recurrent or conv first).
func (g stackGen) model(i int) spec.Model {
	m := spec.Model{Name: fmt.Sprintf("stack_%d", i), Features: g.between(8, 14), Classes: g.between(2, 5)}
	if g.chance(0.2) {
		m.Classes, m.Binary = 2, true
	}
	var ls []spec.Layer
	switch {
	case i%2 == 1: // windows
		m.Window = g.between(2, 4)
		if g.chance(0.3) {
			ls = append(ls, g.layer("Conv1D", map[string]any{"filters": g.between(2, 6), "kernel_size": 2, "padding": "same", "activation": g.activation()}))
		}
		if g.chance(0.5) {
			ls = append(ls, g.recurrent(true))
			if g.chance(0.5) {
				ls = append(ls, g.normOrDrop())
			}
		}
		ls = append(ls, g.sequenceTail()...)
	case g.chance(0.5): // rows as a (features, 1) sequence
		ls = append(ls, g.conv())
		if g.chance(0.6) {
			args := map[string]any{"pool_size": g.between(1, 2)}
			if g.chance(0.4) {
				args["padding"] = "same"
			}
			ls = append(ls, g.layer(g.pick("MaxPooling1D", "AveragePooling1D"), args))
		}
		if g.chance(0.5) {
			ls = append(ls, g.normOrDrop())
		}
		ls = append(ls, g.sequenceTail()...)
	case g.chance(0.3): // rows reshaped into a sequence
		ls = append(ls, g.layer("Reshape", map[string]any{"target_shape": []int{-1, 2}}))
		if g.chance(0.5) {
			ls = append(ls, g.conv())
		}
		ls = append(ls, g.sequenceTail()...)
	default:
		ls = append(ls, g.layer("Dense", map[string]any{"units": g.between(3, 8), "activation": g.activation()}))
	}
	for n := g.rng.IntN(3); n > 0; n-- {
		if g.chance(0.5) {
			ls = append(ls, g.normOrDrop())
		}
		args := map[string]any{"units": g.between(3, 8), "activation": g.activation()}
		if g.chance(0.3) {
			g.reg(args, "kernel_regularizer")
		}
		ls = append(ls, g.layer("Dense", args))
	}
	m.Layers = ls
	return m
}

type stackCase struct {
	Spec    spec.Model           `json:"spec"`
	Channel bool                 `json:"channel"`
	X       []float32            `json:"x"`
	XShape  []int                `json:"x_shape"`
	Y       []int32              `json:"y"`
	Weights map[string][]float32 `json:"weights"`
}

type stackResult struct {
	CountParams int64                `json:"count_params"`
	Probs       []float32            `json:"probs"`
	Loss        float64              `json:"loss"`
	After       map[string][]float32 `json:"after"`
	ToJSON      string               `json:"to_json"`
}

// TestRandomStacksKerasParity draws 32 valid stacks (odd ones read windows)
// and checks each against Keras 3 built from tfnids' exported spec:
// parameter counts exactly, the inference forward pass and one Adam step
// from the same initial weights within 1e-5, and Keras' model.to_json()
// of the stack imported back into the same spec. Dropout rates are forced
// to 0 on both sides so the step is deterministic. All 32 Keras models are
// built in one Python process.
func TestRandomStacksKerasParity(t *testing.T) {
	py := pyenv.Require(t, "tensorflow", "keras")
	start := time.Now()
	const n, batch = 32, 24
	g := stackGen{rng: rand.New(rand.NewPCG(13, 2026))}
	var cases []stackCase
	var models []*Model
	zero := 0.0
	for i := 0; len(cases) < n; i++ {
		s := g.model(len(cases))
		cfg := Config{Spec: &s, Seed: int64(i + 1), Dropout: &zero}
		if err := cfg.Validate(); err != nil {
			continue // a draw whose shapes do not chain (e.g. too short for a kernel): draw again
		}
		m := openModel(t, cfg)
		models = append(models, m)
		w, err := m.Weights()
		if err != nil {
			t.Fatal(err)
		}
		shape := append([]int{batch}, m.InputShape()...)
		x := make([]float32, prod(shape))
		for j := range x {
			x[j] = g.rng.Float32()
		}
		y := make([]int32, batch)
		for j := range y {
			y[j] = int32(g.rng.IntN(m.Spec.Classes))
		}
		cases = append(cases, stackCase{Spec: m.Spec, Channel: m.plan.channel, X: x, XShape: shape, Y: y, Weights: w})
	}
	var out struct {
		Keras   string
		Results []stackResult
	}
	built := time.Now()
	pyenv.RunJSON(t, py, "testdata/keras_stacks.py", map[string]any{"cases": cases}, &out)
	t.Logf("tfnids built %d models in %.1f s, Keras %.1f s", n, built.Sub(start).Seconds(), time.Since(built).Seconds())
	if len(out.Results) != n {
		t.Fatalf("Keras returned %d results for %d cases", len(out.Results), n)
	}
	t.Logf("reference: Keras %s", out.Keras)
	var fwdMax, stepMax float64
	for i, c := range cases {
		k, m := out.Results[i], models[i]
		desc, _ := json.Marshal(c.Spec)
		t.Run(c.Spec.Name, func(t *testing.T) {
			if total, _, _ := m.ParamCounts(); total != k.CountParams {
				t.Errorf("count_params: tfnids %d, Keras %d\n%s", total, k.CountParams, desc)
			}
			ex := memExamples{x: c.X, y: c.Y, shape: c.XShape[1:]}
			probs, _, err := m.Predict(ex, batch)
			if err != nil {
				t.Fatal(err)
			}
			fwd := maxAbsDiff(probs, k.Probs)
			h, err := m.Fit(ex, FitOptions{Epochs: 1, BatchSize: batch})
			if err != nil {
				t.Fatal(err)
			}
			after, err := m.Weights()
			if err != nil {
				t.Fatal(err)
			}
			step := math.Abs(h.Epochs[0].Loss - k.Loss)
			worst := fmt.Sprintf("loss %.7g vs %.7g", h.Epochs[0].Loss, k.Loss)
			trainable := map[string]bool{}
			for _, v := range m.WeightVariables() {
				trainable[v.Name] = v.Trainable
			}
			for name, want := range k.After {
				d := maxAbsDiff(after[name], want)
				if trainable[name] {
					d = adamStepDiff(c.Weights[name], after[name], want)
				}
				if d > step {
					step, worst = d, name
				}
			}
			if len(k.After) != len(after) {
				t.Errorf("Keras has %d weights, tfnids %d", len(k.After), len(after))
			}
			if fwd > parityTol || step > parityTol || math.IsNaN(fwd) || math.IsNaN(step) {
				t.Errorf("forward max |Go − Keras| %.3g, one Adam step (loss and weights) %.3g (%s); want <= %g\n%s", fwd, step, worst, parityTol, desc)
			}
			fwdMax, stepMax = math.Max(fwdMax, fwd), math.Max(stepMax, step)

			// Keras' own JSON of the stack reads back into the same spec.
			back, err := spec.ParseKeras([]byte(k.ToJSON))
			if err != nil {
				t.Fatalf("importing Keras' to_json: %v", err)
			}
			got, _ := json.Marshal(Config{Spec: back}.mustSpec(t))
			want, _ := json.Marshal(Config{Spec: &c.Spec}.mustSpec(t))
			if string(got) != string(want) {
				t.Errorf("Keras to_json imports as\n%s\nwant\n%s", got, want)
			}
		})
	}
	t.Logf("PARITY %d random stacks: forward %.3g, Adam step %.3g", n, fwdMax, stepMax)
}

// mustSpec resolves a spec with the name left out (to_json names the
// model "sequential").
func (c Config) mustSpec(t *testing.T) spec.Model {
	t.Helper()
	pl, err := c.plan()
	if err != nil {
		t.Fatal(err)
	}
	s := pl.spec.Canonical()
	s.Name = ""
	return s
}

// Keras' Adam defaults, which both sides train with here.
const (
	adamLR = 1e-3
	// adamEpsHat is the epsilon of Adam's first step written as
	// lr·g/(|g| + adamEpsHat): Keras' ε = 1e-7 over sqrt(1 − β₂) (β₂ = 0.999).
	adamEpsHat = 1e-7 / 0.0316227766
	// gradTol is the round-off allowed on a gradient: float32 sums of
	// terms of order 1 over a batch of 24.
	gradTol = 1e-6
)

// adamStepDiff compares one weight after one Adam step from the same
// values before, element by element, and returns the largest difference
// that is not explained by round-off. Adam's first step moves a weight by
// u = lr·g/(|g| + ε̂): for |g| ≫ ε̂ that is ±lr whatever g is, but a gradient
// that is zero in exact arithmetic (a bias feeding a batch norm that removes
// it) comes out as round-off of order 1e-7, and there u ≈ lr·g/ε̂ turns a
// 2e-7 difference between two correct kernels into 6e-5. Where both updates
// are in that linear regime (|u| < lr/2) the element is compared by the
// gradients the updates imply, g = ε̂·u/(lr − |u|), within gradTol (reported
// scaled to parityTol); elsewhere by the weights themselves.
func adamStepDiff(before, got, want []float32) float64 {
	if len(before) != len(got) || len(got) != len(want) {
		return math.Inf(1)
	}
	var worst float64
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		ug, uw := float64(before[i])-float64(got[i]), float64(before[i])-float64(want[i])
		if d > parityTol && math.Abs(ug) < adamLR/2 && math.Abs(uw) < adamLR/2 {
			implied := func(u float64) float64 { return adamEpsHat * u / (adamLR - math.Abs(u)) }
			d = math.Abs(implied(ug)-implied(uw)) / gradTol * parityTol
		}
		worst = math.Max(worst, d)
	}
	return worst
}

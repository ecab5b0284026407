package builders

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

// kerasModel is one model's record written by testdata/keras_reference.py.
type kerasModel struct {
	X           []float32            `json:"x"`
	XShape      []int                `json:"x_shape"`
	Y           []int32              `json:"y"`
	Weights     map[string][]float32 `json:"weights"`
	Shapes      map[string][]int     `json:"shapes"`
	CountParams int64                `json:"count_params"`
	Layers      []struct {
		Name, Type string
		Shape      []int
		Params     int64
	} `json:"layers"`
	Probs    []float32            `json:"probs"`
	Loss     float64              `json:"loss"`
	Accuracy float64              `json:"accuracy"`
	After    map[string][]float32 `json:"after"`
}

type kerasReference struct {
	Keras, Tensorflow string
	Models            map[string]*kerasModel
}

var (
	refOnce sync.Once
	ref     *kerasReference
	refErr  error
)

// keras runs testdata/keras_reference.py once per test binary (importing
// TensorFlow costs seconds; all models come from one invocation).
func keras(t *testing.T) *kerasReference {
	t.Helper()
	py := pyenv.Require(t, "tensorflow", "keras", "pandas")
	refOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tfnids-keras-ref-")
		if err != nil {
			refErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "reference.json")
		if _, err := pyenv.Run(py, "testdata/keras_reference.py", out); err != nil {
			refErr = err
			return
		}
		data, err := os.ReadFile(out)
		if err != nil {
			refErr = err
			return
		}
		ref = &kerasReference{}
		refErr = json.Unmarshal(data, ref)
	})
	if refErr != nil {
		t.Fatalf("Keras reference: %v", refErr)
	}
	return ref
}

// parityTol is the Keras parity tolerance: Keras runs Python's TensorFlow
// wheel (another build, other kernels) and its own layer code (other op
// order, e.g. GRU gates fused differently), so float32 results agree to a
// few dozen ulps, not to approx.Rel; a wrong initializer, gate order or
// optimizer constant moves them by 1e-3 or more.
const parityTol = 1e-5

// TestKerasParity checks each model against Keras 3 on a batch of 64 real
// examples: inference probabilities, one Adam training step (loss, every
// updated weight, batch-norm moving statistics), parameter counts and the
// summary rows.
func TestKerasParity(t *testing.T) {
	r := keras(t)
	t.Logf("reference: Keras %s, TensorFlow %s", r.Keras, r.Tensorflow)
	cases := []struct {
		key string
		cfg Config
	}{
		{"cnn", Config{Model: "cnn", Features: 37, Classes: 10}},                     // 0
		{"lstm", Config{Model: "lstm", Features: 37, Classes: 10}},                   // 1
		{"gru", Config{Model: "gru", Features: 37, Classes: 10}},                     // 2
		{"dense", Config{Model: "dense", Features: 37, Classes: 10}},                 // 3
		{"gru_binary", Config{Model: "gru", Features: 37, Classes: 2, Binary: true}}, // 4
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			k := r.Models[c.key]
			if k == nil {
				t.Fatalf("no Keras reference for %s", c.key)
			}
			c.cfg.Seed, c.cfg.Dropout = 7, zero()
			m := openModel(t, c.cfg)

			// Parameter counts and summary rows.
			total, _, _ := m.ParamCounts()
			if total != k.CountParams {
				t.Errorf("count_params: tfnids %d, Keras %d", total, k.CountParams)
			}
			rows, err := c.cfg.Describe()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(k.Layers) {
				t.Fatalf("%d summary rows, Keras has %d", len(rows), len(k.Layers))
			}
			for i, l := range k.Layers {
				g := rows[i]
				if g.Name != l.Name || g.Type != l.Type || !slices.Equal(g.OutputShape, l.Shape) || g.Params() != l.Params {
					t.Errorf("layer %d: tfnids %s (%s) %v %d; Keras %s (%s) %v %d", i,
						g.Name, g.Type, g.OutputShape, g.Params(), l.Name, l.Type, l.Shape, l.Params)
				}
			}

			// Same variables, same shapes.
			for _, v := range m.WeightVariables() {
				want, ok := k.Shapes[v.Name]
				if !ok {
					t.Errorf("variable %s has no Keras counterpart", v.Name)
				} else if fmt.Sprint(want) != fmt.Sprint(v.Shape) {
					t.Errorf("%s: shape %v, Keras %v", v.Name, v.Shape, want)
				}
			}
			if len(k.Shapes) != len(m.WeightVariables()) {
				t.Errorf("Keras has %d weights, tfnids %d", len(k.Shapes), len(m.WeightVariables()))
			}
			if err := m.SetWeights(k.Weights); err != nil {
				t.Fatal(err)
			}

			ex := memExamples{x: k.X, y: k.Y, shape: k.XShape[1:]}
			probs, _, err := m.Predict(ex, 64)
			if err != nil {
				t.Fatal(err)
			}
			fwd := maxAbsDiff(probs, k.Probs)

			h, err := m.Fit(ex, FitOptions{Epochs: 1, BatchSize: 64})
			if err != nil {
				t.Fatal(err)
			}
			lossDiff := math.Abs(h.Epochs[0].Loss - k.Loss)
			if h.Epochs[0].Accuracy != k.Accuracy {
				t.Errorf("training accuracy %v, Keras %v", h.Epochs[0].Accuracy, k.Accuracy)
			}
			after, err := m.Weights()
			if err != nil {
				t.Fatal(err)
			}
			var wMax, bnMax float64
			worst := ""
			for name, want := range k.After {
				d := maxAbsDiff(after[name], want)
				if strings.Contains(name, "moving_") {
					bnMax = math.Max(bnMax, d)
					if maxAbsDiff(want, k.Weights[name]) == 0 {
						t.Errorf("%s: Keras's moving statistic did not move; the comparison proves nothing", name)
					}
				} else if d > wMax {
					wMax, worst = d, name
				}
				if d > parityTol {
					t.Errorf("%s after one step: max |Go − Keras| = %.3g", name, d)
				}
			}
			t.Logf("PARITY %-10s forward %.3g  loss %.3g (Keras %.6f)  weights %.3g (%s)  bn-stats %.3g",
				c.key, fwd, lossDiff, k.Loss, wMax, worst, bnMax)
			if fwd > parityTol {
				t.Errorf("inference probabilities: max |Go − Keras| = %.3g", fwd)
			}
			if lossDiff > parityTol {
				t.Errorf("training loss %.8f, Keras %.8f", h.Epochs[0].Loss, k.Loss)
			}
		})
	}
}

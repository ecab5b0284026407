package builders

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/internal/approx"
	"github.com/tfnids/tfnids/tfgraph"
)

// TestSummaryMatchesSeed checks the summary against the seed notebook's
// logged CNN summary (conv1d (None, 35, 64) 256; batch_normalization 256;
// 110,422 parameters, 128 non-trainable) and the spec's computed totals for
// the LSTM (48,950) and GRU (37,670), 37 features and 10 classes.
func TestSummaryMatchesSeed(t *testing.T) {
	cases := []struct {
		model string
		want  []string
		total int64
	}{
		{"cnn", []string{ // 0
			"Model: \"cnn mc  cnn-64-64\"",
			"│ conv1d (Conv1D)                 │ (None, 35, 64)         │           256 │",
			"│ max_pooling1d (MaxPooling1D)    │ (None, 17, 64)         │             0 │",
			"│ batch_normalization             │ (None, 17, 64)         │           256 │",
			"│ (BatchNormalization)            │                        │               │",
			"│ flatten (Flatten)               │ (None, 1088)           │             0 │",
			"│ dense (Dense)                   │ (None, 100)            │       108,900 │",
			"│ dense_1 (Dense)                 │ (None, 10)             │         1,010 │",
			" Total params: 110,422 (431.34 KB)",
			" Trainable params: 110,294 (430.84 KB)",
			" Non-trainable params: 128 (512.00 B)",
		}, 110422},
		{"lstm", []string{ // 1
			"Model: \"lstm sl-3 mc  layers-80\"",
			"│ lstm (LSTM)                     │ (None, 3, 80)          │        37,760 │",
			"│ lstm_1 (LSTM)                   │ (None, 20)             │         8,080 │",
			"│ dense (Dense)                   │ (None, 100)            │         2,100 │",
			" Total params: 48,950 (191.21 KB)",
			" Non-trainable params: 0 (0.00 B)",
		}, 48950},
		{"gru", []string{ // 2
			"Model: \"gru sl-3 mc  layers-80\"",
			"│ gru (GRU)                       │ (None, 80)             │        28,560 │",
			"│ dropout (Dropout)               │ (None, 80)             │             0 │",
			"│ dense (Dense)                   │ (None, 100)            │         8,100 │",
			" Total params: 37,670 (147.15 KB)",
		}, 37670},
		{"dense", []string{ // 3
			"Model: \"dense mc  dense-64\"",
			"│ dense (Dense)                   │ (None, 64)             │         2,432 │",
			" Total params: 3,082 (12.04 KB)",
		}, 3082},
	}
	for i, c := range cases {
		cfg := Config{Model: c.model, Features: 37, Classes: 10}
		s, err := Summary(cfg)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		for _, w := range c.want {
			if !strings.Contains(s, w+"\n") {
				t.Errorf("%d %s: summary lacks line %q:\n%s", i, c.model, w, s)
			}
		}
		m, err := Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if total, tr, nt := m.ParamCounts(); total != c.total || tr+nt != total {
			t.Errorf("%d %s: ParamCounts = %d, %d, %d; want total %d", i, c.model, total, tr, nt, c.total)
		}
		if m.Summary() != s {
			t.Errorf("%d: Model.Summary differs from Summary(cfg)", i)
		}
	}
}

func TestSummaryBinaryAndWindows(t *testing.T) {
	s, err := Summary(Config{Model: "gru", Features: 59, Classes: 2, Binary: true, SeqLen: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`Model: "gru sl-5 bc  layers-80"`, "│ dense_1 (Dense)                 │ (None, 1)              │           101 │"} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}
}

func TestNames(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Model: "cnn", Classes: 10}, "cnn mc  cnn-64-64"},                     // 0
		{Config{Model: "cnn", Classes: 2, Binary: true}, "cnn bc  cnn-64-64"},        // 1
		{Config{Model: "lstm", Classes: 10}, "lstm sl-3 mc  layers-80"},              // 2
		{Config{Model: "gru", Classes: 10, SeqLen: 5}, "gru sl-5 mc  layers-80"},     // 3
		{Config{Model: "gru", Classes: 2, Binary: true}, "gru sl-3 bc  layers-80"},   // 4
		{Config{Model: "dense", Classes: 10}, "dense mc  dense-64"},                  // 5
		{Config{Model: "lstm", Classes: 2, Binary: true}, "lstm sl-3 bc  layers-80"}, // 6
	}
	for i, c := range cases {
		if got := c.cfg.Name(); got != c.want {
			t.Errorf("%d: Name() = %q, want %q", i, got, c.want)
		}
	}
}

func TestBadConfig(t *testing.T) {
	neg := -0.5
	one := 1.0
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Model: "rnn", Features: 37, Classes: 10}, `unknown model "rnn"`},                                      // 0
		{Config{Model: "", Features: 37, Classes: 10}, "unknown model"},                                               // 1
		{Config{Model: "cnn", Features: 0, Classes: 10}, "feature count must be >= 1 (got 0)"},                        // 2
		{Config{Model: "lstm", Features: -3, Classes: 10}, "feature count must be >= 1 (got -3)"},                     // 3
		{Config{Model: "gru", Features: 37, Classes: 0}, "class count must be >= 1 (got 0)"},                          // 4
		{Config{Model: "lstm", Features: 37, Classes: 10, SeqLen: -1}, "window length (seq-len)"},                     // 5
		{Config{Model: "gru", Features: 37, Classes: 10, SeqLen: -2}, "must be >= 1 (got -2)"},                        // 6
		{Config{Model: "cnn", Features: 37, Classes: 10, Binary: true}, "binary mode needs exactly 2"},                // 7
		{Config{Model: "cnn", Features: 3, Classes: 10}, "MaxPooling1D: input length 1 is shorter than the window 2"}, // 8
		{Config{Model: "gru", Features: 37, Classes: 10, Dropout: &neg}, "dropout rate"},                              // 9
		{Config{Model: "gru", Features: 37, Classes: 10, Dropout: &one}, "dropout rate"},                              // 10
	}
	for i, c := range cases {
		_, err := Build(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d: Build(%+v) error = %v; want one containing %q", i, c.cfg, err, c.want)
		}
		if _, err := BuildInference(c.cfg); err == nil {
			t.Errorf("%d: BuildInference accepted %+v", i, c.cfg)
		}
		if _, err := Summary(c.cfg); err == nil {
			t.Errorf("%d: Summary accepted %+v", i, c.cfg)
		}
	}
	// Good edge cases: one feature for dense, one class, a window of 1.
	for i, cfg := range []Config{
		{Model: "dense", Features: 1, Classes: 1},
		{Model: "lstm", Features: 1, Classes: 3, SeqLen: 1},
		{Model: "cnn", Features: 4, Classes: 2},
	} {
		if _, err := Build(cfg); err != nil {
			t.Errorf("good %d: %v", i, err)
		}
	}
}

// TestGradientsForEveryModel builds every model in both modes with the
// seed's dropout: Build calls AddGradients over every trainable variable,
// so success means every op on the loss path has a C++ gradient and no
// random op is differentiated. One training step must then run.
func TestGradientsForEveryModel(t *testing.T) {
	for _, name := range Models {
		for _, binary := range []bool{false, true} {
			classes := 10
			if binary {
				classes = 2
			}
			cfg := Config{Model: name, Features: 37, Classes: classes, Binary: binary, Seed: 3}
			t.Run(fmt.Sprintf("%s/binary=%v", name, binary), func(t *testing.T) {
				m := openModel(t, cfg)
				if len(m.Builder.Trainable()) == 0 {
					t.Fatal("no trainable variables")
				}
				ex := realExamples(t, cfg, 16)
				h, err := m.Fit(ex, FitOptions{Epochs: 1, BatchSize: 16})
				if err != nil {
					t.Fatal(err)
				}
				if l := h.Epochs[0].Loss; math.IsNaN(l) || math.IsInf(l, 0) || l <= 0 {
					t.Fatalf("loss %v", l)
				}
				inf, err := BuildInference(cfg)
				if err != nil {
					t.Fatal(err)
				}
				var want, got []string
				for _, v := range m.WeightVariables() {
					want = append(want, v.Name)
				}
				for _, v := range inf.Builder.Variables() {
					got = append(got, v.Name)
				}
				if !slices.Equal(want, got) {
					t.Errorf("inference graph variables %v, training graph %v", got, want)
				}
			})
		}
	}
}

// TestDropoutMasks checks dropout on the gru model: with the seed's rate the
// training pass's loss differs from the inference pass's on the same
// weights; with rate 0 (the parity tests' setting) the two agree.
func TestDropoutMasks(t *testing.T) {
	cfg := Config{Model: "gru", Features: 37, Classes: 10, Seed: 5}
	ex := realExamples(t, cfg, 32)
	for _, rate := range []*float64{nil, zero()} {
		c := cfg
		c.Dropout = rate
		m := openModel(t, c)
		x, y := make([]float32, 32*3*37), make([]int32, 32)
		idx := make([]int, 32)
		for i := range idx {
			idx[i] = i
		}
		ex.Gather(idx, x, y)
		trainLoss := func() float64 {
			// Training-pass loss without a step: same variables, dropout on.
			l, _, err := m.runBatch(ex, idx, x, y, []tf.Output{m.Loss, m.Accuracy}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		evalLoss, _, err := m.Evaluate(ex, 32)
		if err != nil {
			t.Fatal(err)
		}
		l1 := trainLoss()
		if rate == nil && l1 == evalLoss {
			t.Errorf("dropout 0.2: training loss %v equals the inference loss", l1)
		}
		if rate != nil && math.Abs(l1-evalLoss) > 1e-6 {
			t.Errorf("dropout 0: training loss %v, inference loss %v", l1, evalLoss)
		}
	}
}

func TestFitDecreasesLoss(t *testing.T) {
	for _, name := range Models {
		cfg := Config{Model: name, Features: 37, Classes: 10, Seed: 11}
		t.Run(name, func(t *testing.T) {
			m := openModel(t, cfg)
			ex := realExamples(t, cfg, 256)
			var batches int
			h, err := m.Fit(ex, FitOptions{Epochs: 6, BatchSize: 32, Shuffle: true, Seed: 1,
				OnBatch: func(b BatchStats) { batches++ }})
			if err != nil {
				t.Fatal(err)
			}
			if batches != 6*8 {
				t.Errorf("OnBatch called %d times, want 48", batches)
			}
			first, last := h.Epochs[0], h.Epochs[len(h.Epochs)-1]
			t.Logf("%s: loss %.4f → %.4f, accuracy %.3f → %.3f", name, first.Loss, last.Loss, first.Accuracy, last.Accuracy)
			if !(last.Loss < first.Loss) {
				t.Errorf("loss did not decrease: %v", h.Epochs)
			}
			if last.Epoch != 6 || last.SamplesPerSecond <= 0 {
				t.Errorf("last epoch stats %+v", last)
			}
			loss, acc, err := m.Evaluate(ex, 100)
			if err != nil || loss <= 0 || acc < 0 || acc > 1 {
				t.Errorf("Evaluate = %v, %v, %v", loss, acc, err)
			}
		})
	}
}

func TestEarlyStopper(t *testing.T) {
	cases := []struct {
		patience int
		minDelta float64
		losses   []float64
		stopAt   int // 1-based epoch Fit stops after; 0 = runs all
		best     int // 1-based
	}{
		{1, 0, []float64{1, 0.9, 0.95, 0.8}, 3, 2},                     // 0
		{2, 0, []float64{1, 0.9, 0.95, 0.91, 0.5}, 4, 2},               // 1
		{2, 0, []float64{1, 0.9, 0.95, 0.8, 0.85, 0.7}, 0, 6},          // 2
		{1, 0.2, []float64{1, 0.85, 0.7}, 2, 1},                        // 3: 0.85 is not 0.2 below 1
		{1, 0, []float64{1, 1}, 2, 1},                                  // 4: equal is no improvement
		{3, 0, []float64{1, math.NaN(), math.NaN(), math.NaN()}, 4, 1}, // 5: NaN never improves
		{1, 0, []float64{math.NaN(), 1, 2}, 2, 1},                      // 6: a first NaN still sets best; then 1 < NaN is false
	}
	for i, c := range cases {
		e := &earlyStopper{patience: c.patience, minDelta: c.minDelta}
		stopAt, best := 0, 0
		for epoch, l := range c.losses {
			improved, stop := e.update(epoch, l)
			if improved {
				best = epoch + 1
			}
			if stop {
				stopAt = epoch + 1
				break
			}
		}
		if stopAt != c.stopAt || best != c.best {
			t.Errorf("%d: stopped after %d (want %d), best %d (want %d)", i, stopAt, c.stopAt, best, c.best)
		}
	}
}

// TestFitEarlyStoppingRestoresBest forces "no improvement" with a huge
// MinDelta: epoch 1 is the best, patience 1 stops after epoch 2, and the
// weights return to those after epoch 1.
func TestFitEarlyStoppingRestoresBest(t *testing.T) {
	cfg := Config{Model: "dense", Features: 37, Classes: 10, Seed: 2}
	m := openModel(t, cfg)
	ex := realExamples(t, cfg, 64)
	var afterFirst map[string][]float32
	h, err := m.Fit(ex, FitOptions{Epochs: 10, BatchSize: 16, Patience: 1, MinDelta: 1e9, RestoreBest: true,
		OnEpochEnd: func(s EpochStats) error {
			if s.Epoch == 1 {
				w, err := m.Weights()
				afterFirst = w
				return err
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !h.StoppedEarly || len(h.Epochs) != 2 || h.BestEpoch != 1 {
		t.Fatalf("history %+v: want a stop after epoch 2 with best epoch 1", h)
	}
	now, err := m.Weights()
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range afterFirst {
		if d := maxAbsDiff(now[name], w); d != 0 {
			t.Errorf("%s: restored weights differ from epoch 1's by %g", name, d)
		}
	}
}

func TestFitResumeHookAndCancel(t *testing.T) {
	cfg := Config{Model: "cnn", Features: 37, Classes: 10, Seed: 4}
	m := openModel(t, cfg)
	ex := realExamples(t, cfg, 40)

	// Resume: epochs 3..4 only, numbered as Keras numbers them.
	var seen []int
	h, err := m.Fit(ex, FitOptions{Epochs: 4, InitialEpoch: 2, BatchSize: 16,
		OnEpochEnd: func(s EpochStats) error { seen = append(seen, s.Epoch); return nil }})
	if err != nil || len(h.Epochs) != 2 || h.Epochs[0].Epoch != 3 || !slices.Equal(seen, []int{3, 4}) {
		t.Fatalf("resume: %+v %v %v", h, seen, err)
	}

	// A hook error stops training and comes back.
	boom := errors.New("disk full")
	h, err = m.Fit(ex, FitOptions{Epochs: 3, BatchSize: 16, OnEpochEnd: func(EpochStats) error { return boom }})
	if !errors.Is(err, boom) || len(h.Epochs) != 1 {
		t.Fatalf("hook error: %v, %d epochs", err, len(h.Epochs))
	}

	// Cancellation at a batch boundary: epoch 1 completes (3 batches), the
	// cancel in epoch 2's second batch stops Fit right after that batch.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var batches int
	h, err = m.Fit(ex, FitOptions{Epochs: 5, BatchSize: 16, Context: ctx, OnBatch: func(b BatchStats) {
		batches++
		if b.Epoch == 2 && b.Batch == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || len(h.Epochs) != 1 || batches != 5 {
		t.Fatalf("cancel: err %v, %d epochs, %d batches; want Canceled, 1, 5", err, len(h.Epochs), batches)
	}

	// Wrong example shape.
	if _, err := m.Fit(memExamples{x: make([]float32, 6), y: make([]int32, 2), shape: []int{3}}, FitOptions{Epochs: 1}); err == nil ||
		!strings.Contains(err.Error(), "shape [3]") {
		t.Fatalf("shape mismatch: %v", err)
	}
}

// TestSaveRestoreRoundTrip: a checkpoint restored into another model (and
// session) gives its predictions, and training continues alike (optimizer
// state restored).
func TestSaveRestoreRoundTrip(t *testing.T) {
	for _, name := range []string{"cnn", "lstm"} {
		cfg := Config{Model: name, Features: 37, Classes: 10, Seed: 9}
		t.Run(name, func(t *testing.T) {
			ex := realExamples(t, cfg, 50)
			m := openModel(t, cfg)
			if _, err := m.Fit(ex, FitOptions{Epochs: 2, BatchSize: 16, Shuffle: true}); err != nil {
				t.Fatal(err)
			}
			want, wantCls, err := m.Predict(ex, 16)
			if err != nil {
				t.Fatal(err)
			}
			prefix := filepath.Join(t.TempDir(), name, "weights-02-0.1234")
			if err := m.Save(prefix); err != nil {
				t.Fatal(err)
			}
			// Same seed (dropout masks derive from it) but untrained weights.
			m2 := openModel(t, cfg)
			fresh, _, err := m2.Predict(ex, 16)
			if err != nil {
				t.Fatal(err)
			}
			if maxAbsDiff(fresh, want) == 0 {
				t.Fatal("an untrained model predicts like the trained one; the test proves nothing")
			}
			if err := m2.Restore(prefix); err != nil {
				t.Fatal(err)
			}
			got, gotCls, err := m2.Predict(ex, 16)
			if err != nil {
				t.Fatal(err)
			}
			// m2 is another session: the restored weights are the saved
			// bits, but its kernels may split reductions differently, so
			// the probabilities agree to approx.Rel of their scale (1), the
			// classes exactly.
			if i := approx.Float32s(want, got, approx.Rel, 1); i >= 0 {
				t.Fatalf("probability %d: %v after restore, %v before", i, got[i], want[i])
			}
			if !slices.Equal(wantCls, gotCls) {
				t.Fatal("classes differ after restore")
			}
			// Training continues identically (Adam slots and iterations restored).
			h1, err := m.Fit(ex, FitOptions{Epochs: 3, InitialEpoch: 2, BatchSize: 16, Shuffle: true})
			if err != nil {
				t.Fatal(err)
			}
			h2, err := m2.Fit(ex, FitOptions{Epochs: 3, InitialEpoch: 2, BatchSize: 16, Shuffle: true})
			if err != nil {
				t.Fatal(err)
			}
			if !approx.Equal(h1.Epochs[0].Loss, h2.Epochs[0].Loss, approx.Rel) {
				t.Errorf("epoch 3 after restore: loss %v, uninterrupted %v", h2.Epochs[0].Loss, h1.Epochs[0].Loss)
			}
		})
	}
}

func TestPredictBinary(t *testing.T) {
	cfg := Config{Model: "dense", Features: 37, Classes: 2, Binary: true, Seed: 1}
	m := openModel(t, cfg)
	ex := realExamples(t, cfg, 20)
	probs, classes, err := m.Predict(ex, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 20 || len(classes) != 20 {
		t.Fatalf("%d probabilities, %d classes; want 20 each", len(probs), len(classes))
	}
	for i, p := range probs {
		if (p > 0.5) != (classes[i] == 1) {
			t.Errorf("row %d: p %v, class %d", i, p, classes[i])
		}
	}
}

func TestClasses(t *testing.T) {
	got := Classes([]float32{0.1, 0.7, 0.2, 0.4, 0.2, 0.4}, 3, false)
	if !slices.Equal(got, []int32{1, 0}) { // ties: first maximum, as np.argmax
		t.Errorf("argmax = %v", got)
	}
	got = Classes([]float32{0.5, 0.51, 0.1}, 1, true)
	if !slices.Equal(got, []int32{0, 1, 0}) { // strictly above 0.5
		t.Errorf("threshold = %v", got)
	}
}

func TestWeightsRoundTripAndErrors(t *testing.T) {
	m := openModel(t, Config{Model: "cnn", Features: 8, Classes: 3, Seed: 1})
	w, err := m.Weights()
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 10 || len(w["batch_normalization/moving_variance"]) != 64 || w["batch_normalization/moving_variance"][0] != 1 {
		t.Fatalf("weights: %d entries, moving_variance %v", len(w), w["batch_normalization/moving_variance"])
	}
	k := w["dense/kernel"]
	for i := range k {
		k[i] = float32(i)
	}
	if err := m.SetWeights(map[string][]float32{"dense/kernel": k}); err != nil {
		t.Fatal(err)
	}
	w2, _ := m.Weights()
	if maxAbsDiff(w2["dense/kernel"], k) != 0 {
		t.Error("SetWeights did not take")
	}
	if err := m.SetWeights(map[string][]float32{"nope/kernel": {1}}); err == nil || !strings.Contains(err.Error(), `no variable "nope/kernel"`) {
		t.Errorf("unknown name: %v", err)
	}
	if err := m.SetWeights(map[string][]float32{"dense/bias": {1}}); err == nil || !strings.Contains(err.Error(), "got 1 values") {
		t.Errorf("wrong size: %v", err)
	}
	m.Close()
	if _, err := m.Weights(); !errors.Is(err, ErrNotOpen) {
		t.Errorf("Weights on a closed model: %v", err)
	}
}

// TestFitPriorHistory resumes with the epochs of an interrupted run: the
// early-stopping state continues from them.
func TestFitPriorHistory(t *testing.T) {
	cfg := Config{Model: "dense", Features: 37, Classes: 10, Seed: 2}
	m := openModel(t, cfg)
	ex := realExamples(t, cfg, 32)
	prior := []EpochStats{{Epoch: 1, Loss: 2}, {Epoch: 2, Loss: 1e-3}}
	// Epoch 2's loss is unbeatable: epochs 3 and 4 exhaust patience 2.
	h, err := m.Fit(ex, FitOptions{Epochs: 10, InitialEpoch: 2, PriorHistory: prior, BatchSize: 16, Patience: 2, RestoreBest: true})
	if err != nil {
		t.Fatal(err)
	}
	if !h.StoppedEarly || len(h.Epochs) != 2 || h.Epochs[1].Epoch != 4 || h.BestEpoch != 2 {
		t.Fatalf("history %+v: want epochs 3-4, a stop, best epoch 2", h)
	}
	// A prior run that had already stopped: nothing more to do.
	prior = append(prior, EpochStats{Epoch: 3, Loss: 5}, EpochStats{Epoch: 4, Loss: 5})
	h, err = m.Fit(ex, FitOptions{Epochs: 10, InitialEpoch: 4, PriorHistory: prior, BatchSize: 16, Patience: 2})
	if err != nil || !h.StoppedEarly || len(h.Epochs) != 0 {
		t.Fatalf("already stopped: %+v, %v", h, err)
	}
}

// TestDropoutLayer checks inverted dropout's statistics in a training pass
// (about Rate of the values zeroed, the rest scaled by 1/(1 − Rate)), a new
// mask after the step counter moves, and identity in an inference pass.
func TestDropoutLayer(t *testing.T) {
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: 1})
	x := b.Placeholder("x", tf.Float, -1, 100)
	train, infer := b.NewPass("train", true), b.NewPass("infer", false)
	d := Dropout{Rate: 0.2}
	yt := d.Apply(train, "dropout", x, []int{100})
	yi := d.Apply(infer, "dropout", x, []int{100})
	if yi != x {
		t.Fatal("inference dropout is not the identity")
	}
	yi = op.Identity(b.Root.SubScope("fetch"), yi) // x itself cannot be fed and fetched
	it := b.Iterations()
	inc := op.AssignAddVariableOp(b.Root.SubScope("inc"), it.Handle, op.Const(b.Root.SubScope("one"), int64(1)))
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	sess, err := tfgraph.NewSession(b.Graph, tfgraph.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := b.Initialize(sess); err != nil {
		t.Fatal(err)
	}
	ones := make([]float32, 100*100)
	for i := range ones {
		ones[i] = 1
	}
	xt, _ := tfgraph.NewFloat32(ones, 100, 100)
	defer tfgraph.FreeTensors(xt)
	run := func() (train, infer []float32) {
		out, err := sess.Run(map[tf.Output]*tf.Tensor{x: xt}, []tf.Output{yt, yi}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tfgraph.FreeTensors(out...)
		a, _ := tfgraph.Float32s(out[0])
		c, _ := tfgraph.Float32s(out[1])
		return a, c
	}
	a, c := run()
	zeros := 0
	for i, v := range a {
		switch v {
		case 0:
			zeros++
		case 1.25:
		default:
			t.Fatalf("training value %d = %v, want 0 or 1.25", i, v)
		}
		if c[i] != 1 {
			t.Fatalf("inference value %d = %v, want 1", i, c[i])
		}
	}
	if frac := float64(zeros) / float64(len(a)); math.Abs(frac-0.2) > 0.02 {
		t.Errorf("dropped fraction %.3f, want about 0.2", frac)
	}
	again, _ := run()
	if maxAbsDiff(a, again) != 0 {
		t.Error("the mask changed without a training step")
	}
	if _, err := sess.Run(nil, nil, []*tf.Operation{inc}); err != nil {
		t.Fatal(err)
	}
	next, _ := run()
	if maxAbsDiff(a, next) == 0 {
		t.Error("the mask did not change after the step counter moved")
	}
}

// TestRecurrentInputDropoutSharesMask checks Keras 3's LSTM/GRU dropout
// semantics: one (batch, features) mask per call, the same at every step.
func TestRecurrentInputDropoutSharesMask(t *testing.T) {
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: 3})
	x := b.Placeholder("x", tf.Float, -1, 3, 50)
	p := b.NewPass("train", true)
	ci := stepInputs(p, p.Scope.SubScope("lstm"), "lstm", x, 3, 0.5, 0, 4, false)
	if len(ci.inMasks) != 1 {
		t.Fatalf("%d input masks, want 1 shared by every gate", len(ci.inMasks))
	}
	ms := p.Scope.SubScope("masked")
	xs := make([]tf.Output, len(ci.xs))
	for i := range ci.xs {
		xs[i] = op.Mul(ms.SubScope("Mul"), ci.xs[i], ci.inMasks[0])
	}
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	sess, err := tfgraph.NewSession(b.Graph, tfgraph.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := b.Initialize(sess); err != nil {
		t.Fatal(err)
	}
	ones := make([]float32, 20*3*50)
	for i := range ones {
		ones[i] = 1
	}
	xt, _ := tfgraph.NewFloat32(ones, 20, 3, 50)
	defer tfgraph.FreeTensors(xt)
	out, err := sess.Run(map[tf.Output]*tf.Tensor{x: xt}, xs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tfgraph.FreeTensors(out...)
	s0, _ := tfgraph.Float32s(out[0])
	zeros := 0
	for _, v := range s0 {
		if v == 0 {
			zeros++
		} else if v != 2 {
			t.Fatalf("masked input %v, want 0 or 2", v)
		}
	}
	if zeros == 0 || zeros == len(s0) {
		t.Fatalf("%d of %d inputs dropped", zeros, len(s0))
	}
	for step := 1; step < 3; step++ {
		st, _ := tfgraph.Float32s(out[step])
		if maxAbsDiff(s0, st) != 0 {
			t.Errorf("step %d uses a different dropout mask than step 0", step)
		}
	}
}

// TestDevicePinnedModelTrains pins every op to the CPU device string
// ResolveDevice returns; gradients, Adam and checkpoints must still work.
func TestDevicePinnedModelTrains(t *testing.T) {
	cfg := Config{Model: "lstm", Features: 37, Classes: 10, Device: "/device:CPU:0"}
	m := openModel(t, cfg)
	if _, err := m.Fit(realExamples(t, cfg, 32), FitOptions{Epochs: 1, BatchSize: 16}); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(filepath.Join(t.TempDir(), "ckpt")); err != nil {
		t.Fatal(err)
	}
}

// TestTrainingStepRunsFusedKernels reads a traced training step of the
// seed CNN and GRU (RunMetadata step stats) and checks that Grappler fused
// what the layers are built for: Conv2D and MatMul with their BiasAdd (and
// the CNN's relu where the gradient allows it), one batch-norm kernel each
// way, and no Softmax (the loss and the accuracy read the logits).
// Kernel names vary with the build (_FusedConv2D, _MklNativeFusedConv2D, …),
// so they are matched by the part every build shares (the absent ones by
// their ending).
func TestTrainingStepRunsFusedKernels(t *testing.T) {
	for _, tc := range []struct {
		model      string
		shape      []int
		want, none []string
	}{
		{"cnn", []int{20}, []string{"FusedConv2D", "FusedMatMul", "FusedBatchNormV3", "FusedBatchNormGradV3", "BiasAddGrad"},
			[]string{"Softmax", "SquaredDifference"}},
		{"gru", []int{3, 20}, []string{"FusedMatMul"}, []string{"Softmax"}},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m := openModel(t, Config{Model: tc.model, Features: 20, Classes: 4, Seed: 1})
			const batch = 32
			per := prod(tc.shape)
			x := make([]float32, batch*per)
			for i := range x {
				x[i] = float32(i%7) / 7
			}
			y := make([]int32, batch)
			for i := range y {
				y[i] = int32(i % 4)
			}
			xt, err := tfgraph.NewFloat32(x, append([]int64{batch}, i64s(tc.shape...)...)...)
			if err != nil {
				t.Fatal(err)
			}
			yt, err := tfgraph.NewInt32(y, batch)
			if err != nil {
				t.Fatal(err)
			}
			defer tfgraph.FreeTensors(xt, yt)
			r, err := tfgraph.RunTraced(m.Session(), map[tf.Output]*tf.Tensor{m.X: xt, m.Y: yt},
				[]tf.Output{m.Loss, m.Accuracy}, []*tf.Operation{m.Step}, tfgraph.SoftwareTrace)
			if err != nil {
				t.Fatal(err)
			}
			tfgraph.FreeTensors(r.Outputs...)
			ops := tfgraph.SummarizeStepStats(r.Metadata.GetStepStats()).ByOp
			ran := func(part string, match func(string, string) bool) bool {
				for op := range ops {
					if match(op, part) {
						return true
					}
				}
				return false
			}
			for _, part := range tc.want {
				if !ran(part, strings.Contains) {
					t.Errorf("no %s kernel ran; kernels: %v", part, slices.Sorted(maps.Keys(ops)))
				}
			}
			for _, part := range tc.none {
				if ran(part, strings.HasSuffix) { // Softmax, not SoftmaxCrossEntropyWithLogits
					t.Errorf("a %s kernel ran; kernels: %v", part, slices.Sorted(maps.Keys(ops)))
				}
			}
		})
	}
}

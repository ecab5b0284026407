package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/internal/approx"
	"github.com/tfnids/tfnids/internal/pyenv"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/tfgraph"
)

// quietObserver records what a run reports and can cancel it after a given
// number of epochs (a Ctrl-C at a known point).
type quietObserver struct {
	epochs     int
	cancelAt   int
	cancel     context.CancelFunc
	warnings   []string
	modelsDone int
}

func (o *quietObserver) Loaded(*dataset.Frame, *dataset.LoadReport) {}
func (o *quietObserver) FoldStart(int, int, int, int)               {}
func (o *quietObserver) ModelStart(int, string, int, int)           {}
func (o *quietObserver) Batch(builders.BatchStats)                  {}
func (o *quietObserver) Epoch(int, string, builders.EpochStats) {
	o.epochs++
	if o.cancelAt > 0 && o.epochs == o.cancelAt {
		o.cancel()
	}
}
func (o *quietObserver) ModelDone(int, string, *report.Evaluation, float64) { o.modelsDone++ }
func (o *quietObserver) Warn(msg string)                                    { o.warnings = append(o.warnings, msg) }

func testConfig(t *testing.T, dir string) Config {
	t.Helper()
	root, err := pyenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	c := Defaults()
	c.Data = []string{filepath.Join(root, "testdata", "cicids2017-slice")}
	c.Profile = "cicids2017_improved"
	c.Name = "slice"
	c.Models = []string{"cnn", "gru"}
	c.CV = "stratified"
	c.Splits = 2
	c.Epochs = 3
	c.BatchSize = 256
	c.Threads = 1 // single-threaded kernels: repeatable reductions on one machine
	c.InterThreads = 1
	c.Seed = 3
	c.WeightsDir = filepath.Join(dir, "weights")
	c.ResultsDir = filepath.Join(dir, "results")
	return c
}

func TestRunWritesCheckpointsAndResults(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	obs := &quietObserver{}
	out, err := Run(context.Background(), cfg, obs, []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	if obs.modelsDone != 4 || obs.epochs != 12 {
		t.Errorf("observer saw %d models and %d epochs, want 4 and 12", obs.modelsDone, obs.epochs)
	}
	// One checkpoint per epoch, named like Keras' ModelCheckpoint, per fold.
	pat := regexp.MustCompile(`^weights-0[1-3]-\d+\.\d{4}\.index$`)
	for _, model := range []string{"cnn-mc-cnn-64-64", "gru-sl-3-mc-layers-80"} { // shell-safe directory names
		for _, fold := range []string{"fold-1", "fold-2"} {
			entries, err := os.ReadDir(filepath.Join(out.WeightsRoot, model, fold))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range entries {
				if pat.MatchString(e.Name()) {
					n++
				}
				if strings.Contains(e.Name(), "tmp") {
					t.Errorf("temporary file left behind: %s", e.Name())
				}
			}
			if n != 3 {
				t.Errorf("%s/%s: %d epoch checkpoints, want 3", model, fold, n)
			}
		}
	}
	b, err := os.ReadFile(out.ResultsPath)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("results are not strict JSON: %v", err)
	}
	r, err := report.ReadResults(out.ResultsPath)
	if err != nil {
		t.Fatal(err)
	}
	if r.InputDim != 76 && r.InputDim < 30 {
		t.Errorf("input_dim %d", r.InputDim)
	}
	if got := r.ModelNames(); !reflect.DeepEqual(got, []string{"cnn mc  cnn-64-64", "gru sl-3 mc  layers-80"}) {
		t.Errorf("models %v", got)
	}
	for _, name := range r.ModelNames() {
		m := r.Models[name]
		if len(m.Scores) != 2 || len(m.History) != 2 || len(m.History[0].Epochs) != 3 {
			t.Errorf("%s: %d scores, %d histories", name, len(m.Scores), len(m.History))
		}
		if r.Average[name].AverageAcc <= 0 {
			t.Errorf("%s: average accuracy %v", name, r.Average[name].AverageAcc)
		}
	}
	if r.Endtime == "" || r.Configuration == "" || len(r.LabelNames) != 9 {
		t.Errorf("endtime %q, configuration %q, labels %v", r.Endtime, r.Configuration, r.LabelNames)
	}
	// The file has every stage but the writing of the file itself.
	checkTimings(t, out.Results)
	if n := len(out.Results.Timings); len(r.Timings) != n-1 || r.Timings[n-2] != out.Results.Timings[n-2] {
		t.Errorf("the file has %d stages, the run %d; want all but the last write", len(r.Timings), n)
	}
	// A finished run cannot be resumed.
	cfg.Resume = true
	if _, err := Run(context.Background(), cfg, &quietObserver{}, nil); err == nil || !strings.Contains(err.Error(), "already finished") {
		t.Errorf("resume of a finished run: %v", err)
	}
}

// checkTimings checks the stages of a finished run of testConfig (2 folds,
// cnn and gru): the load's, one scaler per fold, every step of every pair,
// and Fit's time split into fit, validate and checkpoint without losing any
// of it.
func checkTimings(t *testing.T, r *report.Results) {
	t.Helper()
	count := map[string]int{}
	perPair := map[string]float64{} // fold/model -> fit + validate + checkpoint
	for _, s := range r.Timings {
		count[s.Name]++
		if s.Seconds < 0 {
			t.Errorf("stage %+v: negative time", s)
		}
		switch s.Name {
		case "fit", "validate", "checkpoint":
			perPair[fmt.Sprintf("%d/%s", s.Fold, s.Model)] += s.Seconds
		}
	}
	want := map[string]int{"read": 1, "clean": 1, "factorize": 1, "split": 1, "fit scaler": 2, "build": 4, "fit": 4,
		"validate": 4, "checkpoint": 4, "predict": 4, "score": 4, "model card": 4, "results": 5}
	for name, n := range want {
		if count[name] != n {
			t.Errorf("%d %q stages, want %d (all: %v)", count[name], name, n, count)
		}
	}
	for _, name := range r.ModelNames() {
		for _, sc := range r.Models[name].Scores {
			got, fit := perPair[fmt.Sprintf("%d/%s", sc.Fold, name)], float64(sc.TrainSeconds)
			// The parts are measured inside the span train_seconds measures.
			if got > fit+1e-3 || got < 0.9*fit-0.05 {
				t.Errorf("fold %d %s: fit + validate + checkpoint = %.3fs, train_seconds %.3fs", sc.Fold, name, got, fit)
			}
		}
	}
}

// TestInterruptAndResumeEqualsUninterrupted interrupts a run after its fourth
// epoch (inside the second model of the first fold), resumes it, and expects
// the very same scores and confusion matrices as a run never interrupted.
func TestInterruptAndResumeEqualsUninterrupted(t *testing.T) {
	full, err := Run(context.Background(), testConfig(t, t.TempDir()), &quietObserver{}, nil)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	cfg := testConfig(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	obs := &quietObserver{cancelAt: 4, cancel: cancel}
	part, err := Run(ctx, cfg, obs, nil)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run returned %v", err)
	}
	if _, err := os.Stat(part.ResultsPath); err != nil {
		t.Fatalf("no partial results after the interrupt: %v", err)
	}
	if _, err := os.Stat(filepath.Join(part.WeightsRoot, ModelDir("gru sl-3 mc  layers-80"), "fold-1", "weights-interrupted.index")); err != nil {
		t.Errorf("no interrupt checkpoint: %v", err)
	}

	cfg.Resume = true
	obs2 := &quietObserver{}
	resumed, err := Run(context.Background(), cfg, obs2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if obs2.epochs != 12-4 {
		t.Errorf("resumed run trained %d epochs, want the remaining %d", obs2.epochs, 12-4)
	}
	// The resumed pairs restore weights, Adam slots and the step counter
	// from a checkpoint into a new session: the same arithmetic in the same
	// order on this machine, but nothing promises it bit for bit (another
	// session may split a reduction differently). Losses and scores agree
	// to approx.Rel; confusion matrices and counts exactly.
	diffs, err := approx.Results(full.Results.Models, resumed.Results.Models)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("resumed vs uninterrupted: %s", d)
	}
	// The resumed run's stages follow the interrupted run's.
	reads := 0
	for _, s := range resumed.Results.Timings {
		if s.Name == "read" {
			reads++
		}
	}
	if reads != 2 {
		t.Errorf("%d read stages after a resume, want 2 (the interrupted run's and the resumed run's)", reads)
	}
}

func TestResumeRefusesOtherSettings(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.Models = []string{"cnn"}
	cfg.Epochs = 1
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := Run(ctx, cfg, &quietObserver{cancelAt: 1, cancel: cancel}, nil); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("want an interrupt, got %v", err)
	}
	cfg.Resume = true
	cfg.BatchSize = 64
	if _, err := Run(context.Background(), cfg, &quietObserver{}, nil); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Fatalf("resume with another batch size: %v", err)
	}
	cfg.WeightsDir = filepath.Join(dir, "elsewhere")
	if _, err := Run(context.Background(), cfg, &quietObserver{}, nil); err == nil || !strings.Contains(err.Error(), "no run to resume") {
		t.Fatalf("resume with nothing to resume: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Data = nil }, "--data"},                      // 0
		{func(c *Config) { c.Models = []string{"rnn"} }, "unknown model"}, // 1
		{func(c *Config) { c.CV = "loo" }, "--cv"},                        // 2
		{func(c *Config) { c.Splits = 1 }, "--splits"},                    // 3
		{func(c *Config) { c.Epochs = 0 }, "--epochs"},                    // 4
		{func(c *Config) { c.BatchSize = 0 }, "--batch-size"},             // 5
		{func(c *Config) { c.SeqLen = 0 }, "--seq-len"},                   // 6
		{func(c *Config) { c.BadValues = "ignore" }, "--bad-values"},      // 7
		{func(c *Config) { c.Patience = -1 }, "--patience"},
		{func(c *Config) { c.Device = "tpu:0" }, "--device"},                  // 8
		{func(c *Config) { c.CV, c.TestSplit = "none", 1.5 }, "--test-split"}, // 9
	}
	for i, tc := range cases {
		c := Defaults()
		c.Data = []string{"x.csv"}
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: Validate() = %v, want an error mentioning %q", i, err, tc.want)
		}
	}
	c := Defaults()
	c.Data = []string{"x.csv"}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestBadDataIsDataError(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Data = []string{filepath.Join(t.TempDir(), "missing.csv")}
	_, err := Run(context.Background(), cfg, &quietObserver{}, nil)
	if err == nil || !IsDataError(err) {
		t.Fatalf("missing data file: %v (data error: %v)", err, IsDataError(err))
	}
}

// TestTwoSlotsEqualOneSlot runs the pairs on two in-process slots at once
// and expects exactly the scores of the sequential run: the scheduler only
// changes where and when pairs train, not what they compute.
func TestTwoSlotsEqualOneSlot(t *testing.T) {
	seq, err := Run(context.Background(), testConfig(t, t.TempDir()), &quietObserver{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, t.TempDir())
	one := tfgraph.SessionConfig{IntraOpThreads: 1, InterOpThreads: 1}
	cfg.Slots = []Slot{{Name: "a", Device: "/device:CPU:0", Session: one}, {Name: "b", Device: "/device:CPU:0", Session: one}}
	par, err := Run(context.Background(), cfg, &quietObserver{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seq.Results.ModelNames(), par.Results.ModelNames()) {
		t.Fatalf("model order %v vs %v", par.Results.ModelNames(), seq.Results.ModelNames())
	}
	// Each slot has its own session (one thread each, as the sequential
	// run): the same arithmetic, compared to approx.Rel rather than bit for
	// bit (see TestInterruptAndResumeEqualsUninterrupted).
	diffs, err := approx.Results(seq.Results.Models, par.Results.Models)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("two slots vs one slot: %s", d)
	}
	ranOn := map[string]int{}
	for _, m := range par.Results.Models {
		for _, s := range m.Scores {
			ranOn[s.RanOn]++
		}
	}
	if ranOn["a"] == 0 || ranOn["b"] == 0 || ranOn["a"]+ranOn["b"] != 4 {
		t.Errorf("results record the pairs ran on %v, want both slots", ranOn)
	}
}

// Every warning the console shows is saved in the results file, among them
// the one about the seed LSTM's l1(0.01) penalty (issue 15).
func TestWarningsAreSavedInResults(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.Models = []string{"lstm"}
	cfg.Epochs = 1
	obs := &quietObserver{}
	out, err := Run(context.Background(), cfg, obs, []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out.ResultsPath)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(obs.warnings) == 0 {
		t.Fatal("the run printed no warning")
	}
	for _, w := range obs.warnings {
		found := false
		for _, s := range file.Warnings {
			found = found || s == strings.TrimSpace(w)
		}
		if !found {
			t.Errorf("warning %q printed but not in the results' %q", w, file.Warnings)
		}
	}
	l1 := false
	for _, s := range file.Warnings {
		l1 = l1 || strings.Contains(s, "l1(0.01)")
	}
	if !l1 {
		t.Errorf("results warnings %q lack the LSTM l1(0.01) warning", file.Warnings)
	}
}

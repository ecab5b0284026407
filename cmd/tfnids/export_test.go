package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/tfgraph"
)

// trainedFold is a model trained on the bundled CIC-IDS2017 slice, saved as
// train saves a fold: checkpoints and model.json in one directory.
type trainedFold struct {
	dir     string // fold directory with model.json and the checkpoint
	ckpt    string
	card    *modelcard.Card
	frame   *dataset.Frame // the slice as loaded (raw features)
	classes []int32        // in-process predictions on the scaled frame
}

// fold trains a model of kind for one epoch on the whole slice and writes
// its checkpoint and card into a fold directory.
func fold(t *testing.T, kind string) *trainedFold {
	t.Helper()
	return trainFold(t, kind, filepath.Join(t.TempDir(), kind, "fold-1"))
}

func trainFold(t *testing.T, kind, dir string) *trainedFold {
	t.Helper()
	prof, err := dataset.BuiltinProfile("cicids2017_improved")
	if err != nil {
		t.Fatal(err)
	}
	frame, _, err := dataset.Load([]string{sliceDir(t)}, dataset.LoadOptions{Profile: prof, MultiClass: true, SortByTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	scaler := dataset.FitMinMax(frame.X, frame.Rows, frame.Features)
	scaled := append([]float32(nil), frame.X...)
	scaler.Transform(scaled, frame.Rows)
	cfg := builders.Config{Model: kind, Features: frame.Features, Classes: len(frame.ClassNames), SeqLen: 3, Seed: 5}
	m, err := builders.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Open(tfgraph.SessionConfig{}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var ex builders.Examples = dataset.NewRows(scaled, frame.Rows, frame.Features, frame.Labels)
	if cfg.IsRecurrent() {
		if ex, err = dataset.NewWindows(scaled, frame.Rows, frame.Features, frame.Labels, 3); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Fit(ex, builders.FitOptions{Epochs: 1, BatchSize: 64, Shuffle: true, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "weights-01-0.5000")
	if err := m.Save(ckpt); err != nil {
		t.Fatal(err)
	}
	card := modelcard.New(modelcard.Model{Model: kind, Features: frame.Features, Classes: len(frame.ClassNames), SeqLen: 3, Seed: 5},
		frame.Schema(), scaler)
	card.Name, card.Dataset, card.Fold = m.Name(), "slice", 1
	if err := modelcard.Write(dir, card); err != nil {
		t.Fatal(err)
	}
	_, classes, err := m.Predict(ex, 256)
	if err != nil {
		t.Fatal(err)
	}
	return &trainedFold{dir: dir, ckpt: ckpt, card: card, frame: frame, classes: classes}
}

func TestExportCommand(t *testing.T) {
	f := fold(t, "cnn")
	base := filepath.Join(t.TempDir(), "models", "ids")
	code, out, errOut := runCLI(t, "export", "--weights", f.dir, "--out", filepath.Join(base, "1"))
	if code != 0 || !strings.Contains(out, "exported "+filepath.Join(base, "1")) ||
		!strings.Contains(out, "x float32 (-1, 37)") || !strings.Contains(out, "weights-01-0.5000") {
		t.Fatalf("export: code %d\n%s\n%s", code, out, errOut)
	}
	for _, p := range []string{"saved_model.pb", "variables/variables.index", "assets/class_names.txt", "assets/tfnids_model.json"} {
		if _, err := os.Stat(filepath.Join(base, "1", p)); err != nil {
			t.Errorf("export lacks %s", p)
		}
	}
	// A checkpoint prefix works as well as the directory.
	if code, out, errOut := runCLI(t, "export", "--weights", f.ckpt+".index", "--out", filepath.Join(base, "2")); code != 0 {
		t.Errorf("export from a prefix: code %d\n%s\n%s", code, out, errOut)
	}

	// A fold whose checkpoint belongs to another model.
	other := fold(t, "gru")
	wrong := filepath.Join(t.TempDir(), "wrong")
	if err := modelcard.Write(wrong, f.card); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".index", ".data-00000-of-00001"} {
		b, err := os.ReadFile(other.ckpt + ext)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(wrong, "weights-01-0.1000"+ext), b, 0o644)
	}

	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--weights", f.dir, "--out", filepath.Join(base, "1")}, "already exists"},                       // 0
		{[]string{"--weights", f.dir, "--out", filepath.Join(base, "latest")}, "integer version"},                 // 1
		{[]string{"--weights", f.dir, "--out", base}, "next free version under " + base + ": " + base + "/3"},     // 2
		{[]string{"--weights", filepath.Join(f.dir, "weights-09-0.1"), "--out", filepath.Join(base, "4")}, "no "}, // 3
		{[]string{"--weights", filepath.Dir(f.dir), "--out", filepath.Join(base, "4")}, "pick a fold directory"},  // 4
		{[]string{"--weights", wrong, "--out", filepath.Join(base, "4")}, "does not match the model"},             // 5
		{[]string{"--out", filepath.Join(base, "4")}, "weights"},                                                  // 6
	}
	for i, c := range cases {
		code, out, errOut := runCLI(t, append([]string{"export"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%d: export %v: code %d, stderr %q (stdout %q); want exit %d and %q", i, c.args, code, errOut, out, exitUsage, c.want)
		}
	}
	entries, _ := os.ReadDir(base)
	if len(entries) != 2 {
		t.Errorf("after failed exports %s holds %d entries, want versions 1 and 2 only", base, len(entries))
	}
}

// TestExportRefusesNumericallyEqualVersion: TensorFlow Serving reads "007"
// and "7" as the same version, so export refuses the second spelling.
func TestExportRefusesNumericallyEqualVersion(t *testing.T) {
	base := filepath.Join(t.TempDir(), "ids")
	if err := os.MkdirAll(filepath.Join(base, "7"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "export", "--weights", filepath.Join(base, "nowhere"), "--out", filepath.Join(base, "007"))
	if code != exitUsage || !strings.Contains(errOut, "version 7 already exists as") {
		t.Errorf("export 007 beside 7: exit %d, stderr %q", code, errOut)
	}
}

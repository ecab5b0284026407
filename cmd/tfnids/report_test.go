package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tfnids/tfnids/report"
)

// writeResults writes a small two-fold, one-model results file.
func writeResults(t *testing.T, dir string) string {
	t.Helper()
	names := []string{"BENIGN", "DDoS", "PortScan"}
	r := &report.Results{Configuration: "TimeSeriesSplit(n_splits=2)", MultiClass: true, DatasetName: "slice",
		CrossValidationSplitsNum: 2, WithCrossValidation: true, InputDim: 4, Start: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	r.AddSplit(1, []int64{4, 2, 0}, []int64{2, 2, 1})
	r.AddSplit(2, []int64{6, 4, 1}, []int64{2, 1, 2})
	for fold, p := range [][2][]int32{
		{{0, 0, 1, 1, 2}, {0, 0, 1, 0, 0}},
		{{0, 0, 1, 2, 2}, {0, 1, 1, 2, 0}},
	} {
		e := report.Evaluate(p[0], p[1], 3, names, false)
		r.AddFold("cnn mc  cnn-64-64", fold+1, e, 0.01, []report.EpochStats{{Epoch: 1, Loss: 0.9, Accuracy: 0.6, Seconds: 1}, {Epoch: 2, Loss: 0.7, Accuracy: 0.7, Seconds: 1}})
	}
	r.Finish(r.Start.Add(time.Minute))
	path, err := report.WriteResults(dir, r, r.Start)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportWritesHTML(t *testing.T) {
	dir := t.TempDir()
	path := writeResults(t, dir)
	out := filepath.Join(dir, "page.html")
	code, stdout, stderr := runCLI(t, "report", path, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"<!DOCTYPE html>", "tfnids results: slice", "cnn mc  cnn-64-64", "data:image/png;base64,",
		"Rows per fold and class", "PortScan", "no model can predict"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `src="http`) || strings.Contains(page, `href="http`) {
		t.Error("page refers to external resources")
	}
	if !strings.Contains(stdout, "cnn mc  cnn-64-64") || !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, "warning: fold 1") {
		t.Errorf("stdout %q", stdout)
	}
}

func TestReportFlagPlacesAndPlots(t *testing.T) {
	dir := t.TempDir()
	path := writeResults(t, dir)
	// Default output next to the results, flags before the argument.
	plots := filepath.Join(dir, "plots")
	if code, _, stderr := runCLI(t, "report", "--plots", plots, path); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(strings.TrimSuffix(path, ".json") + ".html"); err != nil {
		t.Error(err)
	}
	for _, f := range []string{"cnn-mc-cnn-64-64-confusion.png", "cnn-mc-cnn-64-64-confusion.svg", "cnn-mc-cnn-64-64-confusion-fold2.png", "cnn-mc-cnn-64-64-history.svg"} {
		if _, err := os.Stat(filepath.Join(plots, f)); err != nil {
			t.Error(err)
		}
	}
	// --flag=value after the argument.
	out := filepath.Join(dir, "x.html")
	if code, _, stderr := runCLI(t, "report", path, "--out="+out); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

// A results file in the seed notebook's format (report/testdata/seed-format.json,
// hand-made from the spec's section 10 numbers) renders too.
func TestReportSeedFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "seed.html")
	code, stdout, stderr := runCLI(t, "report", filepath.Join("..", "..", "report", "testdata", "seed-format.json"), "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "0.85871") { // spec section 10: mean accuracy
		t.Errorf("summary %q lacks the seed's mean accuracy", stdout)
	}
}

func TestReportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	good := writeResults(t, dir)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "missing RESULTS.json"},                                    // 0
		{[]string{"report", filepath.Join(dir, "none.json")}, "no such file"},           // 1
		{[]string{"report", bad}, "not a results file"},                                 // 2
		{[]string{"report", good, "extra.json"}, `unexpected argument(s) "extra.json"`}, // 3
		{[]string{"report", good, "--bogus"}, `unknown flag "--bogus"`},                 // 4
		{[]string{"report", good, "--out", good}, "would overwrite the results file"},   // 5
	}
	for i, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%d: %v: exit %d, stderr %q; want %d and %q", i, c.args, code, stderr, exitUsage, c.want)
		}
	}
}

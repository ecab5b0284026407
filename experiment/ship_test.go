package experiment

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tfnids/tfnids/report"
)

// --export-best exports each model's best fold and --final a model trained
// on all rows as the next version (the one served); the results say which.
func TestExportBestAndFinal(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.Models = []string{"cnn"}
	cfg.Epochs = 1
	cfg.ExportDir = filepath.Join(dir, "export")
	cfg.ExportBest = "accuracy"
	cfg.Final = true
	cfg.BNRecalibrate = true
	out, err := Run(context.Background(), cfg, &quietObserver{}, []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Exports) != 2 {
		t.Fatalf("exports %q, want the best fold and the final model", out.Exports)
	}
	for _, v := range []string{"1", "2"} {
		if _, err := os.Stat(filepath.Join(cfg.ExportDir, "cnn", v, "saved_model.pb")); err != nil {
			t.Errorf("version %s: %v", v, err)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.ExportDir, "cnn", "3")); err == nil {
		t.Error("per-fold versions exported as well")
	}
	r, err := report.ReadResults(out.ResultsPath)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Models["cnn mc  cnn-64-64"]
	best, _ := BestFold(m.Scores, "accuracy")
	if len(r.Exports) != 2 || r.Exports[0].Source != "fold "+string(rune('0'+best)) || r.Exports[1].Source != "final" {
		t.Errorf("results exports %+v (best fold %d)", r.Exports, best)
	}
	if m.Scores[0].BNRecalibration == nil || len(m.Calibration) != 2 {
		t.Errorf("no batch-norm measurement or calibration bins in %+v", m.Scores[0])
	}
	if _, err := os.Stat(filepath.Join(out.WeightsRoot, "cnn-mc-cnn-64-64", "final", "model.json")); err != nil {
		t.Errorf("final model card: %v", err)
	}
}

func TestBestFold(t *testing.T) {
	s := []report.FoldScores{{Fold: 1, Accuracy: 0.9, FPRAllClasses: 0.02}, {Fold: 2, Accuracy: 0.95, FPRAllClasses: 0.03}, {Fold: 3, Accuracy: 0.95, FPRAllClasses: 0.01}}
	if f, _ := BestFold(s, "accuracy"); f != 2 {
		t.Errorf("accuracy: fold %d, want 2 (first of the ties)", f)
	}
	if f, _ := BestFold(s, "fpr"); f != 3 {
		t.Errorf("fpr: fold %d, want 3 (lowest)", f)
	}
}

func TestDataName(t *testing.T) {
	cases := map[string]string{
		"data/CIC-ToN-IoT.csv":       "cic-ton-iot",
		"/x/NF-UNSW-NB15-v2.csv.gz":  "nf-unsw-nb15-v2",
		"testdata/cicids2017-slice/": "cicids2017-slice",
		"flows/*.csv":                "flows",
		"*.csv":                      "",
	}
	for in, want := range cases {
		got := DataName([]string{in})
		if want == "" && got == "" {
			continue
		}
		if got != want {
			t.Errorf("DataName(%q) = %q, want %q", in, got, want)
		}
	}
}

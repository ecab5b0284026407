package report

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/atomicfile"
)

func TestPlotConfusion(t *testing.T) {
	dir := t.TempDir()
	m := [][]int64{{891763, 12, 0}, {40, 3100, 7}, {0, 0, 0}}
	names := []string{"Benign", "xss", "Web Attack \ufffd XSS"}
	pngPath := filepath.Join(dir, "cm.png")
	if err := PlotConfusion(pngPath, m, names, "cnn mc  cnn-64-64, fold 1"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	// A 3-class plot is 5 in square at 192 dpi.
	if cfg.Width != 960 || cfg.Height != 960 {
		t.Errorf("PNG %d×%d, want 960×960", cfg.Width, cfg.Height)
	}
	svgPath := filepath.Join(dir, "cm.svg")
	if err := PlotConfusion(svgPath, m, names, "title"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(svgPath)
	checkSVG(t, b, "Benign", "xss", "Web Attack ? XSS (0)", "892k") // U+FFFD has no glyph in the plot fonts
	for i, c := range []struct {
		path  string
		m     [][]int64
		names []string
	}{
		{filepath.Join(dir, "cm.jpg"), m, names},            // 0: format
		{pngPath, [][]int64{{1, 2}, {3}}, nil},              // 1: ragged
		{pngPath, m, names[:2]},                             // 2: names
		{pngPath, nil, nil},                                 // 3: empty
		{filepath.Join(dir, "no", "such", "x.svg"), m, nil}, // 4: directories are created, so this works
	} {
		err := PlotConfusion(c.path, c.m, c.names, "t")
		if (err == nil) != (i == 4) {
			t.Errorf("%d: error %v", i, err)
		}
	}
	if n, _ := atomicfile.CleanStale(dir); n != 0 {
		t.Errorf("%d temporary files left", n)
	}
}

func checkSVG(t *testing.T, b []byte, texts ...string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG is not well-formed XML: %v", err)
			}
			break
		}
	}
	for _, s := range texts {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("SVG lacks %q", s)
		}
	}
}

func TestPlotHistory(t *testing.T) {
	dir := t.TempDir()
	folds := []FoldHistory{
		{Fold: 1, Epochs: []EpochStats{{Epoch: 1, Loss: 1, Accuracy: 0.5}, {Epoch: 2, Loss: math.NaN(), Accuracy: 0.6}, {Epoch: 3, Loss: 0.5, Accuracy: 0.7}}},
		{Fold: 2, Epochs: []EpochStats{{Epoch: 1, Loss: 0.9, Accuracy: 0.55}}},
	}
	p := filepath.Join(dir, "h.svg")
	if err := PlotHistory(p, "gru sl-3 mc  layers-80", folds); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	checkSVG(t, b, "training loss", "training accuracy", "fold 1", "fold 2")
	// With validation curves (inference mode on the test rows) the titles
	// say which line is which.
	folds[1].Epochs[0].Validated, folds[1].Epochs[0].ValLoss, folds[1].Epochs[0].ValAccuracy = true, 1.5, 0.5
	if err := PlotHistory(p, "cnn", folds); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(p)
	checkSVG(t, b, "val_loss", "val_accuracy", "dashed")
	if err := PlotHistory(filepath.Join(dir, "h.png"), "x", folds); err != nil {
		t.Fatal(err)
	}
	nan := []FoldHistory{{Fold: 1, Epochs: []EpochStats{{Epoch: 1, Loss: math.NaN(), Accuracy: math.Inf(1)}}}}
	if err := PlotHistory(filepath.Join(dir, "n.png"), "x", nan); err == nil {
		t.Error("no error for a history without finite values")
	}
	if err := PlotHistory(filepath.Join(dir, "e.png"), "x", nil); err == nil {
		t.Error("no error for an empty history")
	}
}

func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	files, err := WritePlots(dir, sampleResults(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	for _, want := range []string{"cnn-mc-cnn-64-64-confusion.png", "cnn-mc-cnn-64-64-confusion.svg",
		"lstm-sl-3-mc-layers-80-confusion-fold3.svg", "lstm-sl-3-mc-layers-80-history.png"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not written; got %q", want, names)
		}
	}
	if len(files) != 2*2*(1+3+1) { // 2 models × 2 formats × (sum + 3 folds + history)
		t.Errorf("%d files", len(files))
	}
	// A seed-format file has neither matrices nor histories: nothing to draw.
	seed, err := ReadResults(filepath.Join("testdata", "seed-format.json"))
	if err != nil {
		t.Fatal(err)
	}
	if files, err := WritePlots(t.TempDir(), seed); err != nil || len(files) != 0 {
		t.Errorf("seed file: %q, %v", files, err)
	}
}

func TestSlugAndTicks(t *testing.T) {
	for in, want := range map[string]string{
		"cnn mc  cnn-64-64":        "cnn-mc-cnn-64-64",
		"lstm sl-3 mc  layers-80":  "lstm-sl-3-mc-layers-80",
		"GRU/../x":                 "gru-..-x",
		"  ":                       "model",
		"cnn bc nf-src_degree x.y": "cnn-bc-nf-src_degree-x.y",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	var vals []float64
	for _, tk := range (epochTicks{}).Ticks(1, 30) {
		vals = append(vals, tk.Value)
	}
	if !slices.Equal(vals, []float64{1, 5, 10, 15, 20, 25, 30}) {
		t.Errorf("epoch ticks %v", vals)
	}
	vals = vals[:0]
	for _, tk := range (epochTicks{}).Ticks(1, 3) {
		vals = append(vals, tk.Value)
	}
	if !slices.Equal(vals, []float64{1, 2, 3}) {
		t.Errorf("epoch ticks %v", vals)
	}
	for v, want := range map[int64]string{0: "0", 9999: "9999", 891763: "892k", 4458820: "4.5M"} {
		if got := compactCount(v); got != want {
			t.Errorf("compactCount(%d) = %q, want %q", v, got, want)
		}
	}
	if got := fmtCount(5350583); got != "5,350,583" || fmtCount(-1234) != "-1,234" || fmtCount(12) != "12" {
		t.Errorf("fmtCount: %q", got)
	}
}

func TestHTMLReport(t *testing.T) {
	r := sampleResults(t)
	path := filepath.Join(t.TempDir(), "out", "report.html")
	if err := WriteHTML(path, r); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		"<title>tfnids results: cic_ton_iot</title>",
		"TimeSeriesSplit(n_splits=3)",
		"no model can predict: scanning (3)",                              // warning
		`<td class="name"><a href="#model-1">lstm sl-3 mc  layers-80</a>`, // insertion order, two spaces kept
		"Seed-compatible scores", "tfnids additions", "FPR, all classes",
		"data:image/png;base64,", // embedded plots
		"true \\ predicted",      // per-fold matrices
		"0.56019",                // mean accuracy
		"tfnids train --epochs 2",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `src="http`) || strings.Contains(page, "<script") {
		t.Error("page is not self-contained and static")
	}
	if strings.Index(page, "model-1") > strings.Index(page, "model-2") {
		t.Error("models out of order")
	}
}

func TestHTMLSeedFile(t *testing.T) {
	r, err := ReadResults(filepath.Join("testdata", "seed-format.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := RenderHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"seed-notebook results file", "matrix index", "891,763", "0.85871", "0.7595"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "tfnids additions") || strings.Contains(page, ">NaN<") {
		t.Error("seed page shows tfnids-only columns or NaN")
	}
	var s bytes.Buffer
	if err := Summary(&s, r); err != nil {
		t.Fatal(err)
	}
	want := "model              folds  accuracy  precision  recall   F1       FPR      FNR\n" +
		"cnn mc  cnn-64-64  5      0.85871   0.79493    0.85871  0.81106  0.03824  0.14129\n"
	if s.String() != want {
		t.Errorf("summary\n%s\nwant\n%s", s.String(), want)
	}
}

// The page opens with the best model per metric, and shows validation
// curves, the reliability diagram and the batch-norm table when the results
// have them (issue 15).
func TestHTMLHeadlineCalibrationAndBN(t *testing.T) {
	r := sampleResults(t)
	names := r.ModelNames()
	m := r.Models[names[0]]
	m.History[0].Epochs[0].Validated, m.History[0].Epochs[0].ValLoss, m.History[0].Epochs[0].ValAccuracy = true, 0.8, 0.6
	r.SetCalibration(names[0], Calibrate(m.Scores[0].Fold, []float32{0.9, 0.1, 0.3, 0.7}, 2, []int32{0, 1}))
	r.SetBNRecalibration(names[0], m.Scores[0].Fold, BNRecalibration{ValLossBefore: 0.818, ValLossAfter: 0.05,
		MedianTopProbabilityBefore: 0.436, MedianTopProbabilityAfter: 0.99})
	var b strings.Builder
	if err := RenderHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	head := strings.Index(page, "Best model per metric")
	if head < 0 || head > strings.Index(page, `id="summary"`) {
		t.Fatal("no headline before the summary")
	}
	for _, want := range []string{`class="n best"`, "Training and validation curves", "Calibration", "reliability diagram",
		"Batch-norm re-estimation", "0.8180", "0.4360"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

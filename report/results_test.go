package report

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tfnids/tfnids/internal/atomicfile"
)

var tonNames = []string{"Benign", "xss", "password", "scanning", "injection"}

// sampleResults builds the results of a small run: two models (added in
// non-alphabetical order), three time-series folds, the last of which holds
// a class absent from training, and a diverged loss in one epoch.
func sampleResults(t testing.TB) *Results {
	r := &Results{
		Configuration:            "TimeSeriesSplit(n_splits=3)",
		MultiClass:               true,
		WithSortTimestamp:        true,
		SequenceLength:           3,
		WithCrossValidation:      true,
		CrossValidationSplitsNum: 3,
		NetworkFeatures:          []string{"betweenness", "degree"},
		DatasetName:              "cic_ton_iot",
		InputDim:                 37,
		DroppedColumns:           []string{"Flow ID", "Src IP", "Dst IP", "Timestamp", "Src Port", "Dst Port", "Attack"},
		NumDroppedColumns:        7,
		TfnidsVersion:            "test",
		TensorFlowVersion:        "2.18.0",
		CommandLine:              []string{"tfnids", "train", "--epochs", "2"},
		Seed:                     42,
		Start:                    time.Date(2025, 2, 19, 12, 0, 0, 0, time.UTC),
	}
	folds := []struct {
		train, test []int64
		yt, yp      []int32
	}{
		{[]int64{6, 4, 2, 0, 0}, []int64{3, 3, 2, 0, 0}, []int32{0, 0, 0, 1, 1, 1, 2, 2}, []int32{0, 0, 1, 1, 1, 0, 1, 2}},
		{[]int64{9, 7, 4, 0, 0}, []int64{3, 2, 0, 0, 3}, []int32{0, 0, 0, 1, 1, 4, 4, 4}, []int32{0, 1, 0, 1, 1, 0, 0, 0}},
		{[]int64{12, 9, 4, 0, 3}, []int64{2, 2, 1, 3, 1}, []int32{0, 0, 1, 1, 2, 3, 3, 3, 4}, []int32{0, 0, 1, 0, 2, 0, 1, 1, 4}},
	}
	for k, f := range folds {
		r.AddSplit(k+1, f.train, f.test)
		for m, model := range []string{"lstm sl-3 mc  layers-80", "cnn mc  cnn-64-64"} {
			e := Evaluate(f.yt, f.yp, 5, tonNames, false)
			hist := []EpochStats{
				{Epoch: 1, Loss: 1.2 - 0.1*float64(k), Accuracy: 0.5, Seconds: 2.5, SamplesPerSecond: 100},
				{Epoch: 2, Loss: 0.9 - 0.1*float64(k), Accuracy: 0.6 + 0.05*float64(m), Seconds: 2.25, SamplesPerSecond: 111},
			}
			if k == 1 && m == 0 {
				hist[1].Loss = math.NaN()
			}
			r.AddFold(model, k+1, e, 0.125*float64(k+1), hist)
		}
	}
	r.Finish(time.Date(2025, 2, 19, 12, 22, 0, 0, time.UTC))
	return r
}

func topLevelKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v %v", tok, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestWriteReadResults(t *testing.T) {
	r := sampleResults(t)
	dir := t.TempDir()
	start := r.Start
	path, err := WriteResults(dir, r, start)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "cic_ton_iot", "20250219-120000.json"); path != want {
		t.Errorf("path %s, want %s", path, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatal("results file is not strict JSON")
	}
	if bytes.Contains(b, []byte("NaN")) {
		t.Error("results file contains NaN")
	}
	keys := topLevelKeys(t, b)
	if !slices.Equal(keys[:len(SeedKeys)], SeedKeys) {
		t.Errorf("top-level keys\n%q\nwant the seed's first\n%q", keys, SeedKeys)
	}
	// Models keep insertion order in every per-model object.
	var raw map[string]json.RawMessage
	json.Unmarshal(b, &raw)
	for _, k := range []string{"models", "average_acc", "average"} {
		if got := topLevelKeys(t, raw[k]); !slices.Equal(got, []string{"lstm sl-3 mc  layers-80", "cnn mc  cnn-64-64"}) {
			t.Errorf("%s keys %q, want insertion order", k, got)
		}
	}
	if string(raw["endtime"]) != `"2025:02:19-12:22:00"` {
		t.Errorf("endtime %s", raw["endtime"])
	}
	// Per-class objects are keyed by label code in numeric order.
	if !bytes.Contains(b, []byte(`"class_name": {
            "0": "Benign",
            "1": "xss",`)) {
		t.Errorf("class_name not keyed by label code:\n%s", b)
	}

	got, err := ReadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(b2, '\n'), b) {
		t.Errorf("round trip changed the file:\n%s\nvs\n%s", b2, b)
	}
	if !got.Start.Equal(r.Start) || got.Seed != 42 || got.WallSeconds != 22*60 || got.Format != FormatVersion {
		t.Errorf("metadata lost: %v %v %v %q", got.Start, got.Seed, got.WallSeconds, got.Format)
	}
	if l := got.Models["lstm sl-3 mc  layers-80"].History[1].Epochs[1].Loss; !math.IsNaN(l) {
		t.Errorf("diverged loss read back as %v, want NaN", l)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("results directory holds %d entries, want only the results file", len(entries))
	}
}

func TestAddFoldAndAverages(t *testing.T) {
	r := sampleResults(t)
	m := r.Models["cnn mc  cnn-64-64"]
	if len(m.Scores) != 3 || len(m.ClassReport) != 3 || len(m.Average) != 3 || len(m.Confusion) != 3 || len(m.History) != 3 {
		t.Fatalf("entries: %d %d %d %d %d", len(m.Scores), len(m.ClassReport), len(m.Average), len(m.Confusion), len(m.History))
	}
	// Running mean after fold 2 and the plain mean after Finish.
	a2 := (m.Scores[0].Accuracy + m.Scores[1].Accuracy) / 2
	if m.Average[1].AverageAcc != a2 || m.Average[1].Fold != 2 {
		t.Errorf("running average %v, want %v", m.Average[1].AverageAcc, a2)
	}
	all := (m.Scores[0].F1s + m.Scores[1].F1s + m.Scores[2].F1s) / 3
	if math.Abs(float64(r.Average["cnn mc  cnn-64-64"].AverageF1s-all)) > 1e-15 ||
		r.AverageAcc["cnn mc  cnn-64-64"] != float64(m.Average[2].AverageAcc) {
		t.Errorf("final averages %+v", r.Average["cnn mc  cnn-64-64"])
	}
	if s := m.Scores[0]; s.Time != 0.125 || s.TrainSeconds != 4.75 || s.Epochs != 2 || s.TestRows != 8 || s.ClassesPresent != 3 {
		t.Errorf("fold 1 extras %+v", s)
	}
	// class_f1 is the per-class F1; the seed's value is kept apart.
	cr := m.ClassReport[0]
	if cr.ClassF1[0] == cr.ClassF1[1] || cr.SeedClassF1 == 0 || cr.ClassName[2] != "password" || len(cr.RecordsCount) != 5 {
		t.Errorf("class report %+v", cr)
	}
	// Fold 2 tests injection and fold 3 scanning, which no training row has.
	if len(r.Warnings) != 2 || !strings.Contains(r.Warnings[1], "fold 3: 3 test rows") || !strings.Contains(r.Warnings[1], "scanning (3)") {
		t.Errorf("warnings %q", r.Warnings)
	}
	if s := r.Splits[2]; !slices.Equal(s.UnseenClasses, []int{3}) || s.TrainRows != 28 || s.TestRows != 9 {
		t.Errorf("split 3 %+v", s)
	}
	// Re-adding a fold (a resumed run) replaces it.
	e := Evaluate([]int32{0, 1}, []int32{0, 1}, 5, tonNames, false)
	r.AddFold("cnn mc  cnn-64-64", 2, e, 1, nil)
	if len(m.Scores) != 3 || m.Scores[1].Accuracy != 1 || m.Average[2].AverageAcc != (m.Scores[0].Accuracy+1+m.Scores[2].Accuracy)/3 {
		t.Errorf("replacing fold 2: %+v", m.Scores)
	}
	if w := r.AddSplit(3, []int64{12, 9, 4, 0, 3}, []int64{2, 2, 1, 3, 1}); w != r.Warnings[1] {
		t.Errorf("AddSplit returned %q, want the warning it added", w)
	}
	if len(r.Warnings) != 2 {
		t.Errorf("warning duplicated: %q", r.Warnings)
	}
	if w := r.AddSplit(1, []int64{6, 4, 2, 0, 0}, []int64{3, 3, 2, 0, 0}); w != "" {
		t.Errorf("AddSplit without unseen classes returned %q", w)
	}
	// SetTrainInfo overrides epochs and training time and the averages follow.
	r.SetTrainInfo("cnn mc  cnn-64-64", 3, 7, 10)
	if s := m.Scores[2]; s.Epochs != 7 || s.TrainSeconds != 10 || m.Average[2].AverageTrainSeconds != (4.75+0+10)/3 {
		t.Errorf("after SetTrainInfo: %+v, mean train %v", s, m.Average[2].AverageTrainSeconds)
	}
}

// A file in the seed's results format (spec section 9; testdata/seed-format.json,
// hand-made from the spec's section 10 numbers) reads, bare NaN precisions
// and all, and its averages are the plain means tfnids computes.
func TestReadSeedResults(t *testing.T) {
	r, err := ReadResults(filepath.Join("testdata", "seed-format.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.IsSeedFormat() || r.DatasetName != "cic_ton_iot" || r.InputDim != 37 || r.Endtime != "2025:02:19-12:22:00" {
		t.Errorf("header %+v", r)
	}
	names := r.ModelNames()
	if !slices.Equal(names, []string{"cnn mc  cnn-64-64"}) {
		t.Fatalf("models %q", names)
	}
	m := r.Models[names[0]]
	if len(m.Scores) != 5 || len(m.ClassReport) != 5 || len(m.Average) != 5 {
		t.Fatalf("folds: %d %d %d", len(m.Scores), len(m.ClassReport), len(m.Average))
	}
	for _, i := range []int{5, 6, 8} { // never predicted in fold 5
		if p := m.ClassReport[4].ClassPrecision[i]; !math.IsNaN(float64(p)) {
			t.Errorf("fold 5 class %d precision %v, want NaN", i, p)
		}
	}
	seedAvg := r.Average[names[0]]
	seedAcc := r.AverageAcc[names[0]]
	r.Finish(time.Now())
	got := r.Average[names[0]]
	for _, p := range [][2]Float{
		{got.AverageAcc, seedAvg.AverageAcc}, {got.AverageRecall, seedAvg.AverageRecall},
		{got.AveragePrecision, seedAvg.AveragePrecision}, {got.AverageF1s, seedAvg.AverageF1s},
		{got.AverageFPR, seedAvg.AverageFPR}, {got.AverageFNR, seedAvg.AverageFNR},
	} {
		if math.Abs(float64(p[0]-p[1])) > 1e-12 {
			t.Errorf("mean %v, seed %v", p[0], p[1])
		}
	}
	// Spec section 10's rounded means.
	if math.Abs(seedAcc-0.85871) > 5e-6 || math.Abs(float64(seedAvg.AverageFPR)-0.03824) > 5e-6 {
		t.Errorf("seed means %v %v", seedAcc, seedAvg.AverageFPR)
	}
	// Written back, the file is strict JSON: NaN becomes null.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) || !bytes.Contains(b, []byte(`"5":null`)) {
		t.Errorf("re-encoded seed file not strict or lost its nulls")
	}
}

func TestStrictJSON(t *testing.T) {
	in := `{"a": NaN, "b": [Infinity, -Infinity, 1], "NaN": "x NaN \" NaN", "c": -1.5e-7}`
	want := `{"a": null, "b": [null, null, 1], "NaN": "x NaN \" NaN", "c": -1.5e-7}`
	if got := string(strictJSON([]byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var f struct{ A, B Float }
	if err := json.Unmarshal([]byte(`{"A": null, "B": 2.5}`), &f); err != nil || !math.IsNaN(float64(f.A)) || f.B != 2.5 {
		t.Errorf("Float decode: %v %+v", err, f)
	}
	b, _ := json.Marshal([]Float{Float(math.Inf(1)), 1e-7, 0.1})
	if string(b) != "[null,1e-7,0.1]" {
		t.Errorf("Float encode %s", b)
	}
}

func TestWriteResultsErrors(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", "..", "a/b"} {
		if _, err := WriteResults(dir, &Results{DatasetName: name}, time.Now()); err == nil {
			t.Errorf("dataset %q: no error", name)
		}
	}
	// A file where the dataset directory should be: an error and no temp file left.
	if err := os.WriteFile(filepath.Join(dir, "blocked"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteResults(dir, &Results{DatasetName: "blocked"}, time.Now()); err == nil {
		t.Error("writing below a file: no error")
	}
	if n, _ := atomicfile.CleanStale(dir); n != 0 {
		t.Errorf("%d temporary files left", n)
	}
}

func TestEpochValidationRoundTrips(t *testing.T) {
	for _, e := range []EpochStats{
		{Epoch: 1, Loss: 0.5, Accuracy: 0.9, Seconds: 1, SamplesPerSecond: 10},
		{Epoch: 2, Loss: 0.035, Accuracy: 0.99, Validated: true, ValLoss: 0.818, ValAccuracy: 0.99},
	} {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if e.Validated != strings.Contains(string(b), `"val_loss":0.818`) {
			t.Errorf("%+v encoded as %s", e, b)
		}
		var back EpochStats
		if err := json.Unmarshal(b, &back); err != nil || back != e {
			t.Errorf("%s decoded as %+v (%v), want %+v", b, back, err, e)
		}
	}
}

func TestCalibrate(t *testing.T) {
	// Three rows, classes 0..2: sure and right, unsure and right, unsure and wrong.
	probs := []float32{0.95, 0.03, 0.02, 0.4, 0.35, 0.25, 0.1, 0.45, 0.45}
	c := Calibrate(2, probs, 3, []int32{0, 0, 2})
	if c.Bins[9].Count != 1 || c.Bins[9].Correct != 1 || c.Bins[4].Count != 2 || c.Bins[4].Correct != 1 {
		t.Errorf("bins %+v", c.Bins)
	}
	if got := float64(c.MedianTopProbability); math.Abs(got-0.45) > 1e-6 {
		t.Errorf("median top probability %v, want 0.45", got)
	}
	// Binary: p = 0.15 predicts class 0 with probability 0.85.
	b := Calibrate(1, []float32{0.15}, 1, []int32{0})
	if b.Bins[8].Correct != 1 {
		t.Errorf("binary bins %+v", b.Bins)
	}
}

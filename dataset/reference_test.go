package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

// cicSlice returns the files of the bundled CIC-IDS2017 slice, in name order.
func cicSlice(t *testing.T) []string {
	t.Helper()
	root, err := pyenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	files, err := ExpandPaths([]string{filepath.Join(root, "testdata", "cicids2017-slice")})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// refCase is one case for testdata/reference_preprocess.py.
type refCase struct {
	Files           []string `json:"files"`
	Drop            []string `json:"drop"`
	Weak            []string `json:"weak"`
	Label           string   `json:"label,omitempty"`
	Class           string   `json:"class"`
	Benign          string   `json:"benign"`
	Timestamp       string   `json:"timestamp,omitempty"`
	TimestampFormat string   `json:"timestamp_format,omitempty"`
	DedupeIgnore    []string `json:"dedupe_ignore"`
	Dedupe          bool     `json:"dedupe"`
	MultiClass      bool     `json:"multi_class"`
	NTrain          int      `json:"n_train"`
}

type refResult struct {
	RowsRead     int       `json:"rows_read"`
	DroppedBad   int       `json:"dropped_bad"`
	DroppedDup   int       `json:"dropped_dup"`
	FeatureNames []string  `json:"feature_names"`
	ClassNames   []string  `json:"class_names"`
	Labels       []int32   `json:"labels"`
	Timestamps   []int64   `json:"timestamps"`
	DataMin      []float64 `json:"data_min"`
	DataMax      []float64 `json:"data_max"`
	Scale        []float64 `json:"scale"`
	Min          []float64 `json:"min"`
	Scaled       []float64 `json:"scaled"`
}

// improvedWeak is cic_ids_2017's weak_columns list written out by hand in
// the improved CIC-IDS2017 spelling, so that the test checks the aliases.
var improvedWeak = []string{
	"Bwd PSH Flags", "Fwd URG Flags", "Bwd URG Flags", "Fwd Bytes/Bulk Avg", "Fwd Packet/Bulk Avg",
	"Fwd Bulk Rate Avg", "Subflow Bwd Packets", "Flow IAT Mean", "Fwd Packet Length Max", "Flow IAT Max",
	"Active Std", "Total Bwd packets", "Bwd Packet Length Mean", "Average Packet Size", "Fwd IAT Mean",
	"Fwd Packet Length Std", "Packet Length Mean", "Total Length of Bwd Packet", "Bwd Packet Length Max",
	"Packet Length Variance", "Bwd IAT Mean", "Idle Mean", "Packet Length Max", "Flow Packets/s",
	"Flow Duration", "Packet Length Std", "Fwd IAT Total", "Active Mean", "Bwd Packet Length Std",
	"Fwd Packet Length Mean",
	"Protocol", "Total Fwd Packet", "Total Length of Fwd Packet", "Fwd PSH Flags", "RST Flag Count",
	"Fwd IAT Max", "Fwd IAT Min", "Idle Max", "Flow IAT Std", "Bwd IAT Std", "Subflow Fwd Packets",
	"Subflow Bwd Bytes", "Bwd Bytes/Bulk Avg", "Bwd Packet/Bulk Avg", "Bwd Bulk Rate Avg",
}

// pandasCase is a load compared with the reference preprocessing.
type pandasCase struct {
	profile string
	opts    LoadOptions
	ref     refCase
}

// pandasCases are the comparisons of TestMatchesPandas on the CIC slice and
// the dirty file, given as CSV or as Parquet copies.
func pandasCases(cic, dirty []string) []pandasCase {
	improvedDrop := []string{"id", "Flow ID", "Src IP", "Src Port", "Dst IP", "Dst Port", "Timestamp", "Attempted Category"}
	return []pandasCase{
		{ // 0: the slice, multi-class, no dedupe, scaler fitted on 2/3
			"cicids2017_improved", LoadOptions{MultiClass: true, SortByTimestamp: true},
			refCase{Files: cic, Drop: improvedDrop, Weak: improvedWeak, Class: "Label", Benign: "BENIGN",
				Timestamp: "Timestamp", TimestampFormat: "%Y-%m-%d %H:%M:%S.%f", NTrain: 1674},
		},
		{ // 1: the slice, binary label derived from the class, dedupe
			"cicids2017_improved", LoadOptions{SortByTimestamp: true, Dedupe: true},
			refCase{Files: cic, Drop: improvedDrop, Weak: improvedWeak, Class: "Label", Benign: "BENIGN",
				Timestamp: "Timestamp", TimestampFormat: "%Y-%m-%d %H:%M:%S.%f", Dedupe: true,
				DedupeIgnore: []string{"id", "Timestamp", "Flow ID"}, NTrain: 837},
		},
		{ // 2: dirty file (BOM, CRLF, spaces in names, Inf/NaN/empty, duplicates, ties), multi-class
			"cic_ton_iot", LoadOptions{MultiClass: true, SortByTimestamp: true, Dedupe: true},
			refCase{Files: dirty, Drop: seedDropColumns, Weak: []string{"Flow Duration", "Flow Pkts/s"},
				Label: "Label", Class: "Attack", Timestamp: "Timestamp", TimestampFormat: "%d/%m/%Y %I:%M:%S %p",
				Dedupe: true, DedupeIgnore: []string{"Timestamp", "Flow ID"}, MultiClass: true, NTrain: 3},
		},
		{ // 3: dirty file, binary label column, no dedupe
			"cic_ton_iot", LoadOptions{SortByTimestamp: true},
			refCase{Files: dirty, Drop: seedDropColumns, Weak: []string{"Flow Duration", "Flow Pkts/s"},
				Label: "Label", Class: "Attack", Timestamp: "Timestamp", TimestampFormat: "%d/%m/%Y %I:%M:%S %p",
				NTrain: 4},
		},
	}
}

// pandasReference runs testdata/reference_preprocess.py on the cases.
func pandasReference(t *testing.T, py string, cases []pandasCase) []refResult {
	t.Helper()
	var refs []refCase
	for _, c := range cases {
		c.ref.MultiClass = c.opts.MultiClass
		if c.ref.DedupeIgnore == nil {
			c.ref.DedupeIgnore = []string{}
		}
		refs = append(refs, c.ref)
	}
	cfg := filepath.Join(t.TempDir(), "cases.json")
	b, _ := json.Marshal(refs)
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := pyenv.Run(py, filepath.Join("testdata", "reference_preprocess.py"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var want []refResult
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

// TestMatchesPandas checks Load + FitMinMax + Transform against the seed's
// pandas/scikit-learn preprocessing (testdata/reference_preprocess.py) on the
// real CIC-IDS2017 slice and on a hand-made dirty CIC-ToN-IoT file: same
// rows dropped, same row order, same label codes, scaled values within 1e-6.
func TestMatchesPandas(t *testing.T) {
	t.Parallel() // mostly waiting on Python or I/O
	py := pyenv.Require(t, "pandas", "sklearn")
	cic := cicSlice(t)
	dirty := []string{filepath.Join("testdata", "cic_ton_iot_dirty.csv")}
	cases := pandasCases(cic, dirty)
	want := pandasReference(t, py, cases)
	for i, c := range cases {
		w := want[i]
		p, err := BuiltinProfile(c.profile)
		if err != nil {
			t.Fatal(err)
		}
		opts := c.opts
		opts.Profile = p
		f, rep, err := Load(c.ref.Files, opts)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		checkPandas(t, fmt.Sprint(i), f, rep, w, c.ref.NTrain)
	}
}

// checkPandas compares a load with the reference preprocessing's result:
// the same counts, features, classes, labels and row order, and scaled
// values within 1e-6.
func checkPandas(t *testing.T, name string, f *Frame, rep *LoadReport, w refResult, nTrain int) {
	t.Helper()
	i := name
	if rep.RowsRead != w.RowsRead || rep.DroppedBadValues != w.DroppedBad || rep.DroppedDuplicates != w.DroppedDup {
		t.Errorf("%s: read/bad/dup = %d/%d/%d, pandas %d/%d/%d", i, rep.RowsRead, rep.DroppedBadValues,
			rep.DroppedDuplicates, w.RowsRead, w.DroppedBad, w.DroppedDup)
	}
	if !reflect.DeepEqual(f.FeatureNames, w.FeatureNames) {
		t.Errorf("%s: features\n got %q\nwant %q", i, f.FeatureNames, w.FeatureNames)
		return
	}
	if !reflect.DeepEqual(f.ClassNames, w.ClassNames) {
		t.Errorf("%s: class names %q, pandas %q", i, f.ClassNames, w.ClassNames)
	}
	if !reflect.DeepEqual(f.Labels, w.Labels) {
		t.Errorf("%s: labels differ (%d vs %d rows)", i, len(f.Labels), len(w.Labels))
	}
	if !reflect.DeepEqual(f.Timestamps, w.Timestamps) {
		t.Errorf("%s: timestamps (row order) differ", i)
	}
	if f.Rows*f.Features != len(w.Scaled) {
		t.Fatalf("%s: %d×%d values, pandas %d", i, f.Rows, f.Features, len(w.Scaled))
	}
	n := nTrain
	s := FitMinMax(f.X[:n*f.Features], n, f.Features)
	for j := range s.Scale {
		// Raw values are stored as float32: data_min/max agree to float32 precision.
		if !close32(s.DataMin[j], w.DataMin[j]) || !close32(s.DataMax[j], w.DataMax[j]) {
			t.Errorf("%s: %s: min/max %g/%g, sklearn %g/%g", i, f.FeatureNames[j], s.DataMin[j], s.DataMax[j], w.DataMin[j], w.DataMax[j])
		}
	}
	x := append([]float32(nil), f.X...)
	s.Transform(x, f.Rows)
	// Scaled values are float32, as training uses them: within [0, 1]
	// (every training value) float32 is exact to 6e-8, but a test value
	// far outside the training range, say 20, is only representable to
	// 20·6e-8, so the bound is 1e-6 relative above 1.
	worst, worstRel, worstAt := 0.0, 0.0, 0
	for k, v := range x {
		d := math.Abs(float64(v) - w.Scaled[k])
		worst = math.Max(worst, d)
		if r := d / math.Max(1, math.Abs(w.Scaled[k])); r > worstRel {
			worstRel, worstAt = r, k
		}
	}
	if worstRel > 1e-6 {
		t.Errorf("%s: scaled value %d (%s) = %g, sklearn %g: off by more than 1e-6·max(1,|v|)",
			i, worstAt, f.FeatureNames[worstAt%f.Features], x[worstAt], w.Scaled[worstAt])
	}
	t.Logf("%s: %d rows × %d features, %d classes; max |scaled - sklearn| = %.3g (%.3g relative above 1)",
		i, f.Rows, f.Features, len(f.ClassNames), worst, worstRel)
}

func close32(a, b float64) bool {
	return math.Abs(a-b) <= 1e-7*math.Max(1, math.Abs(b))
}

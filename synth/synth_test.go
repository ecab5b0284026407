package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tfnids/tfnids/dataset"
)

func generate(t *testing.T, o Options) ([]byte, *Stats) {
	t.Helper()
	var b bytes.Buffer
	st, err := Write(&b, o)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), st
}

func records(t *testing.T, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	recs, err := r.ReadAll() // also checks that every row has the header's field count
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestColumnsRowsAndDirtyValues(t *testing.T) {
	const rows = 20000
	data, st := generate(t, Options{Rows: rows, Seed: 7, DirtyRate: 0.01})
	recs := records(t, data)
	want, _ := Columns("cic_ton_iot")
	if len(want) != 84 || !slices.Equal(recs[0], want) {
		t.Fatalf("header %v, want the 84 CIC-ToN-IoT columns %v", recs[0], want)
	}
	if len(recs)-1 != rows || st.Rows != rows || st.Columns != 84 {
		t.Fatalf("%d data rows (stats %d x %d), want %d x 84", len(recs)-1, st.Rows, st.Columns, rows)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	var inf, nan, empty, dirtyRows int
	for _, rec := range recs[1:] {
		dirty := false
		for i, f := range rec {
			switch {
			case f == "Infinity":
				inf++
				dirty = true
			case f == "NaN":
				nan++
				dirty = true
			case f == "" && i > col["Timestamp"] && i < col["Label"]:
				empty++
				dirty = true
			case f == "":
				t.Fatalf("empty identifier, label or class cell in %v", rec)
			}
		}
		if dirty {
			dirtyRows++
		}
		label, attack := rec[col["Label"]], rec[col["Attack"]]
		if (label == "0") != (attack == "Benign") || (label != "0" && label != "1") {
			t.Fatalf("Label %q does not match Attack %q", label, attack)
		}
	}
	if inf != st.Infinity || nan != st.NaN || empty != st.Empty || dirtyRows != st.DirtyRows {
		t.Errorf("file has %d Infinity, %d NaN, %d empty in %d rows; stats say %d, %d, %d in %d",
			inf, nan, empty, dirtyRows, st.Infinity, st.NaN, st.Empty, st.DirtyRows)
	}
	// 1% of 20,000 rows: 200 expected, σ ≈ 14.
	if dirtyRows < 130 || dirtyRows > 270 {
		t.Errorf("%d dirty rows of %d at rate 0.01", dirtyRows, rows)
	}
	if inf == 0 || nan == 0 || empty == 0 {
		t.Errorf("want every kind of dirty value: %d Infinity, %d NaN, %d empty", inf, nan, empty)
	}

	// No dirty values at all when asked.
	clean, st0 := generate(t, Options{Rows: 3000, Seed: 7, DirtyRate: -1})
	if st0.DirtyRows != 0 || bytes.Contains(clean, []byte("Infinity")) || bytes.Contains(clean, []byte("NaN")) ||
		bytes.Contains(clean, []byte(",,")) {
		t.Errorf("DirtyRate -1 wrote dirty values (%+v)", st0)
	}
}

func TestDeterministicPerSeed(t *testing.T) {
	a, _ := generate(t, Options{Rows: 5000, Seed: 42})
	b, _ := generate(t, Options{Rows: 5000, Seed: 42})
	c, _ := generate(t, Options{Rows: 5000, Seed: 43})
	if sha256.Sum256(a) != sha256.Sum256(b) {
		t.Error("the same seed wrote different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds wrote the same bytes")
	}
	// A longer file starts with the shorter one's rows.
	long, _ := generate(t, Options{Rows: 6000, Seed: 42})
	if !bytes.HasPrefix(long, a) {
		t.Error("rows depend on the row count")
	}
}

func TestTimestampsAreOrdered(t *testing.T) {
	start := time.Date(2019, 4, 25, 23, 59, 0, 0, time.UTC) // crosses midnight and a 12-hour boundary
	data, st := generate(t, Options{Rows: 8000, Seed: 3, Start: start, FlowsPerSecond: 50})
	recs := records(t, data)
	col := slices.Index(recs[0], "Timestamp")
	var prev time.Time
	sawPM, sawAM := false, false
	for i, rec := range recs[1:] {
		ts, err := time.Parse(TimestampLayout, rec[col])
		if err != nil {
			t.Fatalf("row %d: %v", i+1, err)
		}
		if ts.Before(prev) {
			t.Fatalf("row %d: %s before the previous row's %s", i+1, rec[col], prev.Format(TimestampLayout))
		}
		prev = ts
		sawPM = sawPM || bytes.HasSuffix([]byte(rec[col]), []byte(" pm"))
		sawAM = sawAM || bytes.HasSuffix([]byte(rec[col]), []byte(" am"))
	}
	if !sawAM || !sawPM {
		t.Errorf("want lower-case am and pm in the timestamps (am %v, pm %v)", sawAM, sawPM)
	}
	if !st.First.Equal(start) || !st.Last.Equal(prev) {
		t.Errorf("stats time range %v - %v, file %v - %v", st.First, st.Last, start, prev)
	}
	// ~8000 flows at 50/s: about 160 s.
	if span := prev.Sub(start); span < 120*time.Second || span > 200*time.Second {
		t.Errorf("time span %v for 8000 flows at 50/s", span)
	}
}

// TestRuns checks that Runs writes that many time-ordered runs over the
// same time span, one after another, that one run is the default file,
// and that the load's sort puts the rows back in time order.
func TestRuns(t *testing.T) {
	one, _ := generate(t, Options{Rows: 3000, Seed: 9})
	if r1, _ := generate(t, Options{Rows: 3000, Seed: 9, Runs: 1}); !bytes.Equal(one, r1) {
		t.Error("Runs 1 wrote another file than the default")
	}
	data, st := generate(t, Options{Rows: 3000, Seed: 9, Runs: 3})
	recs := records(t, data)
	col := slices.Index(recs[0], "Timestamp")
	var starts []int // rows where time goes back
	var prev, last time.Time
	for i, rec := range recs[1:] {
		ts, err := time.Parse(TimestampLayout, rec[col])
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 || ts.Before(prev) {
			starts = append(starts, i)
		}
		if ts.After(last) {
			last = ts
		}
		prev = ts
	}
	if !slices.Equal(starts, []int{0, 1000, 2000}) || len(recs)-1 != 3000 {
		t.Fatalf("runs start at rows %v of %d, want [0 1000 2000] of 3000", starts, len(recs)-1)
	}
	if !st.Last.Equal(last) || !st.First.Equal(time.Date(2019, 4, 25, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("stats time range %v - %v, file ends %v", st.First, st.Last, last)
	}
	// Each run spans the time of the whole file: 3000 flows at 20/s, ~150 s.
	if span := last.Sub(st.First); span < 100*time.Second || span > 200*time.Second {
		t.Errorf("time span %v, want about 150s", span)
	}
	if bytes.Equal(data[:len(one)/4], one[:len(one)/4]) {
		t.Error("the runs' rows are the single run's")
	}
	path := filepath.Join(t.TempDir(), "runs.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	prof, _ := dataset.BuiltinProfile("cic_ton_iot")
	fr, rep, err := dataset.Load([]string{path}, dataset.LoadOptions{Profile: prof, SortByTimestamp: true, MultiClass: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(fr.Timestamps) || fr.Rows != st.Rows-st.DirtyRows || !rep.Sorted {
		t.Errorf("loaded %d rows (want %d), sorted %v", fr.Rows, st.Rows-st.DirtyRows, slices.IsSorted(fr.Timestamps))
	}
	if _, err := Write(io.Discard, Options{Rows: 2, Runs: 3}); err == nil {
		t.Error("3 runs of 2 rows: no error")
	}
}

func TestClassesOption(t *testing.T) {
	data, st := generate(t, Options{Rows: 4000, Seed: 1, Classes: 3})
	if len(st.ClassCounts) != 3 {
		t.Fatalf("classes %v, want 3", st.ClassCounts)
	}
	for _, n := range ClassNames[:3] {
		if st.ClassCounts[n] == 0 {
			t.Errorf("class %s missing: %v", n, st.ClassCounts)
		}
	}
	if bytes.Contains(data, []byte(",scanning\n")) {
		t.Error("a class beyond --classes 3 was written")
	}
	for _, o := range []Options{{Rows: 0}, {Rows: 5, Classes: 11}, {Rows: 5, Profile: "nf_ton_iot"}, {Rows: 5, DirtyRate: 2}} {
		if _, err := Write(io.Discard, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TestLoadsAsSeedDataset reads a synthetic file with the cic_ton_iot
// profile: the seed's 37 input features in its order, the dirty rows
// dropped, ten classes; and the classes are learnable: a 1-nearest-neighbour
// classifier on the log-scaled features (flow features are heavy-tailed),
// fitted on the first 70% of the rows, beats the majority class by far on
// the rest.
func TestLoadsAsSeedDataset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Write(f, Options{Rows: 6000, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	prof, err := dataset.BuiltinProfile("cic_ton_iot")
	if err != nil {
		t.Fatal(err)
	}
	fr, rep, err := dataset.Load([]string{path}, dataset.LoadOptions{Profile: prof, SortByTimestamp: true, MultiClass: true})
	if err != nil {
		t.Fatal(err)
	}
	seed37 := []string{"Protocol", "Tot Fwd Pkts", "TotLen Fwd Pkts", "Fwd Pkt Len Min", "Bwd Pkt Len Min", "Flow Byts/s",
		"Flow IAT Std", "Fwd IAT Max", "Fwd IAT Min", "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min", "Fwd PSH Flags",
		"Fwd Header Len", "Fwd Pkts/s", "Bwd Pkts/s", "Pkt Len Min", "SYN Flag Cnt", "RST Flag Cnt", "ACK Flag Cnt",
		"ECE Flag Cnt", "Down/Up Ratio", "Bwd Byts/b Avg", "Bwd Pkts/b Avg", "Bwd Blk Rate Avg", "Subflow Fwd Pkts",
		"Subflow Fwd Byts", "Subflow Bwd Byts", "Init Fwd Win Byts", "Init Bwd Win Byts", "Fwd Act Data Pkts",
		"Fwd Seg Size Min", "Active Max", "Active Min", "Idle Std", "Idle Max", "Idle Min"}
	if !slices.Equal(fr.FeatureNames, seed37) {
		t.Fatalf("features %v, want the seed's 37 %v", fr.FeatureNames, seed37)
	}
	if fr.Rows != st.Rows-st.DirtyRows || rep.DroppedBadValues != st.DirtyRows {
		t.Errorf("kept %d rows, dropped %d; want %d kept, %d dropped", fr.Rows, rep.DroppedBadValues, st.Rows-st.DirtyRows, st.DirtyRows)
	}
	if len(fr.ClassNames) != 10 {
		t.Errorf("classes %v, want 10", fr.ClassNames)
	}

	nTrain := fr.Rows * 7 / 10
	for i, v := range fr.X {
		fr.X[i] = float32(math.Copysign(math.Log1p(math.Abs(float64(v))), float64(v)))
	}
	sc := dataset.FitMinMax(fr.X[:nTrain*fr.Features], nTrain, fr.Features)
	sc.Transform(fr.X, fr.Rows)
	k, nf := len(fr.ClassNames), fr.Features
	right, majority := 0, 0
	testCount := make([]int, k)
	for i := nTrain; i < fr.Rows; i++ {
		best, bestD := 0, math.Inf(1)
		for j := 0; j < nTrain; j++ {
			d := 0.0
			for c, v := range fr.Row(i) {
				e := float64(v - fr.X[j*nf+c])
				d += e * e
			}
			if d < bestD {
				best, bestD = j, d
			}
		}
		if fr.Labels[best] == fr.Labels[i] {
			right++
		}
		testCount[fr.Labels[i]]++
	}
	for _, c := range testCount {
		majority = max(majority, c)
	}
	nTest := fr.Rows - nTrain
	acc, base := float64(right)/float64(nTest), float64(majority)/float64(nTest)
	t.Logf("1-NN accuracy %.3f, majority class %.3f", acc, base)
	if acc < base+0.35 {
		t.Errorf("1-NN accuracy %.3f vs majority %.3f: classes are not learnable", acc, base)
	}
}

// TestWriteStreams: memory does not grow with the row count (allocations
// per row are zero after the first).
func TestWriteStreams(t *testing.T) {
	allocs := func(rows int) float64 {
		return testing.AllocsPerRun(2, func() {
			if _, err := Write(io.Discard, Options{Rows: rows, Seed: 5}); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(1000), allocs(30000)
	if large > small+20 {
		t.Errorf("%v allocations for 1,000 rows, %v for 30,000: Write allocates per row", small, large)
	}
}

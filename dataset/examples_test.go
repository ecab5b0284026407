package dataset

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/approx"
	"github.com/tfnids/tfnids/internal/pyenv"
)

// TestWindowsHandMade checks windows of length 3 over 5 rows written out by
// hand: window i holds rows i..i+2 and carries the label of row i+2.
func TestWindowsHandMade(t *testing.T) {
	x := []float32{
		0, 10, // row 0
		1, 11, // row 1
		2, 12, // row 2
		3, 13, // row 3
		4, 14, // row 4
	}
	labels := []int32{7, 8, 9, 5, 6}
	w, err := NewWindows(x, 5, 2, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	if w.Len() != 3 || !reflect.DeepEqual(w.Shape(), []int{3, 2}) {
		t.Fatalf("Len %d Shape %v, want 3 [3 2]", w.Len(), w.Shape())
	}
	gx := make([]float32, 2*6)
	gy := make([]int32, 2)
	w.Gather([]int{2, 0}, gx, gy)
	wantX := []float32{2, 12, 3, 13, 4, 14, 0, 10, 1, 11, 2, 12}
	if !reflect.DeepEqual(gx, wantX) || !reflect.DeepEqual(gy, []int32{6, 9}) {
		t.Errorf("Gather = %v %v, want %v [6 9]", gx, gy, wantX)
	}
	if got := w.Labels(); !reflect.DeepEqual(got, []int32{9, 5, 6}) {
		t.Errorf("Labels = %v, want [9 5 6]", got)
	}
	cases := []struct {
		rows, length, want int
	}{
		{5, 1, 5}, // 0: length 1: every row
		{5, 5, 1}, // 1
		{2, 3, 0}, // 2: fewer rows than the length: no window
		{0, 3, 0}, // 3
	}
	for i, c := range cases {
		w, err := NewWindows(make([]float32, c.rows), c.rows, 1, nil, c.length)
		if err != nil || w.Len() != c.want {
			t.Errorf("%d: Len = %v (err %v), want %d", i, w.Len(), err, c.want)
		}
	}
	if _, err := NewWindows(x, 5, 2, labels, 0); err == nil {
		t.Error("length 0: no error")
	}
	if _, err := NewWindows(x, 4, 2, labels, 3); err == nil {
		t.Error("len(x) != rows*features: no error")
	}
	if _, err := NewWindows(x, 5, 2, labels[:4], 3); err == nil {
		t.Error("short labels: no error")
	}
}

// TestWindowsMatchKeras compares windows and batches with the seed's
// keras.utils.timeseries_dataset_from_array(data, targets=labels[L-1:], ...)
// on the same arrays (testdata/keras_windows.py).
func TestWindowsMatchKeras(t *testing.T) {
	t.Parallel()                    // mostly waiting on Python or I/O
	py := pyenv.Require(t, "numpy") // keras itself is imported once, by the script
	type kcase struct {
		Data   [][]float32 `json:"data"`
		Labels []int32     `json:"labels"`
		Length int         `json:"length"`
		Batch  int         `json:"batch"`
	}
	rng := rand.New(rand.NewPCG(1, 2))
	mk := func(n, f, length, batch int) kcase {
		c := kcase{Length: length, Batch: batch}
		for i := 0; i < n; i++ {
			row := make([]float32, f)
			for j := range row {
				row[j] = float32(rng.IntN(1000)) / 8
			}
			c.Data = append(c.Data, row)
			c.Labels = append(c.Labels, int32(rng.IntN(5)))
		}
		return c
	}
	cases := []kcase{
		mk(10, 2, 3, 4),    // 0: the seed's L = 3, a partial last batch
		mk(300, 4, 3, 256), // 1: the seed's batch size 256
		mk(7, 3, 1, 3),     // 2: L = 1
		mk(5, 2, 5, 2),     // 3: a single window
	}
	cfg := filepath.Join(t.TempDir(), "windows.json")
	b, _ := json.Marshal(cases)
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := pyenv.Run(py, filepath.Join("testdata", "keras_windows.py"), cfg)
	if err != nil {
		if strings.Contains(err.Error(), "No module named") {
			pyenv.Unavailable(t, "keras unavailable in %s: %v", py, err)
		}
		t.Fatal(err)
	}
	type batch struct {
		X []float32 `json:"x"`
		Y []int32   `json:"y"`
		N int       `json:"n"`
	}
	var want [][]batch
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		f := len(c.Data[0])
		var x []float32
		for _, r := range c.Data {
			x = append(x, r...)
		}
		w, err := NewWindows(x, len(c.Data), f, c.Labels, c.Length)
		if err != nil {
			t.Fatal(err)
		}
		batches := inOrderBatches(w.Len(), c.Batch)
		if len(batches) != len(want[i]) {
			t.Errorf("%d: %d batches, keras %d", i, len(batches), len(want[i]))
			continue
		}
		for k, idx := range batches {
			gx := make([]float32, len(idx)*c.Length*f)
			gy := make([]int32, len(idx))
			w.Gather(idx, gx, gy)
			if len(idx) != want[i][k].N || !reflect.DeepEqual(gx, want[i][k].X) || !reflect.DeepEqual(gy, want[i][k].Y) {
				t.Errorf("%d: batch %d differs from keras", i, k)
			}
		}
	}
}

func TestRows(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6}
	r := NewRows(x, 3, 2, []int32{0, 1, 2})
	gx := make([]float32, 4)
	gy := make([]int32, 2)
	r.Gather([]int{2, 0}, gx, gy)
	if !reflect.DeepEqual(gx, []float32{5, 6, 1, 2}) || !reflect.DeepEqual(gy, []int32{2, 0}) || r.Len() != 3 ||
		!reflect.DeepEqual(r.Shape(), []int{2}) {
		t.Errorf("Rows.Gather = %v %v", gx, gy)
	}
	var _ Examples = r
	var _ Examples = &Windows{}
}

// inOrderBatches cuts 0 … n−1 into batches of size b, the last one
// partial: the order Keras reads a dataset without shuffling.
func inOrderBatches(n, b int) [][]int {
	var out [][]int
	for s := 0; s < n; s += b {
		idx := make([]int, 0, b)
		for i := s; i < min(s+b, n); i++ {
			idx = append(idx, i)
		}
		out = append(out, idx)
	}
	return out
}

// selectCase is a 7×3 matrix with distinct values, so a misplaced row or
// column shows, and labels 10..16.
func selectCase() (x []float32, labels []int32) {
	for i := 0; i < 7; i++ {
		for j := 0; j < 3; j++ {
			x = append(x, float32(100*i+j))
		}
		labels = append(labels, int32(10+i))
	}
	return x, labels
}

// TestSelectMatchesCopy checks that reading a fold's rows through a
// selection gives what the copy (Subset) and in-place scaling gave, for
// contiguous (time-series) and scattered (stratified) folds, rows and
// windows, without the matrix changing.
func TestSelectMatchesCopy(t *testing.T) {
	x, labels := selectCase()
	orig := append([]float32(nil), x...)
	cases := [][]int{
		{2, 3, 4, 5}, // 0: a contiguous run (a time-series fold)
		{6, 1, 4, 0}, // 1: scattered, out of order
		nil,          // 2: every row
		{3},          // 3: one row: no window of 3
		{},           // 4: none
	}
	for ci, idx := range cases {
		// The copy the fold used to make, scaled in place.
		var cx []float32
		var cl []int32
		rows := idx
		if rows == nil {
			rows = []int{0, 1, 2, 3, 4, 5, 6}
		}
		for _, i := range rows {
			cx = append(cx, x[i*3:(i+1)*3]...)
			cl = append(cl, labels[i])
		}
		sc := FitMinMax(cx, len(rows), 3)
		if fs := FitMinMaxRows(x, 3, idx); len(rows) > 0 && !reflect.DeepEqual(fs, sc) {
			t.Errorf("%d: FitMinMaxRows = %+v, want %+v", ci, fs, sc)
		}
		scaledCopy := append([]float32(nil), cx...)
		sc.Transform(scaledCopy, len(rows))

		r, err := SelectRows(x, 3, labels, idx)
		if err != nil {
			t.Fatalf("%d: %v", ci, err)
		}
		if r.Len() != len(rows) || !reflect.DeepEqual(r.Labels(), cl) && len(rows) > 0 {
			t.Errorf("%d: rows Len %d Labels %v, want %d %v", ci, r.Len(), r.Labels(), len(rows), cl)
		}
		order := make([]int, len(rows))
		for i := range order {
			order[i] = len(rows) - 1 - i // reversed, as a shuffle would
		}
		gx, gy := make([]float32, 3*len(rows)), make([]int32, len(rows))
		r.Scaled(sc).Gather(order, gx, gy)
		for k, i := range order {
			if d := approx.Float32s(gx[k*3:(k+1)*3], scaledCopy[i*3:(i+1)*3], 1e-7, 1e-7); d >= 0 || gy[k] != cl[i] {
				t.Errorf("%d: scaled row %d = %v label %d, want %v label %d", ci, i, gx[k*3:(k+1)*3], gy[k],
					scaledCopy[i*3:(i+1)*3], cl[i])
			}
		}

		w, err := SelectWindows(x, 3, labels, idx, 3)
		if err != nil {
			t.Fatalf("%d: %v", ci, err)
		}
		cw, _ := NewWindows(scaledCopy, len(rows), 3, cl, 3)
		if w.Len() != cw.Len() || !reflect.DeepEqual(w.Labels(), cw.Labels()) && cw.Len() > 0 {
			t.Fatalf("%d: windows Len %d Labels %v, want %d %v", ci, w.Len(), w.Labels(), cw.Len(), cw.Labels())
		}
		if w.Len() > 0 {
			all := make([]int, w.Len())
			for i := range all {
				all[i] = w.Len() - 1 - i
			}
			gx, gy := make([]float32, 9*len(all)), make([]int32, len(all))
			wx, wy := make([]float32, 9*len(all)), make([]int32, len(all))
			w.Scaled(sc).Gather(all, gx, gy)
			cw.Gather(all, wx, wy)
			if d := approx.Float32s(gx, wx, 1e-7, 1e-7); d >= 0 || !reflect.DeepEqual(gy, wy) {
				t.Errorf("%d: windows gathered %v %v, want %v %v", ci, gx, gy, wx, wy)
			}
		}
	}
	if !reflect.DeepEqual(x, orig) {
		t.Error("a selection changed the matrix")
	}
}

func TestSelectErrors(t *testing.T) {
	x, labels := selectCase()
	cases := []struct {
		x      []float32
		labels []int32
		idx    []int
	}{
		{x, labels, []int{0, 7}},      // 0: row out of range
		{x, labels, []int{-1}},        // 1
		{x[:20], labels, nil},         // 2: not a multiple of the features
		{x, labels[:6], []int{0, 1}},  // 3: short labels
		{x[:18], labels, []int{0, 1}}, // 4: 6 rows, 7 labels
	}
	for i, c := range cases {
		if _, err := SelectRows(c.x, 3, c.labels, c.idx); err == nil {
			t.Errorf("%d: SelectRows: no error", i)
		}
		if _, err := SelectWindows(c.x, 3, c.labels, c.idx, 3); err == nil {
			t.Errorf("%d: SelectWindows: no error", i)
		}
	}
	if _, err := SelectWindows(x, 3, labels, nil, 0); err == nil {
		t.Error("window length 0: no error")
	}
	r, _ := SelectRows(x, 3, labels, []int{1, 2})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Scaled with a 2-feature scaler: no panic")
			}
		}()
		r.Scaled(FitMinMax([]float32{1, 2}, 1, 2))
	}()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Gather of row 2 of a 2-row selection: no panic")
			}
		}()
		r.Gather([]int{2}, make([]float32, 3), nil)
	}()
}

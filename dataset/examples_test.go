package dataset

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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

package npy_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/npy"
	"github.com/tfnids/tfnids/internal/pyenv"
)

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		data  []float32
		shape []int
	}{
		{[]float32{1, 2, 3}, []int{3}},                // 0: 1-tuple shape
		{[]float32{1, -2, 3.5, 4, 5, 6}, []int{2, 3}}, // 1
		{[]float32{}, []int{0, 4}},                    // 2: empty
		{[]float32{7}, []int{}},                       // 3: scalar
	}
	for i, c := range cases {
		path := filepath.Join(t.TempDir(), "a.npy")
		if err := npy.WriteFile(path, c.data, c.shape...); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		data, shape, err := npy.ReadFile(path)
		if err != nil || !slices.Equal(data, c.data) || !slices.Equal(shape, c.shape) {
			t.Errorf("%d: read %v %v (%v), wrote %v %v", i, data, shape, err, c.data, c.shape)
		}
	}
}

func TestHeaderAlignedTo64(t *testing.T) {
	for _, shape := range [][]int{{1}, {12, 3}, {123456, 7, 9}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		var buf bytes.Buffer
		if err := npy.Encode(&buf, make([]float32, n), shape...); err != nil {
			t.Fatal(err)
		}
		if data := buf.Len() - 4*n; data%64 != 0 || buf.Bytes()[data-1] != '\n' {
			t.Errorf("%v: data starts at byte %d, want a multiple of 64 after a newline", shape, data)
		}
	}
}

func TestErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := npy.Encode(&buf, []float32{1, 2}, 3); err == nil || !strings.Contains(err.Error(), "holds 3 values, got 2") {
		t.Errorf("shape mismatch: %v", err)
	}
	npy.Encode(&buf, []float32{1, 2}, 2)
	good := buf.Bytes()
	f64 := bytes.Replace(good, []byte("'<f4'"), []byte("'<f8'"), 1)
	cases := []struct {
		b    []byte
		want string
	}{
		{[]byte("PK\x03\x04 a zip"), "not a .npy 1.0 file"}, // 0
		{good[:len(good)-1], "needs 8 bytes of data"},       // 1: truncated
		{f64, "want little-endian float32"},                 // 2
		{good[:20], "header of"},                            // 3
	}
	for i, c := range cases {
		if _, _, err := npy.Decode(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d: %v, want an error mentioning %q", i, err, c.want)
		}
	}
}

// TestNumPyReadsAndWrites: NumPy loads what WriteFile writes, and ReadFile
// loads what NumPy saves.
func TestNumPyReadsAndWrites(t *testing.T) {
	py := pyenv.Require(t, "numpy")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.npy"), filepath.Join(dir, "out.npy")
	if err := npy.WriteFile(in, []float32{1, 2, 3, 4, 5, 6.5}, 3, 2); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Shape []int
		Sum   float64
	}
	pyenv.RunJSON(t, py, filepath.Join("testdata", "roundtrip.py"), map[string]string{"in": in, "out": out}, &got)
	if !slices.Equal(got.Shape, []int{3, 2}) || got.Sum != 21.5 {
		t.Errorf("NumPy read shape %v, sum %v; want [3 2], 21.5", got.Shape, got.Sum)
	}
	data, shape, err := npy.ReadFile(out)
	if err != nil || !slices.Equal(shape, []int{2, 3}) || !slices.Equal(data, []float32{1, 3, 5, 2, 4, 6.5}) {
		t.Errorf("NumPy's transposed copy read as %v %v (%v)", data, shape, err)
	}
}

func ExampleEncode() {
	var buf bytes.Buffer
	npy.Encode(&buf, []float32{0.5, 1.5}, 1, 2)
	data, shape, err := npy.Decode(buf.Bytes())
	fmt.Println(buf.Len(), data, shape, err)
	// Output: 136 [0.5 1.5] [1 2] <nil>
}

package tfgraph

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/internal/pyenv"
)

// TestPythonReadsCheckpoint proves a tfnids checkpoint is a TensorFlow
// checkpoint: Python's tf.train.load_checkpoint lists the same variables,
// shapes and values.
func TestPythonReadsCheckpoint(t *testing.T) {
	py := pyenv.Require(t, "tensorflow")
	prefix := filepath.Join(t.TempDir(), "weights-01-0.5000")
	m := buildTiny(t, 11, true)
	sess := newSession(t, m.b)
	f := feeds(t, m)
	for i := 0; i < 2; i++ {
		if _, err := sess.Run(f, nil, []*tf.Operation{m.step}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.saver.Save(sess, prefix); err != nil {
		t.Fatal(err)
	}
	var listed map[string]struct {
		Shape []int64
		Dtype string
		Sum   float64
	}
	pyenv.RunJSON(t, py, "testdata/list_checkpoint.py", map[string]string{"prefix": prefix}, &listed)
	vals, err := m.b.ReadVariables(sess, floatVars(m.b))
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(m.b.Variables()) {
		t.Errorf("Python lists %d variables, tfnids saved %d", len(listed), len(m.b.Variables()))
	}
	for _, v := range m.b.Variables() {
		got, ok := listed[v.Name]
		if !ok {
			t.Errorf("Python does not list %s", v.Name)
			continue
		}
		if fmt.Sprint(got.Shape) != fmt.Sprint(nilToEmpty(v.Shape)) {
			t.Errorf("%s: Python shape %v, tfnids %v", v.Name, got.Shape, v.Shape)
		}
		if v.Name == "iterations" {
			if got.Dtype != "int64" || got.Sum != 2 {
				t.Errorf("iterations: Python reads %s %v, want int64 2", got.Dtype, got.Sum)
			}
			continue
		}
		sum := 0.0
		for _, x := range vals[v.Name] {
			sum += float64(x)
		}
		if math.Abs(sum-got.Sum) > 1e-9*math.Max(1, math.Abs(sum)) {
			t.Errorf("%s: Python sum %v, tfnids %v", v.Name, got.Sum, sum)
		}
	}
}

func nilToEmpty(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

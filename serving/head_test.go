package serving

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/tfgraph"
)

// TestHeadNaNRowsGetClassMinusOne: a row with a NaN or infinite feature gets
// NaN probabilities and class -1, a finite row a class; moved here from
// tfgraph with AddHead.
func TestHeadNaNRowsGetClassMinusOne(t *testing.T) {
	fx := newFixture(t, "dense", false)
	card, ckpt, err := modelcard.Locate(filepath.Dir(fx.ckpt))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dense", "1")
	if err := Export(ExportOptions{Card: card, Checkpoint: ckpt, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	p, err := tfgraph.LoadPredictor(dir, nil, tfgraph.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	rows := []float32{1, 2, 3, 0, 1, 1, nan, 1, 1, 1, 1, 1, 1, -inf, 1, 1, 1, 1}
	probs, classes := runExport(t, p, rows, []int64{3, 6})
	if fmt.Sprint(classes[1:]) != "[-1 -1]" || classes[0] < 0 {
		t.Errorf("classes %v: want a class for the finite row and -1 for the NaN and -Inf rows", classes)
	}
	for i, v := range probs {
		if math.IsNaN(float64(v)) != (i >= 3) {
			t.Errorf("probabilities %v: want NaN exactly for the non-finite rows", probs)
			break
		}
	}
}

func TestAddHeadRejectsBadModels(t *testing.T) {
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{})
	x := b.Placeholder("x", tf.Float, -1, 4)
	if _, err := AddHead(b, Head{Input: x, Probabilities: x, Scale: []float64{1}, Min: []float64{0}}); err == nil ||
		!strings.Contains(err.Error(), "the model has 4 features, the scaler 1 scales and 1 mins") {
		t.Errorf("scaler of the wrong width: %v", err)
	}
	if _, err := AddHead(b, Head{Input: x}); err == nil || !strings.Contains(err.Error(), "Input and Probabilities are required") {
		t.Errorf("no probabilities: %v", err)
	}
}

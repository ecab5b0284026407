package experiment

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/crossval"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/internal/approx"
	"github.com/tfnids/tfnids/timing"
)

// TestFoldExamplesReadTheFrame checks that a fold's examples, read from
// the loaded frame through the fold's indices and scaled per batch, are
// what the scaled copy of the fold's rows (the former way) gave, for
// time-series (contiguous) and stratified (scattered) folds, rows and
// windows, and that the frame stays raw for the next fold.
func TestFoldExamplesReadTheFrame(t *testing.T) {
	const rows, features = 60, 4
	rng := rand.New(rand.NewPCG(1, 2))
	f := &dataset.Frame{Rows: rows, Features: features, X: make([]float32, rows*features), Labels: make([]int32, rows)}
	for i := range f.X {
		f.X[i] = float32(rng.NormFloat64()*100 + float64(i%features)*1000)
	}
	for i := range f.Labels {
		f.Labels[i] = int32(rng.IntN(3))
	}
	raw := slices.Clone(f.X)
	ts, _ := crossval.TimeSeriesSplit{NSplits: 3}.Split(rows, nil)
	st, _ := crossval.StratifiedKFold{NSplits: 3, Shuffle: true, Seed: 7}.Split(rows, f.Labels)
	for _, c := range []struct {
		name  string
		folds []crossval.Fold
	}{{"timeseries", ts}, {"stratified", st}} {
		for k, fold := range c.folds {
			var rec timing.Recorder
			fd := &foldData{fold: fold, number: k + 1, frame: f, timings: &rec}
			// The former way: copies of the fold's rows, scaled in place.
			train, test := f.Subset(fold.Train), f.Subset(fold.Test)
			sc := dataset.FitMinMax(train.X, train.Rows, features)
			sc.Transform(train.X, train.Rows)
			sc.Transform(test.X, test.Rows)
			for _, window := range []int{0, 3} {
				trEx, teEx, teLabels, err := fd.examples(window)
				if err != nil {
					t.Fatal(err)
				}
				var wantTr, wantTe builders.Examples = dataset.NewRows(train.X, train.Rows, features, train.Labels),
					dataset.NewRows(test.X, test.Rows, features, test.Labels)
				wantLabels := test.Labels
				if window > 0 {
					wantTr, _ = dataset.NewWindows(train.X, train.Rows, features, train.Labels, window)
					wantTe, _ = dataset.NewWindows(test.X, test.Rows, features, test.Labels, window)
					wantLabels = test.Labels[window-1:]
				}
				if !slices.Equal(teLabels, wantLabels) {
					t.Errorf("%s fold %d window %d: test labels differ", c.name, k+1, window)
				}
				for i, pair := range [][2]builders.Examples{{trEx, wantTr}, {teEx, wantTe}} {
					gx, gy := gatherAll(pair[0])
					wx, wy := gatherAll(pair[1])
					if d := approx.Float32s(gx, wx, 1e-7, 1e-7); d >= 0 || !slices.Equal(gy, wy) {
						t.Errorf("%s fold %d window %d: examples %d differ from the scaled copy (value %d)", c.name, k+1, window, i, d)
					}
				}
			}
			if got := rec.Stages(); len(got) != 1 || got[0].Name != "fit scaler" || got[0].Fold != k+1 {
				t.Errorf("%s fold %d: stages %+v, want one fit scaler of this fold", c.name, k+1, got)
			}
		}
	}
	if !slices.Equal(f.X, raw) {
		t.Error("the folds changed the frame")
	}
}

// gatherAll gathers every example of ex in order.
func gatherAll(ex builders.Examples) ([]float32, []int32) {
	n, per := ex.Len(), 1
	for _, d := range ex.Shape() {
		per *= d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	x, y := make([]float32, n*per), make([]int32, n)
	ex.Gather(idx, x, y)
	return x, y
}

package experiment

import (
	"context"
	"testing"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/netgraph"
)

func TestFoldScopeSeesOnlyTrainingRows(t *testing.T) {
	f := &dataset.Frame{Rows: 4, Features: 1, X: []float32{1, 2, 3, 4}, FeatureNames: []string{"a"},
		Text: map[string][]string{
			"s": {"10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.9"},
			"d": {"10.0.0.2", "10.0.0.3", "10.0.0.3", "10.0.0.1"},
		}}
	nf, err := newNetFeatures(context.Background(), GraphConfig{Scope: "fold",
		Options: netgraph.Options{Measures: []string{netgraph.Degree}}}, f, "s", "d")
	if err != nil {
		t.Fatal(err)
	}
	if f.Features != 3 || f.FeatureNames[1] != "src_degree" {
		t.Fatalf("features %d %v", f.Features, f.FeatureNames)
	}
	train, test := f.Subset([]int{0, 1, 2}), f.Subset([]int{3})
	if err := nf.perFold(context.Background(), train, test); err != nil {
		t.Fatal(err)
	}
	// the training graph: .1→.2, .1→.3, .2→.3; n = 3
	if got := train.Row(0); got[0] != 1 || got[1] != 1 || got[2] != 1 {
		t.Errorf("training row 0: %v, want [1 1 1] (degree 2/2 both ends)", got)
	}
	// 10.0.0.9 never sends in training: -1; 10.0.0.1 has degree 2/2
	if got := test.Row(0); got[1] != -1 || got[2] != 1 {
		t.Errorf("test row: %v, want src -1 (unseen), dst 1", got)
	}
	if nf.record().UnknownRows != 1 {
		t.Errorf("unknown rows %d, want 1", nf.record().UnknownRows)
	}
}

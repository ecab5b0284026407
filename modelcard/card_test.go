package modelcard

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/dataset"
)

func testCard() *Card {
	schema := dataset.Schema{
		FeatureNames: []string{"Flow Duration", "Tot Fwd Pkts", "Flow Byts/s", "SYN Flag Cnt"},
		ClassNames:   []string{"BENIGN", "DDoS", "PortScan"},
		MultiClass:   true,
	}
	scaler := dataset.FitMinMax([]float32{0, 1, 0, 0, 1e8, 4000, 2.5e6, 1}, 2, 4)
	return New(Model{Model: "lstm", Features: 4, Classes: 3, SeqLen: 3, Seed: 42}, schema, scaler)
}

func touch(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c := testCard()
	c.Dataset, c.Fold = "cic_ids_2017", 2
	if err := Write(dir, c); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Model.Model != "lstm" || got.Fold != 2 || got.Scaler.Scale[0] != c.Scaler.Scale[0] ||
		strings.Join(got.Schema.ClassNames, ",") != "BENIGN,DDoS,PortScan" {
		t.Fatalf("read back %+v", got)
	}
	if s := got.Model.InputShape(); len(s) != 3 || s[1] != 3 || s[2] != 4 {
		t.Errorf("InputShape = %v, want [-1 3 4]", s)
	}
	if got := ParseNames(NamesFile(c.Schema.ClassNames)); strings.Join(got, "|") != "BENIGN|DDoS|PortScan" {
		t.Errorf("names round trip: %q", got)
	}
}

func TestValidateNamesTheProblem(t *testing.T) {
	cases := []struct {
		edit func(c *Card)
		want string
	}{
		{func(c *Card) { c.Model.Model = "transformer" }, `unknown model "transformer"`},                  // 0
		{func(c *Card) { c.Model.Features = 5 }, "the model has 5 features, the schema names 4"},          // 1
		{func(c *Card) { c.Model.Classes = 2 }, "the model has 2 classes, the schema names 3"},            // 2
		{func(c *Card) { c.Scaler.Scale = c.Scaler.Scale[:3] }, "the scaler 3 scales"},                    // 3
		{func(c *Card) { c.Scaler.Min[1] = math.NaN() }, "scaler min of feature 1 (Tot Fwd Pkts) is NaN"}, // 4
		{func(c *Card) { c.Model.Binary = true }, "a binary model has 2 classes"},                         // 5
		{func(c *Card) { c.Format = "v0" }, `format "v0"`},                                                // 6
		{func(c *Card) { c.Scaler = nil }, "no scaler"},                                                   // 7
		{func(c *Card) { c.Schema.ClassNames[0] = "a\nb" }, "line break"},                                 // 8
	}
	for i, tc := range cases {
		c := testCard()
		tc.edit(c)
		err := Write(t.TempDir(), c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: %v; want %q", i, err, tc.want)
		}
	}
	if _, err := Parse([]byte(`{"format":"tfnids.modelcard/v1","bogus":1}`)); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown field: %v", err)
	}
}

func TestLocate(t *testing.T) {
	root := t.TempDir()
	fold := filepath.Join(root, "cic", "lstm sl-3 mc  layers-80", "fold-1")
	for _, name := range []string{"weights-01-0.9000", "weights-02-0.5000", "weights-10-0.4000", "weights-11-0.3000"} {
		touch(t, filepath.Join(fold, name+".index"))
		if name != "weights-11-0.3000" { // epoch 11 is incomplete: no data file
			touch(t, filepath.Join(fold, name+".data-00000-of-00001"))
		}
	}
	touch(t, filepath.Join(fold, "weights-interrupted.index"), filepath.Join(fold, "weights-interrupted.data-00000-of-00001"))
	if err := Write(fold, testCard()); err != nil {
		t.Fatal(err)
	}

	_, ckpt, err := Locate(fold)
	if err != nil || filepath.Base(ckpt) != "weights-10-0.4000" {
		t.Errorf("Locate(dir) = %q, %v; want the highest complete epoch weights-10-0.4000", ckpt, err)
	}
	_, ckpt, err = Locate(filepath.Join(fold, "weights-02-0.5000.index"))
	if err != nil || filepath.Base(ckpt) != "weights-02-0.5000" {
		t.Errorf("Locate(prefix.index) = %q, %v", ckpt, err)
	}
	c := testCard()
	c.Checkpoint = "weights-01-0.9000"
	if err := Write(fold, c); err != nil {
		t.Fatal(err)
	}
	if _, ckpt, err = Locate(fold); err != nil || filepath.Base(ckpt) != "weights-01-0.9000" {
		t.Errorf("Locate with card.Checkpoint = %q, %v", ckpt, err)
	}

	if _, _, err := Locate(filepath.Dir(fold)); err == nil || !strings.Contains(err.Error(), "pick a fold directory") {
		t.Errorf("Locate(model dir): %v", err)
	}
	if _, _, err := Locate(filepath.Join(fold, "weights-99-0.1")); err == nil || !strings.Contains(err.Error(), "neither a directory nor a checkpoint prefix") {
		t.Errorf("Locate(missing prefix): %v", err)
	}
	empty := filepath.Join(root, "empty")
	if err := Write(empty, testCard()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Locate(empty); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("Locate(dir without checkpoints): %v", err)
	}
}

package dataset_test

import (
	"fmt"
	"path/filepath"

	"github.com/tfnids/tfnids/dataset"
)

// Load the hand-made NetFlow file: the profile is detected from the header,
// the row with an Infinity is dropped, classes are factorized in file order.
func ExampleLoad() {
	path := filepath.Join("testdata", "netflow_sample.csv")
	f, rep, err := dataset.Load([]string{path}, dataset.LoadOptions{MultiClass: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Profile, rep.RowsRead, "rows read,", rep.DroppedBadValues, "dropped:", rep.BadValuesPerColumn)
	fmt.Println(f.Rows, "x", f.Features, f.FeatureNames[:3])
	fmt.Println(f.ClassNames[:4], f.Labels[:6])
	// Output:
	// netflow 16 rows read, 1 dropped: map[OUT_BYTES:1]
	// 15 x 8 [PROTOCOL L7_PROTO IN_BYTES]
	// [Benign scanning ddos xss] [0 1 1 0 2 2]
}

// A scaler fitted on training rows; a test value beyond the training range
// leaves [0, 1], as with scikit-learn.
func ExampleFitMinMax() {
	train := []float32{0, 10, 5, 10, 10, 10} // 3 rows × 2 features; feature 1 is constant
	s := dataset.FitMinMax(train, 3, 2)
	test := []float32{20, 10}
	s.Transform(test, 1)
	fmt.Println(s.Scale, s.Min, test)
	// Output: [0.1 1] [0 -10] [2 0]
}

// Windows of length 3 over 4 rows: each takes the label of its last row.
func ExampleNewWindows() {
	x := []float32{0, 1, 2, 3} // 4 rows × 1 feature
	w, _ := dataset.NewWindows(x, 4, 1, []int32{9, 8, 7, 6}, 3)
	buf := make([]float32, 2*3)
	y := make([]int32, 2)
	w.Gather([]int{0, 1}, buf, y)
	fmt.Println(w.Len(), buf, y)
	// Output: 2 [0 1 2 1 2 3] [7 6]
}

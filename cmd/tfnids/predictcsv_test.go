package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"testing"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/serving"
)

// writeCSVReference is writeCSV as encoding/csv writes it, one string per
// cell.
func writeCSVReference(t *testing.T, res *serving.Predictions, frame *dataset.Frame, names []string) string {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	header := []string{"row", "timestamp", "label", "predicted", "class"}
	for _, n := range names {
		header = append(header, "prob_"+n)
	}
	cw.Write(header)
	for i, row := range res.Rows {
		rec := []string{strconv.Itoa(row), timestampOf(frame, row), className(names, int64(frame.Labels[row])),
			className(names, res.Classes[i]), strconv.FormatInt(res.Classes[i], 10)}
		for _, v := range res.Probs[i*res.Width : (i+1)*res.Width] {
			s := strconv.FormatFloat(float64(v), 'g', -1, 32)
			if math.IsNaN(float64(v)) {
				s = "NaN"
			}
			rec = append(rec, s)
		}
		cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestWriteCSVAsEncodingCSV checks the predictions CSV against
// encoding/csv on class names that need quoting, an unknown class and a
// row that could not be classified.
func TestWriteCSVAsEncodingCSV(t *testing.T) {
	names := []string{"Benign", "a,b", `say "hi"`, " lead", "multi\nline", ""}
	frame := &dataset.Frame{Rows: 4, Labels: []int32{0, 1, -1, 3},
		Timestamps: []int64{1556182800e9, 1556182800e9 + 5e8, 1556182801e9, 1556182802e9 + 123}}
	w := len(names)
	res := &serving.Predictions{Rows: []int{0, 2, 3}, Classes: []int64{1, -1, 4}, Width: w,
		Probs: make([]float32, 3*w)}
	for i := range res.Probs {
		res.Probs[i] = float32(i) / 7
	}
	for j := w; j < 2*w; j++ {
		res.Probs[j] = float32(math.NaN())
	}
	res.Probs[2*w] = 1e-9
	var got bytes.Buffer
	if err := writeCSV(&got, res, frame, names); err != nil {
		t.Fatal(err)
	}
	if want := writeCSVReference(t, res, frame, names); got.String() != want {
		t.Errorf("writeCSV wrote\n%s\nencoding/csv writes\n%s", got.String(), want)
	}
}

package dataset

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// MinMaxScaler maps each feature to [0, 1] with scikit-learn's MinMaxScaler
// semantics (feature_range (0, 1)): Scale = 1/(DataMax−DataMin), with a
// range below 10·eps(float64) replaced by 1 so that a constant column maps
// to 0, and Min = −DataMin·Scale; a value v becomes v·Scale + Min. Values
// outside the fitted range leave [0, 1], as in scikit-learn. Fields are
// sklearn's data_min_, data_max_, scale_ and min_; the arithmetic is in
// float64. The scaler is JSON-serialisable and travels with the model.
type MinMaxScaler struct {
	DataMin []float64 `json:"data_min"`
	DataMax []float64 `json:"data_max"`
	Scale   []float64 `json:"scale"`
	Min     []float64 `json:"min"`
}

// FitMinMax fits a scaler on the row-major rows×features matrix x (the
// training fold only). With zero rows every range is empty: min and max are
// 0 and the scale 1. It panics if len(x) != rows*features.
func FitMinMax(x []float32, rows, features int) *MinMaxScaler {
	if len(x) != rows*features {
		panic(fmt.Sprintf("dataset: FitMinMax: len(x) = %d, want rows*features = %d*%d", len(x), rows, features))
	}
	return fitMinMax(features, rows, func(i int) []float32 { return x[i*features : (i+1)*features] })
}

// FitMinMaxRows fits a scaler on the rows idx of the row-major matrix x
// with features columns (a fold's training rows of the loaded frame,
// without copying them); idx nil means every row. It panics if len(x) is
// not a multiple of features or an index is out of range.
func FitMinMaxRows(x []float32, features int, idx []int) *MinMaxScaler {
	if features < 1 || len(x)%features != 0 {
		panic(fmt.Sprintf("dataset: FitMinMaxRows: len(x) = %d is not a multiple of %d features", len(x), features))
	}
	if idx == nil {
		return FitMinMax(x, len(x)/features, features)
	}
	return fitMinMax(features, len(idx), func(i int) []float32 {
		r := idx[i]
		return x[r*features : (r+1)*features]
	})
}

// fitMinMax fits a scaler on rows rows, row(i) returning row i.
func fitMinMax(features, rows int, row func(i int) []float32) *MinMaxScaler {
	s := &MinMaxScaler{
		DataMin: make([]float64, features),
		DataMax: make([]float64, features),
		Scale:   make([]float64, features),
		Min:     make([]float64, features),
	}
	if rows > 0 {
		parts := splitRows(rows)
		mins := make([][]float32, len(parts))
		maxs := make([][]float32, len(parts))
		var wg sync.WaitGroup
		for p, r := range parts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lo := append([]float32(nil), row(r[0])...)
				hi := append([]float32(nil), lo...)
				for i := r[0] + 1; i < r[1]; i++ {
					for j, v := range row(i) {
						if v < lo[j] {
							lo[j] = v
						}
						if v > hi[j] {
							hi[j] = v
						}
					}
				}
				mins[p], maxs[p] = lo, hi
			}()
		}
		wg.Wait()
		for j := 0; j < features; j++ {
			lo, hi := mins[0][j], maxs[0][j]
			for p := 1; p < len(parts); p++ {
				lo = min(lo, mins[p][j])
				hi = max(hi, maxs[p][j])
			}
			s.DataMin[j], s.DataMax[j] = float64(lo), float64(hi)
		}
	}
	eps := math.Nextafter(1, 2) - 1
	for j := range s.Scale {
		r := s.DataMax[j] - s.DataMin[j]
		if r < 10*eps {
			r = 1 // sklearn's _handle_zeros_in_scale
		}
		s.Scale[j] = 1 / r
		s.Min[j] = 0 - s.DataMin[j]*s.Scale[j] // feature_range[0] - data_min_*scale_, +0 as in sklearn
	}
	return s
}

// Transform scales the row-major matrix x (rows × len(s.Scale)) in place.
// It panics if the shapes disagree.
func (s *MinMaxScaler) Transform(x []float32, rows int) {
	features := len(s.Scale)
	if len(x) != rows*features {
		panic(fmt.Sprintf("dataset: MinMaxScaler.Transform: len(x) = %d, want rows*features = %d*%d", len(x), rows, features))
	}
	var wg sync.WaitGroup
	for _, r := range splitRows(rows) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.transformRows(x[r[0]*features:r[1]*features], r[1]-r[0])
		}()
	}
	wg.Wait()
}

// transformRows is Transform on this goroutine: for a batch that Gather
// has just copied.
func (s *MinMaxScaler) transformRows(x []float32, rows int) {
	features := len(s.Scale)
	for i := 0; i < rows; i++ {
		row := x[i*features : (i+1)*features]
		for j, v := range row {
			// X*scale_ then +min_, two roundings as numpy does; the
			// explicit conversion forbids fusing them into an FMA.
			row[j] = float32(float64(float64(v)*s.Scale[j]) + s.Min[j])
		}
	}
}

// InverseTransform undoes Transform in place.
func (s *MinMaxScaler) InverseTransform(x []float32, rows int) {
	features := len(s.Scale)
	if len(x) != rows*features {
		panic(fmt.Sprintf("dataset: MinMaxScaler.InverseTransform: len(x) = %d, want rows*features = %d*%d", len(x), rows, features))
	}
	for i := 0; i < rows; i++ {
		row := x[i*features : (i+1)*features]
		for j, v := range row {
			row[j] = float32((float64(v) - s.Min[j]) / s.Scale[j])
		}
	}
}

// splitRows cuts [0, rows) into one block per CPU (few for small inputs).
func splitRows(rows int) [][2]int {
	n := min(runtime.GOMAXPROCS(0), max(1, rows/4096))
	parts := make([][2]int, 0, n)
	for p := 0; p < n; p++ {
		parts = append(parts, [2]int{rows * p / n, rows * (p + 1) / n})
	}
	return parts
}

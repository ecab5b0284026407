package dataset

import (
	"fmt"
)

// Examples feed training without materialising copies: rows for the CNN,
// sliding windows for the LSTM and GRU.
type Examples interface {
	// Len is the number of examples.
	Len() int
	// Shape is the per-example shape: [F] for rows, [L, F] for windows.
	Shape() []int
	// Gather writes the examples idx into x (len(idx)·prod(Shape()) values,
	// row-major) and their labels into y (len(idx) values; y may be nil).
	// It panics if x or y is too short or an index is out of range.
	Gather(idx []int, x []float32, y []int32)
}

// Rows are the rows of a matrix as examples.
type Rows struct {
	x       []float32
	rows, f int
	labels  []int32
}

// NewRows wraps a row-major rows×features matrix and its labels (nil for
// unlabeled data; Gather then leaves y alone). It panics if the lengths
// disagree.
func NewRows(x []float32, rows, features int, labels []int32) *Rows {
	if len(x) != rows*features {
		panic(fmt.Sprintf("dataset: NewRows: len(x) = %d, want %d*%d", len(x), rows, features))
	}
	if labels != nil && len(labels) != rows {
		panic(fmt.Sprintf("dataset: NewRows: %d labels for %d rows", len(labels), rows))
	}
	return &Rows{x: x, rows: rows, f: features, labels: labels}
}

// Len returns the number of rows.
func (r *Rows) Len() int { return r.rows }

// Shape returns [features].
func (r *Rows) Shape() []int { return []int{r.f} }

// Gather copies rows idx into x and their labels into y.
func (r *Rows) Gather(idx []int, x []float32, y []int32) {
	f := r.f
	_ = x[:len(idx)*f]
	for k, i := range idx {
		copy(x[k*f:(k+1)*f], r.x[i*f:(i+1)*f])
	}
	if y != nil && r.labels != nil {
		_ = y[:len(idx)]
		for k, i := range idx {
			y[k] = r.labels[i]
		}
	}
}

// Windows are the sliding windows of length L, stride 1, over the rows of a
// matrix: window i holds rows i … i+L−1 and has the label of its last row,
// i+L−1. There are N−L+1 windows (none when N < L). This is what the seed
// got from keras.utils.timeseries_dataset_from_array(data,
// targets=labels[L-1:], sequence_length=L, sequence_stride=1): the first L−1
// rows of every split get no prediction. Windows are views; Gather copies.
// Build them separately for each split so that none spans a fold boundary.
type Windows struct {
	x       []float32
	rows, f int
	labels  []int32
	length  int
}

// NewWindows wraps a row-major rows×features matrix (time-ordered) and its
// labels (nil for unlabeled data). It returns an error for a length below 1
// or lengths that disagree.
func NewWindows(x []float32, rows, features int, labels []int32, length int) (*Windows, error) {
	if length < 1 {
		return nil, fmt.Errorf("dataset: window length %d, want at least 1", length)
	}
	if rows < 0 || features < 1 || len(x) != rows*features {
		return nil, fmt.Errorf("dataset: NewWindows: len(x) = %d, want rows*features = %d*%d", len(x), rows, features)
	}
	if labels != nil && len(labels) != rows {
		return nil, fmt.Errorf("dataset: NewWindows: %d labels for %d rows", len(labels), rows)
	}
	return &Windows{x: x, rows: rows, f: features, labels: labels, length: length}, nil
}

// Len returns N−L+1, or 0 when there are fewer rows than the length.
func (w *Windows) Len() int { return max(0, w.rows-w.length+1) }

// Shape returns [L, F].
func (w *Windows) Shape() []int { return []int{w.length, w.f} }

// Labels returns the label of every window (labels[L-1:]), a view.
func (w *Windows) Labels() []int32 {
	if w.labels == nil {
		return nil
	}
	return w.labels[w.length-1 : max(w.length-1, w.rows)]
}

// Gather copies windows idx into x (len(idx)·L·F values) and their labels
// (the label of each window's last row) into y.
func (w *Windows) Gather(idx []int, x []float32, y []int32) {
	n := w.length * w.f
	_ = x[:len(idx)*n]
	for k, i := range idx {
		if i < 0 || i >= w.Len() {
			panic(fmt.Sprintf("dataset: Windows.Gather: window %d out of range [0,%d)", i, w.Len()))
		}
		copy(x[k*n:(k+1)*n], w.x[i*w.f:i*w.f+n])
	}
	if y != nil && w.labels != nil {
		_ = y[:len(idx)]
		for k, i := range idx {
			y[k] = w.labels[i+w.length-1]
		}
	}
}

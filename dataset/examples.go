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

// selection is the part Rows and Windows share: which rows of a row-major
// matrix they read, in what order, and the scaler Gather applies.
type selection struct {
	x      []float32
	rows   int // rows selected
	f      int
	labels []int32 // of the matrix's rows (all of them when src is set)
	// src maps a selected row to its row of x; nil when the selection is
	// x's rows in order (x and labels are then cut to them).
	src   []int
	scale *MinMaxScaler
}

// newSelection checks the matrix and the selection; idx nil means every
// row. An ascending run of consecutive rows becomes a view without src, so
// that a time-series fold is read in blocks as the whole matrix is.
func newSelection(x []float32, features int, labels []int32, idx []int, who string) (selection, error) {
	if features < 1 || len(x)%features != 0 {
		return selection{}, fmt.Errorf("dataset: %s: len(x) = %d is not a multiple of %d features", who, len(x), features)
	}
	n := len(x) / features
	if labels != nil && len(labels) != n {
		return selection{}, fmt.Errorf("dataset: %s: %d labels for %d rows", who, len(labels), n)
	}
	if idx == nil {
		return selection{x: x, rows: n, f: features, labels: labels}, nil
	}
	contiguous := true
	for k, i := range idx {
		if i < 0 || i >= n {
			return selection{}, fmt.Errorf("dataset: %s: row %d out of range [0,%d)", who, i, n)
		}
		if k > 0 && i != idx[k-1]+1 {
			contiguous = false
		}
	}
	if len(idx) == 0 {
		return selection{x: x[:0], f: features}, nil
	}
	if contiguous {
		from, to := idx[0], idx[len(idx)-1]+1
		s := selection{x: x[from*features : to*features], rows: to - from, f: features}
		if labels != nil {
			s.labels = labels[from:to]
		}
		return s, nil
	}
	return selection{x: x, rows: len(idx), f: features, labels: labels, src: idx}, nil
}

// row returns selected row i.
func (s *selection) row(i int) []float32 {
	if s.src != nil {
		i = s.src[i]
	}
	return s.x[i*s.f : (i+1)*s.f]
}

func (s *selection) label(i int) int32 {
	if s.src != nil {
		i = s.src[i]
	}
	return s.labels[i]
}

// labelsFrom returns the labels of the selected rows from..end: a view
// when the selection is contiguous, else a copy; nil without labels.
func (s *selection) labelsFrom(from int) []int32 {
	if s.labels == nil {
		return nil
	}
	from = min(from, s.rows)
	if s.src == nil {
		return s.labels[from:s.rows]
	}
	out := make([]int32, s.rows-from)
	for k := range out {
		out[k] = s.labels[s.src[from+k]]
	}
	return out
}

func (s selection) scaled(sc *MinMaxScaler) selection {
	if sc != nil && len(sc.Scale) != s.f {
		panic(fmt.Sprintf("dataset: Scaled: the scaler has %d features, the examples %d", len(sc.Scale), s.f))
	}
	s.scale = sc
	return s
}

// Rows are the rows of a matrix as examples.
type Rows struct {
	sel selection
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
	return &Rows{sel: selection{x: x, rows: rows, f: features, labels: labels}}
}

// SelectRows wraps the rows idx (in that order) of a row-major matrix with
// features columns, and their labels (nil for unlabeled data), as examples
// without copying them: a fold's training or test rows read straight from
// the loaded frame. idx nil means every row. It returns an error for an
// index out of range or lengths that disagree.
func SelectRows(x []float32, features int, labels []int32, idx []int) (*Rows, error) {
	sel, err := newSelection(x, features, labels, idx, "SelectRows")
	if err != nil {
		return nil, err
	}
	return &Rows{sel: sel}, nil
}

// Scaled returns the same rows read through s: Gather writes the scaled
// values (Transform's arithmetic, so they equal a matrix scaled in place)
// and the matrix itself stays raw, so that every fold scales the one
// loaded copy its own way. It panics if s has another number of features.
func (r *Rows) Scaled(s *MinMaxScaler) *Rows { return &Rows{sel: r.sel.scaled(s)} }

// Len returns the number of rows.
func (r *Rows) Len() int { return r.sel.rows }

// Shape returns [features].
func (r *Rows) Shape() []int { return []int{r.sel.f} }

// Labels returns the label of every row, in order (a view of the matrix's
// labels for a contiguous selection, else a copy); nil for unlabeled data.
func (r *Rows) Labels() []int32 { return r.sel.labelsFrom(0) }

// Gather copies rows idx into x and their labels into y.
func (r *Rows) Gather(idx []int, x []float32, y []int32) {
	s := &r.sel
	f := s.f
	_ = x[:len(idx)*f]
	for k, i := range idx {
		if i < 0 || i >= s.rows {
			panic(fmt.Sprintf("dataset: Rows.Gather: row %d out of range [0,%d)", i, s.rows))
		}
		copy(x[k*f:(k+1)*f], s.row(i))
	}
	if s.scale != nil {
		s.scale.transformRows(x[:len(idx)*f], len(idx))
	}
	if y != nil && s.labels != nil {
		_ = y[:len(idx)]
		for k, i := range idx {
			y[k] = s.label(i)
		}
	}
}

// Windows are the sliding windows of length L, stride 1, over the rows of a
// matrix: window i holds rows i … i+L−1 and has the label of its last row,
// i+L−1. There are N−L+1 windows (none when N < L). This is what the seed
// got from keras.utils.timeseries_dataset_from_array(data,
// targets=labels[L-1:], sequence_length=L, sequence_stride=1): the first L−1
// rows of every split get no prediction. Windows are views; Gather copies,
// so N rows in windows of 3 take the memory of the N rows, not 3N. Build
// them separately for each split so that none spans a fold boundary.
type Windows struct {
	sel    selection
	length int
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
	return &Windows{sel: selection{x: x, rows: rows, f: features, labels: labels}, length: length}, nil
}

// SelectWindows is NewWindows over the rows idx of a row-major matrix with
// features columns, taken in that order as consecutive rows (a fold's rows
// of the loaded frame), without copying them. idx nil means every row.
func SelectWindows(x []float32, features int, labels []int32, idx []int, length int) (*Windows, error) {
	if length < 1 {
		return nil, fmt.Errorf("dataset: window length %d, want at least 1", length)
	}
	sel, err := newSelection(x, features, labels, idx, "SelectWindows")
	if err != nil {
		return nil, err
	}
	return &Windows{sel: sel, length: length}, nil
}

// Scaled returns the same windows read through s (see Rows.Scaled).
func (w *Windows) Scaled(s *MinMaxScaler) *Windows {
	return &Windows{sel: w.sel.scaled(s), length: w.length}
}

// Len returns N−L+1, or 0 when there are fewer rows than the length.
func (w *Windows) Len() int { return max(0, w.sel.rows-w.length+1) }

// Shape returns [L, F].
func (w *Windows) Shape() []int { return []int{w.length, w.sel.f} }

// Labels returns the label of every window (the rows' labels from L−1 on;
// a view for a contiguous selection, else a copy); nil for unlabeled data.
func (w *Windows) Labels() []int32 { return w.sel.labelsFrom(w.length - 1) }

// Gather copies windows idx into x (len(idx)·L·F values) and their labels
// (the label of each window's last row) into y.
func (w *Windows) Gather(idx []int, x []float32, y []int32) {
	s := &w.sel
	f := s.f
	n := w.length * f
	_ = x[:len(idx)*n]
	for k, i := range idx {
		if i < 0 || i >= w.Len() {
			panic(fmt.Sprintf("dataset: Windows.Gather: window %d out of range [0,%d)", i, w.Len()))
		}
		if s.src == nil {
			copy(x[k*n:(k+1)*n], s.x[i*f:i*f+n])
			continue
		}
		for j := 0; j < w.length; j++ {
			copy(x[k*n+j*f:k*n+(j+1)*f], s.row(i+j))
		}
	}
	if s.scale != nil {
		s.scale.transformRows(x[:len(idx)*n], len(idx)*w.length)
	}
	if y != nil && s.labels != nil {
		_ = y[:len(idx)]
		for k, i := range idx {
			y[k] = s.label(i + w.length - 1)
		}
	}
}

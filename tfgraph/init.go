package tfgraph

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Initializer computes a variable's initial value (row-major) from its
// shape, drawing from rng. The formulas are Keras' (keras/src/initializers);
// the random streams are tfnids' own, so only the distributions match Keras.
type Initializer func(rng *rand.Rand, shape []int64) []float32

func numel(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// Zeros fills with 0.
func Zeros(_ *rand.Rand, shape []int64) []float32 { return make([]float32, numel(shape)) }

// Ones fills with 1.
func Ones(_ *rand.Rand, shape []int64) []float32 { return Constant(1)(nil, shape) }

// Constant fills with c.
func Constant(c float32) Initializer {
	return func(_ *rand.Rand, shape []int64) []float32 {
		out := make([]float32, numel(shape))
		for i := range out {
			out[i] = c
		}
		return out
	}
}

// Fans returns Keras' fan_in and fan_out for a kernel shape: (in, out) for a
// matrix, (k..., in, out) scaled by the receptive field for convolutions.
func Fans(shape []int64) (fanIn, fanOut float64) {
	switch len(shape) {
	case 0:
		return 1, 1
	case 1:
		return float64(shape[0]), float64(shape[0])
	case 2:
		return float64(shape[0]), float64(shape[1])
	}
	receptive := 1.0
	for _, d := range shape[:len(shape)-2] {
		receptive *= float64(d)
	}
	return float64(shape[len(shape)-2]) * receptive, float64(shape[len(shape)-1]) * receptive
}

// GlorotUniform draws from U(-L, L), L = sqrt(6 / (fan_in + fan_out)): Keras'
// default kernel initializer.
func GlorotUniform(rng *rand.Rand, shape []int64) []float32 {
	in, out := Fans(shape)
	limit := math.Sqrt(6 / (in + out))
	v := make([]float32, numel(shape))
	for i := range v {
		v[i] = float32((2*rng.Float64() - 1) * limit)
	}
	return v
}

// Orthogonal returns a (semi-)orthogonal matrix with gain 1, as Keras'
// Orthogonal initializer (recurrent kernels): QR of a normal matrix, columns
// sign-corrected by diag(R), transposed when rows < cols.
func Orthogonal(rng *rand.Rand, shape []int64) []float32 {
	if len(shape) < 2 {
		return GlorotUniform(rng, shape)
	}
	rows := 1
	for _, d := range shape[:len(shape)-1] {
		rows *= int(d)
	}
	cols := int(shape[len(shape)-1])
	m, n := max(rows, cols), min(rows, cols)
	a := mat.NewDense(m, n, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	var q, r mat.Dense
	qr.QTo(&q)
	qr.RTo(&r)
	out := make([]float32, rows*cols)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			v := q.At(i, j)
			if r.At(j, j) < 0 {
				v = -v
			}
			if rows >= cols { // q is (rows, cols)
				out[i*cols+j] = float32(v)
			} else { // transpose: q is (cols, rows)
				out[j*cols+i] = float32(v)
			}
		}
	}
	return out
}

// FromValues returns an initializer that copies fixed values (weights loaded
// from elsewhere, e.g. a Keras model in the parity tests).
func FromValues(v []float32) Initializer {
	return func(_ *rand.Rand, shape []int64) []float32 {
		if len(v) != numel(shape) {
			panic("tfgraph: FromValues: value count does not match the variable's shape")
		}
		return append([]float32(nil), v...)
	}
}

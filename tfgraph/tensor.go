package tfgraph

// #include <stdlib.h>
// #include "tensorflow/c/c_api.h"
import "C"

import (
	"bytes"
	"fmt"
	"runtime"
	"unsafe"

	tf "github.com/wamuir/graft/tensorflow"
)

// cTensor returns the TF_Tensor behind a graft Tensor. graft v0.10.0 keeps it
// as the struct's first field and offers no explicit free; reading it lets
// tfnids release C memory deterministically (TestFreeTensor guards the layout).
func cTensor(t *tf.Tensor) **C.TF_Tensor {
	return (**C.TF_Tensor)(unsafe.Pointer(t))
}

// FreeTensors releases the C memory of tensors now instead of at some later
// garbage collection. A freed tensor must not be used again; nil entries and
// tensors freed before are ignored.
func FreeTensors(ts ...*tf.Tensor) {
	for _, t := range ts {
		if t == nil {
			continue
		}
		p := cTensor(t)
		if *p == nil {
			continue
		}
		runtime.SetFinalizer(t, nil)
		C.TF_DeleteTensor(*p)
		*p = nil
	}
}

// tensorBytes is a view of a tensor's C buffer.
func tensorBytes(t *tf.Tensor) []byte {
	c := *cTensor(t)
	if c == nil {
		return nil
	}
	n := int(C.TF_TensorByteSize(c))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(C.TF_TensorData(c)), n)
}

// Float32s copies a float32 tensor's contents into a flat slice (row-major).
func Float32s(t *tf.Tensor) ([]float32, error) {
	if t.DataType() != tf.Float {
		return nil, fmt.Errorf("tfgraph: tensor is %v, want float32", t.DataType())
	}
	b := tensorBytes(t)
	out := make([]float32, len(b)/4)
	if len(out) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), len(b)), b)
	}
	return out, nil
}

// Int64s copies an int64 tensor's contents into a flat slice.
func Int64s(t *tf.Tensor) ([]int64, error) {
	if t.DataType() != tf.Int64 {
		return nil, fmt.Errorf("tfgraph: tensor is %v, want int64", t.DataType())
	}
	b := tensorBytes(t)
	out := make([]int64, len(b)/8)
	if len(out) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), len(b)), b)
	}
	return out, nil
}

// Scalar32 reads a float32 scalar tensor.
func Scalar32(t *tf.Tensor) (float32, error) {
	v, err := Float32s(t)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("tfgraph: tensor has %d elements, want a scalar", len(v))
	}
	return v[0], nil
}

func checkShape(n int, shape []int64) error {
	want := int64(1)
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("tfgraph: negative dimension in shape %v", shape)
		}
		want *= d
	}
	if int64(n) != want {
		return fmt.Errorf("tfgraph: %d values do not fill shape %v", n, shape)
	}
	return nil
}

// NewFloat32 makes a float32 tensor of the given shape from flat row-major
// data with a single copy (graft's NewTensor walks nested slices by
// reflection).
func NewFloat32(data []float32, shape ...int64) (*tf.Tensor, error) {
	if err := checkShape(len(data), shape); err != nil {
		return nil, err
	}
	var raw []byte
	if len(data) > 0 {
		raw = unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*4)
	}
	return tf.ReadTensor(tf.Float, shape, bytes.NewReader(raw))
}

// NewInt32 makes an int32 tensor of the given shape from flat data.
func NewInt32(data []int32, shape ...int64) (*tf.Tensor, error) {
	if err := checkShape(len(data), shape); err != nil {
		return nil, err
	}
	var raw []byte
	if len(data) > 0 {
		raw = unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*4)
	}
	return tf.ReadTensor(tf.Int32, shape, bytes.NewReader(raw))
}

// unfilled is a reader that claims to fill p without writing to it: with
// tf.ReadTensor it allocates a tensor without copying anything into it.
type unfilled struct{}

func (unfilled) Read(p []byte) (int, error) { return len(p), nil }

// AllocTensor allocates a tensor of dtype dt and shape without
// initializing it, and returns it with a writable view of its buffer. The
// caller must fill every byte before the tensor is used; the view is valid
// until the tensor is freed. dt must be a fixed-size numeric type.
func AllocTensor(dt tf.DataType, shape []int64) (*tf.Tensor, []byte, error) {
	t, err := tf.ReadTensor(dt, shape, unfilled{})
	if err != nil {
		return nil, nil, err
	}
	return t, tensorBytes(t), nil
}

// TensorBytes is a view of a numeric tensor's buffer (row-major), valid
// until the tensor is freed.
func TensorBytes(t *tf.Tensor) []byte { return tensorBytes(t) }

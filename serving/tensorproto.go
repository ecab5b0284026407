package serving

import (
	"encoding/binary"
	"math"
	"sort"
	"strings"
	"unsafe"

	tf "github.com/wamuir/graft/tensorflow"
	tensorpb "github.com/wamuir/graft/tensorflow/core/framework/tensor_go_proto"
	shapepb "github.com/wamuir/graft/tensorflow/core/framework/tensor_shape_go_proto"
	typespb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	"google.golang.org/grpc/codes"

	"github.com/tfnids/tfnids/tfgraph"
)

// This file converts between TensorProto (the gRPC API's tensors) and
// TensorFlow tensors, for the dtypes tfnids models use.

// elemSize is the byte size of one element of a supported dtype.
func elemSize(dt tf.DataType) int {
	switch dt {
	case tf.Float, tf.Int32:
		return 4
	case tf.Double, tf.Int64:
		return 8
	case tf.Bool:
		return 1
	}
	return 0
}

// tensorFromProto makes the tensor for input in from a request's
// TensorProto: dtype and shape must fit the signature; the values come
// from tensor_content or the typed *_val field (fewer values than
// elements repeat the last one, as TensorFlow's Tensor::FromProto does).
func tensorFromProto(tp *tensorpb.TensorProto, in tfgraph.TensorSpec) (*tf.Tensor, error) {
	dt := tf.DataType(tp.GetDtype())
	if tp.GetTensorShape().GetUnknownRank() {
		return nil, badRequest("input %q: tensor_shape has unknown rank; send the full shape", in.Key)
	}
	shape := make([]int64, len(tp.GetTensorShape().GetDim()))
	n := int64(1)
	for i, d := range tp.GetTensorShape().GetDim() {
		if d.GetSize() < 0 {
			return nil, badRequest("input %q: tensor_shape dimension %d is %d; dimensions must be >= 0", in.Key, i, d.GetSize())
		}
		shape[i] = d.GetSize()
		n *= d.GetSize()
		if n > math.MaxInt32*8 {
			return nil, badRequest("input %q: tensor_shape %v is too large", in.Key, shape)
		}
	}
	if err := in.Check(dt, shape); err != nil {
		return nil, badRequest("%v", err)
	}
	size := elemSize(dt)
	if size == 0 {
		return nil, badRequest("input %q has dtype %s, which tfnids serve does not decode", in.Key, tfgraph.DTypeName(dt))
	}
	t, buf, err := tfgraph.AllocTensor(dt, shape)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*tf.Tensor, error) {
		tfgraph.FreeTensors(t)
		return nil, err
	}
	if c := tp.GetTensorContent(); len(c) > 0 {
		if int64(len(c)) != n*int64(size) {
			return fail(badRequest("input %q: tensor_content has %d bytes, shape %v of %s needs %d",
				in.Key, len(c), shape, tfgraph.DTypeName(dt), n*int64(size)))
		}
		copy(buf, c)
		return t, nil
	}
	var count int
	put := func(i int, at int) {} // set below per dtype
	switch dt {
	case tf.Float:
		v := tp.GetFloatVal()
		count, put = len(v), func(i, at int) { binary.LittleEndian.PutUint32(buf[at:], math.Float32bits(v[i])) }
	case tf.Double:
		v := tp.GetDoubleVal()
		count, put = len(v), func(i, at int) { binary.LittleEndian.PutUint64(buf[at:], math.Float64bits(v[i])) }
	case tf.Int32:
		v := tp.GetIntVal()
		count, put = len(v), func(i, at int) { binary.LittleEndian.PutUint32(buf[at:], uint32(v[i])) }
	case tf.Int64:
		v := tp.GetInt64Val()
		count, put = len(v), func(i, at int) { binary.LittleEndian.PutUint64(buf[at:], uint64(v[i])) }
	case tf.Bool:
		v := tp.GetBoolVal()
		count, put = len(v), func(i, at int) {
			buf[at] = 0
			if v[i] {
				buf[at] = 1
			}
		}
	}
	if int64(count) > n {
		return fail(badRequest("input %q: %d values for shape %v (%d elements)", in.Key, count, shape, n))
	}
	if count == 0 {
		clear(buf)
		return t, nil
	}
	for i := int64(0); i < n; i++ {
		put(int(min(i, int64(count-1))), int(i)*size)
	}
	return t, nil
}

// tensorToProto encodes a tensor as TensorFlow's AsProtoField does (the
// typed *_val field), which TensorFlow Serving uses for responses.
func tensorToProto(t *tf.Tensor) (*tensorpb.TensorProto, error) { return viewToProto(viewOf(t)) }

// viewToProto is tensorToProto for a view.
func viewToProto(v tensorView) (*tensorpb.TensorProto, error) {
	tp := &tensorpb.TensorProto{Dtype: typespb.DataType(v.dtype), TensorShape: &shapepb.TensorShapeProto{}}
	dims := make([]shapepb.TensorShapeProto_Dim, len(v.shape))
	tp.TensorShape.Dim = make([]*shapepb.TensorShapeProto_Dim, len(v.shape))
	for i, d := range v.shape {
		dims[i].Size = d
		tp.TensorShape.Dim[i] = &dims[i]
	}
	b := v.data
	switch v.dtype {
	case tf.Float:
		tp.FloatVal = append([]float32(nil), viewAs[float32](b)...)
	case tf.Double:
		tp.DoubleVal = append([]float64(nil), viewAs[float64](b)...)
	case tf.Int32:
		tp.IntVal = append([]int32(nil), viewAs[int32](b)...)
	case tf.Int64:
		tp.Int64Val = append([]int64(nil), viewAs[int64](b)...)
	case tf.Bool:
		tp.BoolVal = make([]bool, len(b))
		for i, c := range b {
			tp.BoolVal[i] = c != 0
		}
	default:
		return nil, statusErr(codes.Unimplemented, "output dtype %s cannot be returned by tfnids serve", tfgraph.DTypeName(v.dtype))
	}
	return tp, nil
}

// viewAs reinterprets a tensor buffer (TensorFlow aligns them) as []T.
func viewAs[T any](b []byte) []T {
	var z T
	n := len(b) / int(unsafe.Sizeof(z))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}

// setString renders keys as TensorFlow Serving's messages do: {a,b}.
func setString(keys []string) string {
	sort.Strings(keys)
	return "{" + strings.Join(keys, ",") + "}"
}

package serving

import (
	"sort"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/tfgraph"
)

// tensorView is an output tensor read in place: data is a view of the C
// buffer of a session run's output (a row range of it, for a request in a
// batch), valid until the outputs holding it are released.
type tensorView struct {
	dtype tf.DataType
	shape []int64
	data  []byte
	// t is the whole tensor when the view is one (not a batch's rows),
	// for dtypes that are read by value rather than as bytes.
	t *tf.Tensor
}

// outputs are one request's output tensors by key.
type outputs struct {
	views   map[string]tensorView
	release func() // frees the run's tensors once no request needs them
}

// ownOutputs are the whole tensors of a run that served one request.
func ownOutputs(ts tfgraph.Tensors) *outputs {
	o := &outputs{views: make(map[string]tensorView, len(ts)), release: ts.Free}
	for k, t := range ts {
		o.views[k] = viewOf(t)
	}
	return o
}

// viewOf is the view of a whole tensor.
func viewOf(t *tf.Tensor) tensorView {
	v := tensorView{dtype: t.DataType(), shape: t.Shape(), t: t}
	if elemSize(v.dtype) > 0 {
		v.data = tfgraph.TensorBytes(t)
	}
	return v
}

// free releases the outputs; they must not be used after.
func (o *outputs) free() {
	if o != nil && o.release != nil {
		o.release()
		o.release = nil
	}
}

// keys returns the output keys, sorted.
func (o *outputs) keys() []string {
	ks := make([]string, 0, len(o.views))
	for k := range o.views {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

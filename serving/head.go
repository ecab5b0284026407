package serving

import (
	"errors"
	"fmt"
	"math"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/tfgraph"
)

// Head describes the ops AddHead puts around an inference
// graph so that clients send raw features and get class probabilities and
// class indices back.
type Head struct {
	// Input is the model's input placeholder, which expects scaled features:
	// float32 [-1, F] or [-1, L, F].
	Input tf.Output
	// Probabilities is the model's output: softmax probabilities [-1, C], or
	// a sigmoid [-1, 1] for a binary model.
	Probabilities tf.Output
	// Scale and Min are a fitted MinMaxScaler's scale_ and min_ (one value
	// per feature, the last axis of Input): the graph computes
	// x*Scale + Min in float64, as scikit-learn does. Nil: no scaling.
	Scale, Min []float64
	// InputKey is the signature's input key; "" means "x".
	InputKey string
}

// Output keys of the serving head's signature.
const (
	ProbabilitiesKey = "probabilities"
	ClassesKey       = "classes"
)

// AddHead adds to b a raw-feature input placeholder (same shape as
// h.Input), the MinMax scaling as ops, and the outputs "probabilities"
// (float32 [-1, C]; a binary sigmoid p becomes [1-p, p]) and "classes"
// (int64 [-1]: the arg-max, p > 0.5 for binary). A row with a NaN or
// infinite feature, or whose probabilities come out NaN, gets NaN
// probabilities and class -1 ("cannot classify") rather than whatever the
// ops make of NaN. It returns a
// tfgraph.SavedModelSpec with the serving_default signature, the Replace that feeds
// the scaled features to the model, and renames giving the tensors the
// names "x:0", "probabilities:0" and "classes:0" in the export (a model node
// already called so becomes "model/<name>"). Add assets
// and a variable source, then call b.WriteSavedModel. It lives here, not
// in tfgraph, because it is what a served export looks like, not how graphs
// are built.
func AddHead(b *tfgraph.Builder, h Head) (tfgraph.SavedModelSpec, error) {
	if err := b.Err(); err != nil {
		return tfgraph.SavedModelSpec{}, err
	}
	if h.Input.Op == nil || h.Probabilities.Op == nil {
		return tfgraph.SavedModelSpec{}, errors.New("serving head: Input and Probabilities are required")
	}
	if h.Input.DataType() != tf.Float || h.Probabilities.DataType() != tf.Float {
		return tfgraph.SavedModelSpec{}, fmt.Errorf("serving head: input and probabilities must be float32 (got %v and %v)",
			h.Input.DataType(), h.Probabilities.DataType())
	}
	inShape, err := h.Input.Shape().ToSlice()
	if err != nil || len(inShape) < 2 || inShape[len(inShape)-1] <= 0 {
		return tfgraph.SavedModelSpec{}, fmt.Errorf("serving head: input shape %v: want [-1, F] or [-1, L, F] with F known", h.Input.Shape())
	}
	nf := int(inShape[len(inShape)-1])
	if h.Scale != nil || h.Min != nil {
		if len(h.Scale) != nf || len(h.Min) != nf {
			return tfgraph.SavedModelSpec{}, fmt.Errorf("serving head: the model has %d features, the scaler %d scales and %d mins",
				nf, len(h.Scale), len(h.Min))
		}
	}
	pShape, err := h.Probabilities.Shape().ToSlice()
	if err != nil || len(pShape) != 2 {
		return tfgraph.SavedModelSpec{}, fmt.Errorf("serving head: probabilities shape %v: want [-1, C]", h.Probabilities.Shape())
	}
	key := h.InputKey
	if key == "" {
		key = "x"
	}

	s := b.Root.SubScope("serving")
	rawOp := s.AddOperation(tf.OpSpec{Type: "Placeholder", Name: "x",
		Attrs: map[string]any{"dtype": tf.Float, "shape": tf.MakeShape(inShape...)}})
	if rawOp == nil {
		return tfgraph.SavedModelSpec{}, b.Err()
	}
	raw := rawOp.Output(0)
	scaled := raw
	if h.Scale != nil {
		m := s.SubScope("minmax")
		x64 := op.Cast(m.SubScope("to_double"), raw, tf.Double)
		y := op.AddV2(m.SubScope("add"), op.Mul(m.SubScope("mul"), x64, op.Const(m.SubScope("scale"), h.Scale)),
			op.Const(m.SubScope("min"), h.Min))
		scaled = op.Cast(m.SubScope("to_float"), y, tf.Float)
	}
	c := s.SubScope("head")
	one := op.Const(c.SubScope("one"), int32(1))
	var probs, cls tf.Output
	if pShape[1] == 1 {
		p := h.Probabilities
		probs = op.ConcatV2(c.SubScope("both"), []tf.Output{op.Sub(c.SubScope("complement"),
			op.Const(c.SubScope("unit"), float32(1)), p), p}, one)
		pos := op.Greater(c.SubScope("threshold"), op.Squeeze(c.SubScope("squeeze"), p, op.SqueezeAxis([]int64{1})),
			op.Const(c.SubScope("half"), float32(0.5)))
		cls = op.Cast(c.SubScope("to_int64"), pos, tf.Int64)
	} else {
		probs = h.Probabilities
		cls = op.ArgMax(c.SubScope("argmax"), probs, one, op.ArgMaxOutputType(tf.Int64))
	}
	// A row with a non-finite feature, or whose probabilities came out NaN,
	// gets NaN probabilities and class -1: whether NaN survives a model is
	// op-dependent (Relu maps it to 0), and arg-max of NaNs would be class 0.
	axes := make([]int32, len(inShape)-1)
	for i := range axes {
		axes[i] = int32(i + 1)
	}
	finite := op.All(c.SubScope("row_finite"), op.IsFinite(c.SubScope("is_finite"), raw), op.Const(c.SubScope("feature_axes"), axes))
	nanOut := op.Any(c.SubScope("any_nan"), op.IsNan(c.SubScope("is_nan"), probs), one)
	bad := op.LogicalOr(c.SubScope("bad_row"), op.LogicalNot(c.SubScope("not_finite"), finite), nanOut)
	probsSel := c.AddOperation(tf.OpSpec{Type: "SelectV2", Name: "nan_probabilities",
		Input: []tf.Input{op.ExpandDims(c.SubScope("bad_col"), bad, op.Const(c.SubScope("last"), int32(-1))),
			op.Const(c.SubScope("nan"), float32(math.NaN())), probs}})
	sel := c.AddOperation(tf.OpSpec{Type: "SelectV2", Name: "minus_one_class",
		Input: []tf.Input{bad, op.Const(c.SubScope("minus_one"), int64(-1)), cls}})
	if probsSel == nil || sel == nil {
		return tfgraph.SavedModelSpec{}, b.Err()
	}
	probs = probsSel.Output(0)
	probsOp := s.AddOperation(tf.OpSpec{Type: "Identity", Name: ProbabilitiesKey, Input: []tf.Input{probs}})
	if probsOp == nil {
		return tfgraph.SavedModelSpec{}, b.Err()
	}
	clsOp := s.AddOperation(tf.OpSpec{Type: "Identity", Name: ClassesKey, Input: []tf.Input{sel.Output(0)}})
	if clsOp == nil {
		return tfgraph.SavedModelSpec{}, b.Err()
	}
	if err := b.Err(); err != nil {
		return tfgraph.SavedModelSpec{}, err
	}
	rename := map[string]string{rawOp.Name(): key, probsOp.Name(): ProbabilitiesKey, clsOp.Name(): ClassesKey}
	for _, name := range []string{key, ProbabilitiesKey, ClassesKey} {
		if b.Graph.Operation(name) != nil { // e.g. the model's own "probabilities"
			rename[name] = "model/" + name
		}
	}
	spec := tfgraph.SavedModelSpec{
		Signatures: map[string]tfgraph.SignatureSpec{tfgraph.DefaultSignatureKey: {
			Inputs:     map[string]tf.Output{key: raw},
			Outputs:    map[string]tf.Output{ProbabilitiesKey: probsOp.Output(0), ClassesKey: clsOp.Output(0)},
			MethodName: tfgraph.PredictMethodName,
		}},
		Replace: map[tf.Output]tf.Output{h.Input: scaled},
		Rename:  rename,
	}
	return spec, nil
}

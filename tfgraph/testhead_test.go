package tfgraph

import (
	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"
)

// Output keys of testHead's signature (the real head's, in package serving).
const (
	ProbabilitiesKey = "probabilities"
	ClassesKey       = "classes"
)

// testHead gives the SavedModel tests a serving_default signature on raw
// features without importing package serving (which imports tfgraph): a
// "x" placeholder, MinMax scaling in float64, "probabilities" (a sigmoid p
// as [1-p, p]) and "classes" (arg-max, or p > 0.5). It leaves out the real
// head's NaN handling, which serving's tests cover; what these tests check
// is the writer, the reader and the Predictor.
func testHead(b *Builder, in, probs tf.Output, scale, min []float64) (SavedModelSpec, error) {
	inShape, err := in.Shape().ToSlice()
	if err != nil {
		return SavedModelSpec{}, err
	}
	pShape, err := probs.Shape().ToSlice()
	if err != nil {
		return SavedModelSpec{}, err
	}
	s := b.Root.SubScope("serving")
	rawOp := s.AddOperation(tf.OpSpec{Type: "Placeholder", Name: "x",
		Attrs: map[string]any{"dtype": tf.Float, "shape": tf.MakeShape(inShape...)}})
	if rawOp == nil {
		return SavedModelSpec{}, b.Err()
	}
	raw := rawOp.Output(0)
	x64 := op.Cast(s.SubScope("to_double"), raw, tf.Double)
	scaled := op.Cast(s.SubScope("to_float"), op.AddV2(s.SubScope("add"),
		op.Mul(s.SubScope("mul"), x64, op.Const(s.SubScope("scale"), scale)), op.Const(s.SubScope("min"), min)), tf.Float)
	one := op.Const(s.SubScope("one"), int32(1))
	var p, cls tf.Output
	if pShape[1] == 1 {
		p = op.ConcatV2(s.SubScope("both"), []tf.Output{op.Sub(s.SubScope("complement"),
			op.Const(s.SubScope("unit"), float32(1)), probs), probs}, one)
		cls = op.Cast(s.SubScope("to_int64"), op.Greater(s.SubScope("threshold"),
			op.Squeeze(s.SubScope("squeeze"), probs, op.SqueezeAxis([]int64{1})), op.Const(s.SubScope("half"), float32(0.5))), tf.Int64)
	} else {
		p = probs
		cls = op.ArgMax(s.SubScope("argmax"), probs, one, op.ArgMaxOutputType(tf.Int64))
	}
	pOp := s.AddOperation(tf.OpSpec{Type: "Identity", Name: ProbabilitiesKey, Input: []tf.Input{p}})
	cOp := s.AddOperation(tf.OpSpec{Type: "Identity", Name: ClassesKey, Input: []tf.Input{cls}})
	if err := b.Err(); err != nil {
		return SavedModelSpec{}, err
	}
	rename := map[string]string{rawOp.Name(): "x", pOp.Name(): ProbabilitiesKey, cOp.Name(): ClassesKey}
	for _, name := range []string{"x", ProbabilitiesKey, ClassesKey} {
		if b.Graph.Operation(name) != nil { // the model's own placeholder "x"
			rename[name] = "model/" + name
		}
	}
	return SavedModelSpec{
		Signatures: map[string]SignatureSpec{DefaultSignatureKey: {
			Inputs:     map[string]tf.Output{"x": raw},
			Outputs:    map[string]tf.Output{ProbabilitiesKey: pOp.Output(0), ClassesKey: cOp.Output(0)},
			MethodName: PredictMethodName,
		}},
		Replace: map[tf.Output]tf.Output{in: scaled},
		Rename:  rename,
	}, nil
}

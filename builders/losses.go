package builders

import (
	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"
)

// SparseCategoricalCrossentropy is Keras' sparse_categorical_crossentropy
// for a softmax head, from the head's logits (batch, classes) and int32
// labels (batch): the batch mean of −log softmax(logits)[label]. Keras takes
// the same logits path when the prediction comes out of a softmax (the
// _keras_logits shortcut in keras/src/backend/tensorflow/nn.py), so the
// value equals Keras' and no probability clipping is involved. It is built
// from OneHot and SoftmaxCrossEntropyWithLogits, which have C++ gradients
// (SparseSoftmaxCrossEntropyWithLogits has none).
func SparseCategoricalCrossentropy(s *op.Scope, logits, labels tf.Output, classes int) tf.Output {
	s = s.SubScope("sparse_categorical_crossentropy")
	onehot := op.OneHot(s.SubScope("OneHot"), labels, op.Const(s.SubScope("depth"), int32(classes)),
		op.Const(s.SubScope("on"), float32(1)), op.Const(s.SubScope("off"), float32(0)))
	ce, _ := op.SoftmaxCrossEntropyWithLogits(s.SubScope("SoftmaxCrossEntropyWithLogits"), logits, onehot)
	return op.Mean(s.SubScope("Mean"), ce, op.Const(s.SubScope("axis"), []int32{0}))
}

// BinaryCrossentropy is Keras' binary_crossentropy for a Dense(1, sigmoid)
// head, from the head's logits (batch, 1) and int32 0/1 labels (batch), in
// the stable form of tf.nn.sigmoid_cross_entropy_with_logits (which Keras
// uses for sigmoid outputs): max(x, 0) − x·y + log1p(exp(−|x|)), averaged
// over the last axis and then over the batch.
func BinaryCrossentropy(s *op.Scope, logits, labels tf.Output) tf.Output {
	s = s.SubScope("binary_crossentropy")
	y := op.Reshape(s.SubScope("Reshape"), op.Cast(s.SubScope("Cast"), labels, tf.Float), op.Const(s.SubScope("shape"), []int32{-1, 1}))
	relu := op.Relu(s.SubScope("Relu"), logits)
	xy := op.Mul(s.SubScope("Mul"), logits, y)
	softplus := op.Log1p(s.SubScope("Log1p"), op.Exp(s.SubScope("Exp"), op.Neg(s.SubScope("Neg"), op.Abs(s.SubScope("Abs"), logits))))
	per := op.AddV2(s.SubScope("AddV2"), op.Sub(s.SubScope("Sub"), relu, xy), softplus)
	perSample := op.Mean(s.SubScope("mean_last_axis"), per, op.Const(s.SubScope("axis"), []int32{-1}))
	return op.Mean(s.SubScope("Mean"), perSample, op.Const(s.SubScope("axis"), []int32{0}))
}

// sparseAccuracy is Keras' sparse_categorical_accuracy averaged over the
// batch: argmax(probs) == label, read off the logits: softmax keeps their
// order, and a training step then needs no Softmax kernel at all (the loss
// works on the logits too).
func sparseAccuracy(s *op.Scope, logits, labels tf.Output) tf.Output {
	s = s.SubScope("accuracy")
	pred := op.ArgMax(s.SubScope("ArgMax"), logits, op.Const(s.SubScope("axis"), int32(-1)), op.ArgMaxOutputType(tf.Int32))
	hit := op.Cast(s.SubScope("Cast"), op.Equal(s.SubScope("Equal"), pred, labels), tf.Float)
	return op.Mean(s.SubScope("Mean"), hit, op.Const(s.SubScope("axis"), []int32{0}))
}

// binaryAccuracy is Keras' binary_accuracy: (p > 0.5) == label.
func binaryAccuracy(s *op.Scope, probs, labels tf.Output) tf.Output {
	s = s.SubScope("accuracy")
	pred := op.Cast(s.SubScope("Cast"), op.Greater(s.SubScope("Greater"), probs, op.Const(s.SubScope("threshold"), float32(0.5))), tf.Int32)
	pred = op.Reshape(s.SubScope("Reshape"), pred, op.Const(s.SubScope("shape"), []int32{-1}))
	hit := op.Cast(s.SubScope("Cast"), op.Equal(s.SubScope("Equal"), pred, labels), tf.Float)
	return op.Mean(s.SubScope("Mean"), hit, op.Const(s.SubScope("axis"), []int32{0}))
}

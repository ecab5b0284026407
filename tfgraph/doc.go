// Package tfgraph is tfnids' thin core over the TensorFlow C API (through
// github.com/wamuir/graft): graph building with Keras-style variable names,
// seeded Keras initializers, resource variables, gradients from
// Graph.AddGradients, Adam on TensorFlow's own ResourceApplyAdam kernel,
// sessions configured from a ConfigProto with device selection, tensors that
// are freed explicitly, and checkpoints written with SaveV2 that Python's
// tf.train.load_checkpoint reads.
//
// A model is built by a Builder. Variables live once in the graph; each
// forward application of the model is a Pass (one for training with dropout
// and batch statistics, one for inference), and every pass reads the same
// variables, so one Session trains and predicts without copying weights.
//
//	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{Seed: 1})
//	x := b.Placeholder("x", tf.Float, -1, 37)
//	train := b.NewPass("train", true)
//	... layers read variables through train.Var(...)
//	step, err := tfgraph.Adam{}.Minimize(b, train, loss)
//
// C memory (sessions, tensors) is released explicitly with Close and
// FreeTensors rather than left to Go finalizers, whose timing the Go garbage
// collector cannot see.
package tfgraph

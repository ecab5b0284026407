// Package builders holds Keras-equivalent layers and losses, and builds any
// model spec (package spec) as a TensorFlow graph through tfgraph, trained
// with Fit as Keras' fit() would train it. The built-in models (the seed
// notebook's cnn, lstm and gru, a small dense model, and the CNN-LSTM of
// mtermos/FL-GDLC) are specs like any other.
//
// # Models
//
// Config names a built-in (Config{Model: "cnn"}) or carries a spec
// (Config{Spec: s}): layers read from a model file (spec.ParseFile: tfnids'
// YAML/JSON or Keras' model.to_json()), or a stack of layer values made in
// Go with Sequential. Features and classes come from the Config unless the
// spec fixes them; the output head, Dense(classes, softmax) or Dense(1,
// sigmoid) in binary mode, follows the last layer. Layer names are Keras'
// automatic names ("dense", "dense_1", ...) unless the spec gives them, and
// become the variable names ("dense/kernel"), so a checkpoint, a model card
// and an export agree. A stack whose shapes do not chain is a *ShapeError
// naming the layer, the shape it gets and the layer that makes it.
//
// # Layers
//
// A layer is a value describing its configuration (Dense{Units: 100,
// Activation: Relu}); Apply adds it to a forward pass. Layers follow the op
// package's Scope idea: every op gets its own sub-scope of the pass's scope,
// a failure is recorded on the tfgraph.Builder (the first error sticks, every
// later op becomes a no-op) and the caller checks Builder.Err once at the
// end. Shapes are tracked in Go without the batch dimension, so variable
// shapes, summaries and parameter counts are known before any graph exists.
//
// Each layer reproduces the math of its Keras 3 counterpart (read from
// keras/src/layers in Keras 3.8) with ops that have C++ gradients, so
// Graph.AddGradients differentiates every model:
//
//   - Conv1D and MaxPooling1D are ExpandDims → Conv2D/MaxPool → Squeeze, as
//     tf.nn.conv1d does;
//   - BatchNormalization is built from Mean, SquaredDifference(x,
//     StopGradient(mean)) and Rsqrt (biased batch variance, as tf.nn.moments),
//     not FusedBatchNormV3, whose batch variance is Bessel-corrected;
//   - Dropout draws a StatelessRandomUniform mask seeded by the pass's step
//     seed and wraps it in StopGradient, so no gradient is ever asked of a
//     random op;
//   - LSTM and GRU are unrolled statically over the window length (a Go loop
//     emits one cell per time step), because the C API has no usable
//     gradient for while loops. Windows are short (3 in the seed), so the
//     graph stays small.
//
// # Training and inference
//
// A Model holds one graph with two forward passes over the same variables:
// "train" (dropout on, batch-norm batch statistics and moving-average
// updates) and "infer" (dropout off, moving statistics). The Adam step, the
// loss and the training accuracy hang off the train pass; Probs, Predict and
// Evaluate use the infer pass. One Session therefore trains and predicts
// without copying weights. BuildInference makes an inference-only graph with
// the same variable names, for SavedModel export.
//
//	s, err := builders.Sequential("conv_gru",
//		builders.Conv1D{Filters: 32, KernelSize: 3, Activation: builders.Relu},
//		builders.MaxPooling1D{},
//		builders.GRU{Units: 32},
//	)
//	m, err := builders.Build(builders.Config{Spec: s, Features: 37, Classes: 10, Seed: 1})
//	if err != nil { ... }
//	if err := m.Open(tfgraph.SessionConfig{}); err != nil { ... }
//	defer m.Close()
//	hist, err := m.Fit(train, builders.FitOptions{Epochs: 30, BatchSize: 256, Shuffle: true, Patience: 10})
//	probs, classes, err := m.Predict(test, 256)
package builders

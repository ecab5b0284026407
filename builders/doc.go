// Package builders holds Keras-equivalent layers, losses and the seed
// notebook's models (cnn, lstm, gru, plus a small dense model), built as
// TensorFlow graphs through tfgraph and trained with Fit, as Keras' fit()
// would train them.
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
//	m, err := builders.Build(builders.Config{Model: "cnn", Features: 37, Classes: 10, Seed: 1})
//	if err != nil { ... }
//	if err := m.Open(tfgraph.SessionConfig{}); err != nil { ... }
//	defer m.Close()
//	hist, err := m.Fit(train, builders.FitOptions{Epochs: 30, BatchSize: 256, Shuffle: true, Patience: 10})
//	probs, classes, err := m.Predict(test, 256)
package builders

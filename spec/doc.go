// Package spec holds tfnids' model specification and epoch record: the one
// description of a network that builders builds, the model card stores,
// experiment trains and report prints.
//
// A Model is an ordered stack of Layers, each a Keras class name ("Conv1D",
// "LSTM") with arguments under Keras' own names and defaults (units,
// kernel_size, return_sequences, kernel_regularizer, ...), plus the input
// (features per row, and a window length for models that read windows of
// consecutive rows) and the output head (classes, binary). The head, a
// Dense(classes, softmax) or Dense(1, sigmoid), is not one of Layers: it
// follows from the data's class count, so one spec trains on any dataset.
//
// Specs come from three places: the built-in models (Builtin: the seed's
// cnn, lstm, gru, the dense model and the CNN-LSTM of mtermos/FL-GDLC),
// tfnids' own small YAML/JSON files (Parse), and the JSON Keras writes with
// model.to_json() (ParseKeras; Parse recognizes it too). Every layer and
// argument is checked against the table of supported classes (Classes): an
// unknown class or argument, or a value of the wrong type, is an *Error that
// names the layer, the argument and what is supported — never a silently
// different model.
//
// EpochStats is the per-epoch training record that builders.Fit produces,
// experiment checkpoints and report writes.
//
// The package is pure Go: it builds and tests without libtensorflow.
package spec

// Package modelcard defines the model card: the small JSON file
// ("model.json") that `tfnids train` writes next to a model's checkpoints so
// that `tfnids export` can rebuild the exact inference graph later, and that
// every SavedModel carries as an asset so `tfnids predict` and `tfnids serve`
// know how to read new data.
//
// A card records three things a checkpoint alone does not:
//
//   - the model configuration (Model: which network, features, classes,
//     window length, binary head), from which builders.BuildInference makes
//     a graph whose variable names match the checkpoint's keys;
//   - the dataset schema (dataset.Schema: profile, input columns in order,
//     feature names, class names, categories), so new CSV files are encoded
//     as the training data was;
//   - the MinMax scaler fitted on the training rows (dataset.MinMaxScaler),
//     which the export bakes into the graph so clients send raw features.
//
// Layout written by train (one card per fold directory):
//
//	<weights-dir>/<dataset>/<model-dir>/fold-<k>/model.json
//	<weights-dir>/<dataset>/<model-dir>/fold-<k>/weights-03-0.1234.index
//	<weights-dir>/<dataset>/<model-dir>/fold-<k>/weights-03-0.1234.data-00000-of-00001
//
// and inside an export, next to the class and feature name lists:
//
//	<base>/<model-name>/<version>/assets/tfnids_model.json
//	<base>/<model-name>/<version>/assets/class_names.txt
//	<base>/<model-name>/<version>/assets/feature_names.txt
//
// Writing a card from the training loop:
//
//	card := modelcard.New(modelcard.Model{Model: "cnn", Features: f.Features,
//		Classes: len(f.ClassNames), Seed: 42}, frame.Schema(), scaler)
//	card.Dataset, card.Fold = "cic_ids_2017", 1
//	if err := modelcard.Write(foldDir, card); err != nil { ... }
//
// The package is pure Go: it builds and tests without libtensorflow.
package modelcard

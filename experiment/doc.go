// Package experiment runs the seed notebook's protocol end to end: load and
// clean a flow dataset, split it into folds, and for every fold and model
// scale on the training rows, build, train with per-epoch checkpoints and
// early stopping, predict the test rows with the wall time measured,
// evaluate, and write the results file — resumably.
//
// It is the library behind `tfnids train`; the CLI only parses flags and
// shows progress.
package experiment

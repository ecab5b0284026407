package builders_test

import (
	"fmt"
	"os"
	"path/filepath"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/crossval"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
)

// The seed's GRU for 37 features and 10 classes, as Keras' model.summary()
// prints it (totals from seed-pipeline.md section 5.3).
func ExampleSummary() {
	s, err := builders.Summary(builders.Config{Model: "gru", Features: 37, Classes: 10})
	if err != nil {
		panic(err)
	}
	fmt.Print(s)
	// Output:
	// Model: "gru sl-3 mc  layers-80"
	// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
	// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
	// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
	// │ gru (GRU)                       │ (None, 80)             │        28,560 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ dropout (Dropout)               │ (None, 80)             │             0 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ dense (Dense)                   │ (None, 100)            │         8,100 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ dense_1 (Dense)                 │ (None, 10)             │         1,010 │
	// └─────────────────────────────────┴────────────────────────┴───────────────┘
	//  Total params: 37,670 (147.15 KB)
	//  Trainable params: 37,670 (147.15 KB)
	//  Non-trainable params: 0 (0.00 B)
}

// A custom stack end to end: build a Conv1D → GRU network from layer
// values, train it on a CSV with a stratified split, evaluate it, save a
// checkpoint, export a SavedModel with its model card, load the export and
// predict.
func Example_customStack() {
	// The data: a slice of CIC-IDS2017, its attack class as the label.
	prof, err := dataset.BuiltinProfile("cicids2017_improved")
	if err != nil {
		panic(err)
	}
	frame, _, err := dataset.Load([]string{"../testdata/cicids2017-slice"},
		dataset.LoadOptions{Profile: prof, MultiClass: true, SortByTimestamp: true})
	if err != nil {
		panic(err)
	}
	// A stratified 80/20 split: the first of five shuffled stratified folds.
	folds, err := crossval.StratifiedKFold{NSplits: 5, Shuffle: true, Seed: 1}.Split(frame.Rows, frame.Labels)
	if err != nil {
		panic(err)
	}
	train, test := frame.Subset(folds[0].Train), frame.Subset(folds[0].Test)
	scaler := dataset.FitMinMax(train.X, train.Rows, train.Features) // on the training rows only
	scaler.Transform(train.X, train.Rows)
	scaler.Transform(test.X, test.Rows)

	// The model: any stack of layer values; the head follows from the classes.
	stack, err := builders.Sequential("conv_gru",
		builders.Conv1D{Filters: 16, KernelSize: 3, Activation: builders.Relu},
		builders.MaxPooling1D{},
		builders.GRU{Units: 16},
		builders.Dense{Units: 32, Activation: builders.Gelu},
	)
	if err != nil {
		panic(err)
	}
	cfg := builders.Config{Spec: stack, Features: frame.Features, Classes: len(frame.ClassNames), Seed: 1}
	m, err := builders.Build(cfg)
	if err != nil {
		panic(err)
	}
	total, _, _ := m.ParamCounts()
	fmt.Printf("%s: %s parameters\n", m.Name(), builders.Thousands(total))
	if err := m.Open(tfgraph.SessionConfig{IntraOpThreads: 1}); err != nil {
		panic(err)
	}
	defer m.Close()

	trainEx := dataset.NewRows(train.X, train.Rows, train.Features, train.Labels)
	testEx := dataset.NewRows(test.X, test.Rows, test.Features, test.Labels)
	hist, err := m.Fit(trainEx, builders.FitOptions{Epochs: 10, BatchSize: 32, Shuffle: true, Seed: 1})
	if err != nil {
		panic(err)
	}
	_, acc, err := m.Evaluate(testEx, 256)
	if err != nil {
		panic(err)
	}
	fmt.Printf("trained %d epochs; test accuracy above 0.5: %v\n", len(hist.Epochs), acc > 0.5)

	// A checkpoint, and the model card that rebuilds the model from it.
	dir, err := os.MkdirTemp("", "tfnids-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := m.Save(filepath.Join(dir, "weights-03")); err != nil {
		panic(err)
	}
	card := modelcard.New(modelcard.Model{Model: m.Spec.Name, Features: m.Spec.Features, Classes: m.Spec.Classes, Spec: &m.Spec},
		frame.Schema(), scaler)
	export := filepath.Join(dir, "serving", "conv_gru", "1")
	if err := serving.Export(serving.ExportOptions{Card: card, Checkpoint: filepath.Join(dir, "weights-03"), Dir: export}); err != nil {
		panic(err)
	}

	// Load the export as TensorFlow Serving would and classify raw rows (the
	// export scales them itself).
	p, err := tfgraph.LoadPredictor(export, nil, tfgraph.SessionConfig{IntraOpThreads: 1})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	raw := frame.Subset(folds[0].Test[:4])
	x, err := tfgraph.NewFloat32(raw.X, int64(raw.Rows), int64(raw.Features))
	if err != nil {
		panic(err)
	}
	defer tfgraph.FreeTensors(x)
	out, err := p.Run("", map[string]*tf.Tensor{"x": x}, "classes")
	if err != nil {
		panic(err)
	}
	defer out.Free()
	fmt.Printf("predicted classes for %d rows: %v\n", raw.Rows, out["classes"].Shape())
	// Output:
	// conv_gru mc: 2,537 parameters
	// trained 10 epochs; test accuracy above 0.5: true
	// predicted classes for 4 rows: [4]
}

// A stack of layer values, summarized as Keras would print it.
func ExampleSequential() {
	s, err := builders.Sequential("cnn_bilstm",
		builders.Conv1D{Filters: 32, KernelSize: 3, Activation: builders.Relu},
		builders.MaxPooling1D{},
		builders.Bidirectional{Layer: builders.LSTM{Units: 16}},
		builders.Dropout{Rate: 0.2},
	)
	if err != nil {
		panic(err)
	}
	out, err := builders.Summary(builders.Config{Spec: s, Features: 37, Classes: 10})
	if err != nil {
		panic(err)
	}
	fmt.Print(out)
	// Output:
	// Model: "cnn_bilstm mc"
	// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
	// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
	// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
	// │ conv1d (Conv1D)                 │ (None, 35, 32)         │           128 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ max_pooling1d (MaxPooling1D)    │ (None, 17, 32)         │             0 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ bidirectional (Bidirectional)   │ (None, 32)             │         6,272 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ dropout (Dropout)               │ (None, 32)             │             0 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┤
	// │ dense (Dense)                   │ (None, 10)             │           330 │
	// └─────────────────────────────────┴────────────────────────┴───────────────┘
	//  Total params: 6,730 (26.29 KB)
	//  Trainable params: 6,730 (26.29 KB)
	//  Non-trainable params: 0 (0.00 B)
}

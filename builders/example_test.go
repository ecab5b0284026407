package builders_test

import (
	"fmt"

	"github.com/tfnids/tfnids/builders"
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

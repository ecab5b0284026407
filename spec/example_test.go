package spec_test

import (
	"encoding/json"
	"fmt"

	"github.com/tfnids/tfnids/spec"
)

// A tfnids model file: layers under Keras' class and argument names.
func ExampleParse() {
	m, err := spec.Parse([]byte(`
name: gru_windows
window: 5
layers:
  - GRU: {units: 32, return_sequences: true, dropout: 0.1}
  - GlobalMaxPooling1D: {}
  - Dense: {units: 16, activation: selu, kernel_regularizer: {l2: 0.001}}
`))
	if err != nil {
		panic(err)
	}
	for _, l := range m.Layers {
		b, _ := json.Marshal(l)
		fmt.Println(string(b))
	}
	fmt.Println("window", m.Window, "features", m.Features, "(0: from the data)")
	// Output:
	// {"class":"GRU","units":32,"return_sequences":true,"dropout":0.1}
	// {"class":"GlobalMaxPooling1D"}
	// {"class":"Dense","units":16,"activation":"selu","kernel_regularizer":{"l2":0.001}}
	// window 5 features 0 (0: from the data)
}

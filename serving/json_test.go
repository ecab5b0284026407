package serving

import (
	"google.golang.org/grpc/codes"

	"fmt"
	"math"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/tfgraph"
)

func sigOf(inputs ...tfgraph.TensorSpec) func(string) (*tfgraph.Signature, error) {
	sig := &tfgraph.Signature{Key: "serving_default", Inputs: inputs}
	return func(name string) (*tfgraph.Signature, error) {
		if name != "" && name != "serving_default" {
			return nil, badRequest("Serving signature name: %q not found in signature def", name)
		}
		return sig, nil
	}
}

func floatInput(key string, shape ...int64) tfgraph.TensorSpec {
	return tfgraph.TensorSpec{Key: key, DType: tf.Float, Shape: shape}
}

// TestParsePredictBodies decodes the request bodies of TensorFlow Serving's
// REST documentation (api_rest.md) and the shapes they imply.
func TestParsePredictBodies(t *testing.T) {
	one := sigOf(floatInput("x", -1))
	pair := sigOf(floatInput("x", -1, 1, 2))
	multi := sigOf(floatInput("signal", -1, 5), floatInput("sensor", -1, 2, 2))
	cases := []struct {
		sig   func(string) (*tfgraph.Signature, error)
		body  string
		row   bool
		want  string // key: shape values, sorted by key
		error string
	}{
		{one, `{"instances": [1.0, 2.0, 5.0]}`, true, "x:[3] [1 2 5]", ""},               // 0: the docs' half_plus_three call
		{pair, `{"instances": [ [[1, 2]], [[3, 4]] ]}`, true, "x:[2 1 2] [1 2 3 4]", ""}, // 1: "List of 2 tensors each of [1, 2] shape"
		{multi, `{"instances": [{"signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]}, {"signal": [3, 4, 1, 2, 5], "sensor": [[4, 5], [6, 8]]}]}`, true, // 2
			"sensor:[2 2 2] [1 2 3 4 4 5 6 8] signal:[2 5] [1 2 3 4 5 3 4 1 2 5]", ""},
		{multi, `{"inputs": {"signal": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]], "sensor": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]}}`, false, // 3
			"sensor:[2 2 2] [1 2 3 4 4 5 6 8] signal:[2 5] [1 2 3 4 5 3 4 1 2 5]", ""},
		{one, `{"inputs": [1, 2, 5]}`, false, "x:[3] [1 2 5]", ""}, // 4
		{one, `{"signature_name": "serving_default", "instances": [NaN, Infinity, -Infinity, Inf, -Inf, -NaN, 1e-3, -0.5E+2]}`, true, "x:[8] [NaN +Inf -Inf +Inf -Inf NaN 0.001 -50]", ""},                   // 5
		{one, `{"instances": [16777215, -16777215, 1.2e8, 120000000.0]}`, true, "x:[4] [1.6777215e+07 -1.6777215e+07 1.2e+08 1.2e+08]", ""},                                                                  // 6
		{one, `{"instances": [16777216]}`, true, "", "Cannot convert JSON value: 16777216 to float without loss of precision."},                                                                              // 7
		{one, `{"instances": [1e39]}`, true, "", "without loss of precision"},                                                                                                                                // 8
		{one, `{"instances": ["1.0"]}`, true, "", `JSON Value: "1.0" Type: String is not of expected type: float`},                                                                                           // 9
		{one, `{"instances": [true]}`, true, "", "Type: True is not of expected type: float"},                                                                                                                // 10
		{one, `{"instances": []}`, true, "", "No values in 'instances' array"},                                                                                                                               // 11
		{one, `{"instances": [1], "inputs": [1]}`, true, "", "expecting only one of 'inputs' or 'instances'"},                                                                                                // 12
		{one, `{"instance": [1]}`, true, "", "Missing 'inputs' or 'instances' key"},                                                                                                                          // 13
		{one, `[1, 2]`, true, "", "Is not object"},                                                                                                                                                           // 14
		{one, ``, true, "", "The document is empty"},                                                                                                                                                         // 15
		{one, `{"instances": [1, 2,]}`, true, "", "JSON Parse error"},                                                                                                                                        // 16
		{one, `{"instances": [1 2]}`, true, "", "JSON Parse error"},                                                                                                                                          // 17
		{one, `{"instances": [1]} x`, true, "", "must not be followed"},                                                                                                                                      // 18
		{one, `{"instances": [nan]}`, true, "", "JSON Parse error"},                                                                                                                                          // 19
		{one, `{"instances": [Infinit]}`, true, "", "JSON Parse error"},                                                                                                                                      // 20
		{one, `{"instances": [01]}`, true, "", "JSON Parse error"},                                                                                                                                           // 21
		{one, `{"instances": 1}`, true, "", "Excepting 'instances' to be an list/array"},                                                                                                                     // 22
		{one, `{"signature_name": 3, "instances": [1]}`, true, "", "'signature_name' key must be a string value"},                                                                                            // 23
		{one, `{"signature_name": "classify", "instances": [1]}`, true, "", `Serving signature name: "classify" not found`},                                                                                  // 24
		{pair, `{"instances": [[[1, 2]], [[3, 4, 5]]]}`, true, "", "Failed to process element: 1 of 'instances' list. Error: Expecting tensor size: 2 but got: 3"},                                           // 25
		{pair, `{"instances": [[[1, 2]], [[3], 4]]}`, true, "", "found at incorrect level"},                                                                                                                  // 26
		{pair, `{"instances": [[[1, 2]], [[3], [4]]]}`, true, "", "Expecting shape [1,2] but got: [2,1]"},                                                                                                    // 27
		{multi, `{"instances": [[1, 2, 3, 4, 5]]}`, true, "", "instances is a plain list, but expecting list of objects"},                                                                                    // 28
		{multi, `{"instances": [{"signal": [1, 2, 3, 4, 5]}]}`, true, "", "keys must be equal to: sensor,signal"},                                                                                            // 29
		{multi, `{"inputs": {"signal": [[1, 2, 3, 4, 5]]}}`, false, "", "Missing named input: sensor in 'inputs' object."},                                                                                   // 30
		{multi, `{"instances": [{"signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]], "tag": 1}]}`, true, "", "does not have named input: tag"},                                                            // 31
		{one, `{"instances": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`, true, "", "nesting too deep"}, // 32
		{pair, `{"inputs": [[[1, 2]], [[3, 4, 5]]]}`, false, "", "Encountered list at unexpected size: 3 at level: 2 expected size: 2"},                                                                      // 34
		{one, `{"instances": ["\u00e9\ud83d\ude00"]}`, true, "", `Type: String is not of expected type`},                                                                                                     // 33
	}
	for i, c := range cases {
		req, _, err := parsePredict([]byte(c.body), c.sig)
		if c.error != "" {
			if err == nil || !strings.Contains(err.Error(), c.error) {
				t.Errorf("%d: %s: error %v; want %q", i, c.body, err, c.error)
			}
			if err != nil && CodeOf(err) != codes.InvalidArgument {
				t.Errorf("%d: %v is not a client error", i, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%d: %s: %v", i, c.body, err)
			continue
		}
		var parts []string
		for _, k := range []string{"sensor", "signal", "x"} {
			if td, ok := req.inputs[k]; ok {
				parts = append(parts, fmt.Sprintf("%s:%v %v", k, td.shape, td.f32))
			}
		}
		if got := strings.Join(parts, " "); got != c.want || req.row != c.row {
			t.Errorf("%d: %s:\n got %s (row %v)\nwant %s (row %v)", i, c.body, got, req.row, c.want, c.row)
		}
	}
}

func TestParseOtherDtypes(t *testing.T) {
	sig := sigOf(tfgraph.TensorSpec{Key: "ids", DType: tf.Int64, Shape: []int64{-1}},
		tfgraph.TensorSpec{Key: "mask", DType: tf.Bool, Shape: []int64{-1}},
		tfgraph.TensorSpec{Key: "w", DType: tf.Double, Shape: []int64{-1}},
		tfgraph.TensorSpec{Key: "n", DType: tf.Int32, Shape: []int64{-1}})
	req, _, err := parsePredict([]byte(`{"inputs": {"ids": [9007199254740993, -1], "mask": [true, false], "w": [0.1, 9007199254740991], "n": [2147483647, -2]}}`), sig)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(req.inputs["ids"].i64, req.inputs["mask"].b, req.inputs["w"].f64, req.inputs["n"].i32) !=
		"[9007199254740993 -1] [true false] [0.1 9.007199254740991e+15] [2147483647 -2]" {
		t.Errorf("decoded %v %v %v %v", req.inputs["ids"].i64, req.inputs["mask"].b, req.inputs["w"].f64, req.inputs["n"].i32)
	}
	for i, body := range []string{
		`{"inputs": {"ids": [1.5], "mask": [true], "w": [1], "n": [1]}}`,              // 0: decimal for int64
		`{"inputs": {"ids": [1], "mask": [1], "w": [1], "n": [1]}}`,                   // 1: number for bool
		`{"inputs": {"ids": [1], "mask": [true], "w": [1], "n": [2147483648]}}`,       // 2: int32 overflow
		`{"inputs": {"ids": [1], "mask": [true], "w": [9007199254740993], "n": [1]}}`, // 3: lossy double
	} {
		if _, _, err := parsePredict([]byte(body), sig); err == nil {
			t.Errorf("%d: %s accepted", i, body)
		}
	}
}

// TestAppendFloat: TF Serving's WriteDecimal formatting (six significant
// digits when they read back exactly, else nine; ".0" on whole numbers).
func TestAppendFloat(t *testing.T) {
	cases := []struct {
		v    float32
		want string
	}{
		{0.2, "0.2"},                         // 0
		{4, "4.0"},                           // 1
		{3.5, "3.5"},                         // 2
		{9e6, "9e+06"},                       // 3
		{3e-5, "3e-05"},                      // 4
		{100000, "100000.0"},                 // 5
		{0.33266568, "0.332665682"},          // 6: six digits do not read back: max_digits10
		{1.0 / 3, "0.333333343"},             // 7
		{float32(math.NaN()), "NaN"},         // 8
		{float32(math.Inf(-1)), "-Infinity"}, // 9
		{-0.0001234, "-0.0001234"},           // 10
	}
	for i, c := range cases {
		if got := string(appendFloat(nil, float64(c.v), 32)); got != c.want {
			t.Errorf("%d: appendFloat(%v) = %s, want %s", i, c.v, got, c.want)
		}
	}
}

package approx_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tfnids/tfnids/internal/approx"
)

func TestEqual(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		a, b float64
		want bool
	}{
		// The losses of issue 11: cluster vs local on an AVX2-only machine.
		{2.0936485002826712, 2.093648451571453, true}, // 0
		{2.0936485, 2.0936705, false},                 // 1: 5th digit
		{0, 0, true},                                  // 2
		{0, 1e-300, false},                            // 3: relative, no floor
		{nan, nan, true},                              // 4
		{nan, 1, false},                               // 5
		{inf, inf, true},                              // 6
		{inf, math.MaxFloat64, false},                 // 7
		{-1, 1, false},                                // 8
		{1e6, 1e6 + 0.5, true},                        // 9
	}
	for i, c := range cases {
		if got := approx.Equal(c.a, c.b, approx.Rel); got != c.want {
			t.Errorf("%d: Equal(%v, %v) = %v", i, c.a, c.b, got)
		}
		if got := approx.Equal(c.b, c.a, approx.Rel); got != c.want {
			t.Errorf("%d: Equal is not symmetric", i)
		}
	}
}

func TestFloat32s(t *testing.T) {
	a := []float32{0.5, 1e-9, 0.25}
	cases := []struct {
		b    []float32
		want int
	}{
		{[]float32{0.5, 1e-9, 0.25}, -1},                // 0
		{[]float32{0.5000001, 2e-9, 0.25}, -1},          // 1: below the floor
		{[]float32{0.5, 1e-9, 0.2501}, 2},               // 2
		{[]float32{0.5, 1e-9}, 2},                       // 3: shorter
		{[]float32{float32(math.NaN()), 1e-9, 0.25}, 0}, // 4
	}
	for i, c := range cases {
		if got := approx.Float32s(a, c.b, approx.Rel, 1e-3); got != c.want {
			t.Errorf("%d: Float32s = %d, want %d", i, got, c.want)
		}
	}
}

func TestDiff(t *testing.T) {
	parse := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	ignore := func(k string) bool { return k == "seconds" }
	cases := []struct {
		a, b string
		want []string
	}{
		{`{"loss": 2.0936485002826712, "seconds": 1}`, `{"loss": 2.093648451571453, "seconds": 9}`, nil}, // 0
		{`{"m": {"confusion": [[1000000, 2]]}}`, `{"m": {"confusion": [[1000001, 2]]}}`,
			[]string{"m.confusion[0][0]: 1e+06 vs 1.000001e+06"}}, // 1: whole numbers exactly
		{`{"a b": [0.5, 0.25]}`, `{"a b": [0.5, 0.250001]}`, []string{`["a b"][1]: 0.25 vs 0.250001`}}, // 2
		{`{"x": 1, "y": "s"}`, `{"x": 1, "z": "s"}`, []string{"y: s vs missing", "z: missing vs s"}},   // 3
		{`[1, 2]`, `[1]`, []string{"(root): 2 elements vs 1"}},                                         // 4
		{`{"x": [1]}`, `{"x": {"a": 1}}`, []string{"x: array vs object"}},                              // 5
		{`{"x": null}`, `{"x": 0.5}`, []string{"x: <nil> vs 0.5"}},                                     // 6
	}
	for i, c := range cases {
		if got := approx.Diff(parse(c.a), parse(c.b), approx.Rel, ignore); !slices.Equal(got, c.want) {
			t.Errorf("%d: Diff = %q, want %q", i, got, c.want)
		}
	}
}

func ExampleDiff() {
	type epoch struct {
		Loss    float64 `json:"loss"`
		Seconds float64 `json:"seconds"`
	}
	type run struct {
		Confusion [][]int `json:"confusion"`
		History   []epoch `json:"history"`
	}
	cluster, _ := approx.Tree(run{[][]int{{9, 1}, {0, 10}}, []epoch{{2.0936485002826712, 3.1}}})
	local, _ := approx.Tree(run{[][]int{{9, 1}, {0, 10}}, []epoch{{2.093648451571453, 2.7}}})
	noTimes := func(key string) bool { return key == "seconds" }
	fmt.Println(approx.Diff(cluster, local, approx.Rel, noTimes))
	other, _ := approx.Tree(run{[][]int{{10, 0}, {0, 10}}, []epoch{{2.1, 2.7}}})
	for _, d := range approx.Diff(cluster, other, approx.Rel, noTimes) {
		fmt.Println(d)
	}
	// Output:
	// []
	// confusion[0][0]: 9 vs 10
	// confusion[0][1]: 1 vs 0
	// history[0].loss: 2.0936485002826712 vs 2.1
}

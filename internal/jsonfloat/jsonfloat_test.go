package jsonfloat

import (
	"encoding/json"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		in   float64
		want string
	}{
		{0.1, "0.1"}, // 0
		{2.0936485002826712, "2.0936485002826712"}, // 1: shortest text that reads back exactly
		{math.NaN(), "null"},                       // 2
		{math.Inf(1), "null"},                      // 3
		{math.Inf(-1), "null"},                     // 4
	}
	for i, c := range cases {
		b, err := json.Marshal(Float(c.in))
		if err != nil || string(b) != c.want {
			t.Fatalf("%d: Marshal(%v) = %s, %v; want %s", i, c.in, b, err, c.want)
		}
		var back Float
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%d: Unmarshal(%s): %v", i, b, err)
		}
		if math.IsNaN(c.in) || math.IsInf(c.in, 0) {
			if !math.IsNaN(float64(back)) {
				t.Errorf("%d: null read back as %v, want NaN", i, back)
			}
		} else if float64(back) != c.in {
			t.Errorf("%d: read back %v, want %v", i, back, c.in)
		}
	}
}

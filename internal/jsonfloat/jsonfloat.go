// Package jsonfloat holds the one float type that tfnids writes to JSON:
// NaN and ±Inf (a diverged loss, an undefined metric) encode as null and
// null decodes as NaN, so results and epoch records stay strict JSON (the
// seed writes bare NaN tokens, which strict parsers reject).
package jsonfloat

import (
	"encoding/json"
	"math"
)

// Float is a float64 that encodes NaN and ±Inf as JSON null and decodes
// null as NaN. Finite values encode exactly as encoding/json encodes a
// float64: the shortest text that reads back to the same number.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Float(v)
	return nil
}

package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/tfnids/tfnids/internal/jsonfloat"
)

// Float is a float64 that encodes NaN and ±Inf as JSON null and decodes null
// as NaN, so that results files are strict JSON (the seed writes bare NaN
// tokens, which strict parsers reject); the one definition, shared with the
// epoch record, is jsonfloat.Float.
type Float = jsonfloat.Float

// ByLabel holds one value per label code (or, in the seed's own files, per
// confusion-matrix index). It encodes as a JSON object keyed "0", "1", … in
// numeric order, the layout of the seed's class_report.
type ByLabel[T any] []T

// MarshalJSON implements json.Marshaler.
func (b ByLabel[T]) MarshalJSON() ([]byte, error) {
	if b == nil {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, v := range b {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('"')
		buf.WriteString(strconv.Itoa(i))
		buf.WriteString(`":`)
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON implements json.Unmarshaler. Keys must be non-negative
// integers; a missing key leaves its entry at T's zero value.
func (b *ByLabel[T]) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*b = nil
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	n := 0
	for k := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i > 1<<20 {
			return fmt.Errorf("report: key %q is not a label code", k)
		}
		n = max(n, i+1)
	}
	out := make(ByLabel[T], n)
	for k, raw := range m {
		i, _ := strconv.Atoi(k)
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return fmt.Errorf("report: label %s: %w", k, err)
		}
	}
	*b = out
	return nil
}

// ordered is a JSON object that keeps its keys' order: Go maps do not, and
// the results file lists models in the order they were trained.
type ordered[T any] struct {
	keys []string
	vals map[string]T
}

func (o ordered[T]) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (o *ordered[T]) UnmarshalJSON(data []byte) error {
	o.keys, o.vals = nil, nil
	if string(data) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("report: expected a JSON object, got %v (%v)", t, err)
	}
	o.vals = make(map[string]T)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string)
		var v T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("report: %q: %w", k, err)
		}
		if _, dup := o.vals[k]; !dup {
			o.keys = append(o.keys, k)
		}
		o.vals[k] = v
	}
	_, err := dec.Token()
	return err
}

// orderedKeys returns the keys of m: first those in order (once each, in that
// order), then the rest sorted.
func orderedKeys[T any](m map[string]T, order []string) []string {
	keys := make([]string, 0, len(m))
	seen := make(map[string]bool, len(m))
	for _, k := range order {
		if _, ok := m[k]; ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// strictJSON replaces the non-standard number tokens NaN, Infinity and
// -Infinity that Python's json module writes (outside strings) by null, so
// that the seed's own results files decode.
func strictJSON(b []byte) []byte {
	var out []byte // allocated on the first replacement
	inString, escaped := false, false
	last := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		var tok string
		for _, t := range []string{"NaN", "-Infinity", "Infinity"} {
			if bytes.HasPrefix(b[i:], []byte(t)) {
				tok = t
				break
			}
		}
		if tok == "" {
			continue
		}
		out = append(out, b[last:i]...)
		out = append(out, "null"...)
		i += len(tok) - 1
		last = i + 1
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

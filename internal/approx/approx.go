// Package approx compares floating-point results computed on two execution
// paths (two sessions, two thread counts, a cluster worker and the local
// process, Go and Python, another CPU's kernels). Such results agree to
// rounding, not bit for bit: a reduction split differently, or a fused
// multiply-add on one machine and not on another, moves the last digits.
// Whole numbers (counts, confusion matrices, predicted classes) are
// exactly determined and compare exactly.
package approx

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Rel is the relative tolerance for losses and probabilities computed on
// two execution paths: float32 kernels carry about 7 significant digits,
// and reordering a sum of n float32 terms moves it by a few units in the
// last place; 1e-6 admits that and nothing a real change of behaviour
// (another shuffle, another mask, a dropped batch) would produce, which
// moves losses in the 3rd to 5th digit.
const Rel = 1e-6

// Equal reports whether a and b agree to the relative tolerance rel:
// |a−b| ≤ rel·max(|a|, |b|). Two NaNs are equal (both paths failed the same
// way); so are two infinities of the same sign.
func Equal(a, b, rel float64) bool {
	if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
		return true
	}
	if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return false
	}
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

// Float32s returns the first index at which a and b differ by more than
// rel (relative to the larger of the two values, but never less than
// floor), or -1 when they agree everywhere and have the same length. The
// floor keeps values near zero (probabilities of unlikely classes) from
// demanding more digits than float32 has.
func Float32s(a, b []float32, rel, floor float64) int {
	n := min(len(a), len(b))
	for i := range n {
		x, y := float64(a[i]), float64(b[i])
		if x == y || (math.IsNaN(x) && math.IsNaN(y)) {
			continue
		}
		if math.IsNaN(x) || math.IsNaN(y) || math.Abs(x-y) > rel*math.Max(floor, math.Max(math.Abs(x), math.Abs(y))) {
			return i
		}
	}
	if len(a) != len(b) {
		return n
	}
	return -1
}

// Tree converts v to the generic form encoding/json decodes into
// (map[string]any, []any, float64, string, bool, nil), for Diff.
func Tree(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// Diff compares two JSON trees (as Tree or encoding/json returns them) and
// describes every difference, one line each with its path, e.g.
// `models["gru"].history[0].epochs[1].loss: 2.0936485 vs 2.0936484`.
// Two numbers that are both whole compare exactly (counts, classes,
// confusion matrices); other numbers compare with Equal(a, b, rel). Keys
// for which ignore returns true (timings, hosts) are not compared; ignore
// may be nil.
func Diff(a, b any, rel float64, ignore func(key string) bool) []string {
	var out []string
	diff(&out, "", a, b, rel, ignore)
	return out
}

func diff(out *[]string, path string, a, b any, rel float64, ignore func(string) bool) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: object vs %s", show(path), kind(b)))
			return
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			if ignore == nil || !ignore(k) {
				sorted = append(sorted, k)
			}
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := path + "." + k
			if strings.ContainsAny(k, " .[]\"") {
				p = fmt.Sprintf("%s[%q]", path, k)
			}
			ex, okx := x[k]
			ey, oky := y[k]
			switch {
			case !okx:
				*out = append(*out, fmt.Sprintf("%s: missing vs %v", show(p), ey))
			case !oky:
				*out = append(*out, fmt.Sprintf("%s: %v vs missing", show(p), ex))
			default:
				diff(out, p, ex, ey, rel, ignore)
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: array vs %s", show(path), kind(b)))
			return
		}
		if len(x) != len(y) {
			*out = append(*out, fmt.Sprintf("%s: %d elements vs %d", show(path), len(x), len(y)))
			return
		}
		for i := range x {
			diff(out, fmt.Sprintf("%s[%d]", path, i), x[i], y[i], rel, ignore)
		}
	case float64:
		y, ok := b.(float64)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", show(path), a, b))
			return
		}
		whole := x == math.Trunc(x) && y == math.Trunc(y)
		if (whole && x != y) || (!whole && !Equal(x, y, rel)) {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", show(path), x, y))
		}
	default:
		if a != b { // strings, bools, nil: comparable
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", show(path), a, b))
		}
	}
}

func show(path string) string {
	if path == "" {
		return "(root)"
	}
	return strings.TrimPrefix(path, ".")
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

// Results compares two tfnids results (report.Results values, parts of
// them, or their decoded JSON) like Diff with Rel, leaving out what differs
// between any two runs of the same training: timings, throughput, and where
// a fold ran (ran_on).
func Results(a, b any) ([]string, error) {
	ta, err := Tree(a)
	if err != nil {
		return nil, err
	}
	tb, err := Tree(b)
	if err != nil {
		return nil, err
	}
	return Diff(ta, tb, Rel, runVarying), nil
}

// runVarying reports whether a results key holds a value that differs
// between runs that computed the same thing.
func runVarying(key string) bool {
	switch key {
	case "time", "seconds", "train_seconds", "average_time", "average_train_seconds",
		"samples_per_second", "samples_per_sec", "ran_on", "endtime", "wall_seconds":
		return true
	}
	return false
}

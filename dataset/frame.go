package dataset

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tfnids/tfnids/timing"
)

// BadValuePolicy says what happens to a numeric cell that is not a finite
// number: empty, NaN (and pandas' other NA spellings), ±Infinity/inf, "-",
// other text, or a number outside the float32 range.
type BadValuePolicy int

const (
	// BadDrop drops the row, as the seed's preprocessing did (±Inf became
	// NaN, then dropna). The default.
	BadDrop BadValuePolicy = iota
	// BadZero replaces the value by 0 and keeps the row. A missing label,
	// class or timestamp cannot be zeroed and is an error.
	BadZero
	// BadError stops at the first bad value with an error naming the file,
	// line, column and text.
	BadError
)

// String returns the flag spelling: drop, zero or error.
func (p BadValuePolicy) String() string {
	switch p {
	case BadDrop:
		return "drop"
	case BadZero:
		return "zero"
	case BadError:
		return "error"
	}
	return fmt.Sprintf("BadValuePolicy(%d)", int(p))
}

// ParseBadValuePolicy parses "drop", "zero" or "error".
func ParseBadValuePolicy(s string) (BadValuePolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "drop", "":
		return BadDrop, nil
	case "zero":
		return BadZero, nil
	case "error":
		return BadError, nil
	}
	return 0, fmt.Errorf("dataset: unknown bad-value policy %q (want drop, zero or error)", s)
}

// Frame is a loaded dataset: the model-input matrix in time order, the label
// codes and what is needed to read them back.
type Frame struct {
	// FeatureNames are the model input columns, in order: the header's
	// spelling, or "column=category" for one-hot inputs.
	FeatureNames []string
	// Rows and Features give the shape of X.
	Rows, Features int
	// X is the row-major Rows×Features matrix of raw (unscaled) inputs;
	// factorized categories hold their codes.
	X []float32
	// Labels are the label codes: multi-class, the pd.factorize codes of the
	// class column after the sort; binary, 0 benign and 1 attack. Nil when
	// LoadLike read data without a label column. LoadLike writes -1 for a
	// class name the training data did not have.
	Labels []int32
	// ClassNames maps a label code to its name: multi-class, in factorize
	// order; binary, ["benign", "attack"].
	ClassNames []string
	// Timestamps are Unix nanoseconds per row, nil when the profile has no
	// timestamp column or sorting is off.
	Timestamps []int64
	// DroppedColumns are the header columns that do not feed the model.
	DroppedColumns []string
	// Text holds the raw text of the LoadOptions.TextColumns columns, one
	// string per row in row order (keyed by the requested name).
	Text map[string][]string
	// Categories maps each categorical input column to its categories, code
	// order.
	Categories map[string][]string

	profile         *Profile
	multiClass      bool
	networkFeatures bool
	inputs          []SchemaInput
}

// TextOf returns the kept text of a LoadOptions.TextColumns column, one
// string per row, or nil when it was not kept.
func (f *Frame) TextOf(column string) []string { return f.Text[column] }

// Row returns row i of X (a view, not a copy).
func (f *Frame) Row(i int) []float32 { return f.X[i*f.Features : (i+1)*f.Features] }

// Subset returns a copy of the rows idx, in that order. It panics if an
// index is out of range.
func (f *Frame) Subset(idx []int) *Frame {
	g := *f
	g.Rows = len(idx)
	g.X = make([]float32, len(idx)*f.Features)
	for k, i := range idx {
		if i < 0 || i >= f.Rows {
			panic(fmt.Sprintf("dataset: Subset: row %d out of range [0,%d)", i, f.Rows))
		}
		copy(g.X[k*f.Features:(k+1)*f.Features], f.X[i*f.Features:(i+1)*f.Features])
	}
	if f.Labels != nil {
		g.Labels = make([]int32, len(idx))
		for k, i := range idx {
			g.Labels[k] = f.Labels[i]
		}
	}
	if f.Timestamps != nil {
		g.Timestamps = make([]int64, len(idx))
		for k, i := range idx {
			g.Timestamps[k] = f.Timestamps[i]
		}
	}
	if f.Text != nil {
		g.Text = make(map[string][]string, len(f.Text))
		for name, col := range f.Text {
			c := make([]string, len(idx))
			for k, i := range idx {
				c[k] = col[i]
			}
			g.Text[name] = c
		}
	}
	return &g
}

// Range returns a copy of the rows [from, to): Subset for a contiguous
// block, as time-series folds are.
func (f *Frame) Range(from, to int) *Frame {
	if from < 0 || to > f.Rows || from > to {
		panic(fmt.Sprintf("dataset: Range(%d, %d) out of [0,%d]", from, to, f.Rows))
	}
	idx := make([]int, to-from)
	for i := range idx {
		idx[i] = from + i
	}
	return f.Subset(idx)
}

// SchemaInput is one source column of the model input and its encoding
// ("" for a number).
type SchemaInput struct {
	Column   string   `json:"column"`
	Encoding Encoding `json:"encoding,omitempty"`
}

// Schema is what new data must be encoded with to be fed to a model trained
// on a Frame: the profile, the input columns and their order, the class
// names and the categories. It is JSON-serialisable and travels with the
// model.
type Schema struct {
	Profile         *Profile            `json:"profile"`
	MultiClass      bool                `json:"multi_class"`
	NetworkFeatures bool                `json:"network_features"`
	Inputs          []SchemaInput       `json:"inputs"`
	FeatureNames    []string            `json:"feature_names"`
	ClassNames      []string            `json:"class_names"`
	Categories      map[string][]string `json:"categories,omitempty"`
}

// Schema returns the frame's encoding, for LoadLike.
func (f *Frame) Schema() Schema {
	var p *Profile
	if f.profile != nil {
		p = f.profile.Clone()
	}
	cats := make(map[string][]string, len(f.Categories))
	for k, v := range f.Categories {
		cats[k] = slices.Clone(v)
	}
	return Schema{
		Profile:         p,
		MultiClass:      f.multiClass,
		NetworkFeatures: f.networkFeatures,
		Inputs:          slices.Clone(f.inputs),
		FeatureNames:    slices.Clone(f.FeatureNames),
		ClassNames:      slices.Clone(f.ClassNames),
		Categories:      cats,
	}
}

// ClassCount is a class and its number of kept rows.
type ClassCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// DroppedColumn is a header column left out of the model input, and why:
// "drop" (profile drop_columns), "weak", "network" (network features off),
// "label", "class", "timestamp", "not in schema" (LoadLike), "text" (a
// column the profile does not name that holds text in nearly every row),
// "asked" (LoadOptions.Drop) or "not asked" (not in LoadOptions.Features).
type DroppedColumn struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// WarningKind classifies a Warning.
type WarningKind string

const (
	// WarnTextColumn: a column the profile does not name held text in
	// nearly every row and was left out.
	WarnTextColumn WarningKind = "text_column"
	// WarnClassCase: class names differ only by case and stay separate.
	WarnClassCase WarningKind = "class_case"
	// WarnClassCaseMerged: class names that differ only by case were merged.
	WarnClassCaseMerged WarningKind = "class_case_merged"
	// WarnDuplicateHeader: a header names a column twice; the second is
	// renamed pandas-style.
	WarnDuplicateHeader WarningKind = "duplicate_header"
)

// Warning is something Load did on its own that a user should know.
// Column names and values in Message are quoted and escaped.
type Warning struct {
	Kind    WarningKind `json:"kind"`
	Column  string      `json:"column,omitempty"`
	Message string      `json:"message"`
}

// LoadReport says what Load read and what it did to the rows.
type LoadReport struct {
	Profile string `json:"profile"`
	// ProfileWhy says how the profile was chosen when Load chose it (auto
	// detection, or the schema in LoadLike); empty when the caller gave it.
	ProfileWhy string   `json:"profile_why,omitempty"`
	Files      []string `json:"files"`
	// RowsRead counts data records (blank lines excluded); RowsKept the
	// rows in the frame.
	RowsRead int `json:"rows_read"`
	RowsKept int `json:"rows_kept"`
	// DroppedBadValues counts rows dropped under BadDrop; DroppedDuplicates
	// rows dropped by Dedupe (after the bad-value drop, before the sort).
	DroppedBadValues  int    `json:"dropped_bad_values"`
	DroppedDuplicates int    `json:"dropped_duplicates"`
	BadValuePolicy    string `json:"bad_value_policy"`
	// ZeroedValues counts cells replaced by 0 under BadZero.
	ZeroedValues int `json:"zeroed_values"`
	// BadValuesPerColumn counts bad cells per column (a row may count in
	// several columns), whatever the policy did with them.
	BadValuesPerColumn map[string]int `json:"bad_values_per_column"`
	// Sorted is true when rows were stably sorted by time.
	Sorted bool `json:"sorted"`
	// HasTime is true when timestamps were read; TimeMin and TimeMax are
	// then the range of the kept rows (UTC).
	HasTime bool      `json:"has_time"`
	TimeMin time.Time `json:"time_min,omitzero"`
	TimeMax time.Time `json:"time_max,omitzero"`
	// ClassCounts are the class column's values and counts in factorize
	// order (after the sort); empty without a class column.
	ClassCounts []ClassCount `json:"class_counts"`
	// LabelCounts counts the rows per label code (Frame.ClassNames order).
	LabelCounts []int `json:"label_counts"`
	// FeatureNames repeats Frame.FeatureNames for reports.
	FeatureNames   []string        `json:"feature_names"`
	DroppedColumns []DroppedColumn `json:"dropped_columns"`
	// AbsentColumns are names the profile lists that the header lacks.
	AbsentColumns []string `json:"absent_columns,omitempty"`
	// UnknownClasses (LoadLike) counts rows per class name the schema does
	// not know; their label is -1.
	UnknownClasses map[string]int `json:"unknown_classes,omitempty"`
	// UnknownCategories (LoadLike) counts cells per column whose category
	// the schema does not know; they get code -1 (factorize) or no one-hot
	// input set.
	UnknownCategories map[string]int `json:"unknown_categories,omitempty"`
	// Warnings are things the load did on its own that a user should
	// know: text columns left out, class names differing only by case,
	// duplicate header names. Names in them are quoted and escaped.
	Warnings []Warning `json:"warnings,omitempty"`
	// Unlabeled (LoadLike) is true when the data has no label column.
	Unlabeled bool `json:"unlabeled,omitempty"`
	// Timings say where the load's time went: "read" (reading and parsing
	// the files, in parallel), "clean" (merging the chunks, dropping bad
	// values and duplicates), "sort" (by time) and "factorize" (class and
	// category codes, one-hot inputs).
	Timings []timing.Stage `json:"timings,omitempty"`
}

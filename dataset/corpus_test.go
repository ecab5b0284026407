package dataset

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBadCorpus loads every file of testdata/bad (written by make.py there)
// with --profile auto semantics and checks its one expected outcome: an
// error of a kind with words it must say, or a load with so many rows, such
// classes and such warnings. No message may carry a raw control character.
func TestBadCorpus(t *testing.T) {
	type want struct {
		kind     ErrorKind // 0: the load succeeds
		msg      []string  // substrings of the error or of the warnings
		rows     int
		classes  []string
		warnings []WarningKind
		profile  string
		why      string // in the report's ProfileWhy
	}
	cases := []struct {
		file string
		opts func(*LoadOptions)
		want want
	}{
		{"extra_text_column.csv", nil, want{rows: 12, classes: []string{"Benign", "scanning", "ddos"},
			warnings: []WarningKind{WarnTextColumn}, msg: []string{`column "Dataset" is not a feature`, `"NF-UNSW-NB15-v2"`, "12 of the first 12 rows"}}},
		{"extra_text_column.csv", func(o *LoadOptions) { o.Drop = []string{"Dataset"} }, want{rows: 12}},
		{"extra_text_column.csv", func(o *LoadOptions) { o.Features = []string{"IN_BYTES", "Dataset"} }, want{rows: 12}},
		{"extra_text_column.csv", func(o *LoadOptions) { o.Drop = []string{"NoSuchColumn"} },
			want{kind: ErrHeader, msg: []string{`"NoSuchColumn"`, "no such column to drop"}}},
		{"extra_text_column.csv", func(o *LoadOptions) { o.Features = []string{"Attack"} },
			want{kind: ErrHeader, msg: []string{`column "Attack"`, "cannot be features"}}},
		{"truncated_row_boundary.csv.gz", nil, want{kind: ErrRead, msg: []string{"truncated_row_boundary.csv.gz", "truncated gzip archive", "compressed byte"}}},
		{"truncated_mid_row.csv.gz", nil, want{kind: ErrRead, msg: []string{"truncated_mid_row.csv.gz", "truncated gzip archive", "compressed byte"}}},
		{"corrupt_checksum.csv.gz", nil, want{kind: ErrRead, msg: []string{"corrupt gzip archive", "checksum"}}},
		{"valid.csv.gz", nil, want{rows: 40}},
		{"label_whitespace.csv", nil, want{rows: 8, classes: []string{"Benign", "ddos", "scanning"}}},
		{"label_case.csv", nil, want{rows: 8, classes: []string{"Benign", "BENIGN", "scanning", "ddos", "benign"},
			warnings: []WarningKind{WarnClassCase}, msg: []string{`"Benign", "BENIGN", "benign" differ only by case`}}},
		{"label_case.csv", func(o *LoadOptions) { o.LabelCase = LabelCaseFold }, want{rows: 8, classes: []string{"Benign", "scanning", "ddos"},
			warnings: []WarningKind{WarnClassCaseMerged}, msg: []string{`merged as "Benign"`}}},
		{"label_invalid_utf8.csv", nil, want{kind: ErrLabel, msg: []string{"line 4", `"BEN\xffIGN"`, "not valid UTF-8"}}},
		{"label_not_binary.csv", func(o *LoadOptions) { o.MultiClass = false }, want{kind: ErrLabel, msg: []string{"line 5", `label "2": expected 0 or 1`}}},
		{"duplicate_profile_column.csv", nil, want{kind: ErrHeader, msg: []string{`column "Label"`, "positions 44 and 46"}}},
		{"duplicate_other_column.csv", nil, want{rows: 5, warnings: []WarningKind{WarnDuplicateHeader},
			msg: []string{`column "EXTRA" twice, at positions 44 and 47`, `"EXTRA.1"`}}},
		{"cr_only.csv", nil, want{rows: 7}},
		{"bom_crlf.csv", nil, want{rows: 7}},
		{"control_chars_header.csv", nil, want{rows: 5, warnings: []WarningKind{WarnTextColumn}, msg: []string{`"\x1b[31mEVIL\a"`}}},
		{"unknown_header.csv", nil, want{kind: ErrProfile, msg: []string{"matches no built-in profile", `"x", "y"`}}},
		{"missing_attack.csv", nil, want{kind: ErrHeader, msg: []string{`missing required columns "Attack"`}}},
		{"all_rows_bad.csv", nil, want{kind: ErrNoRowsKept, msg: []string{"no row kept", `"IN_BYTES" (6 of 6 rows)`}}},
		{"all_rows_bad.csv", func(o *LoadOptions) { o.Drop = []string{"IN_BYTES"} }, want{rows: 6}},
		{"all_rows_bad.csv", func(o *LoadOptions) { o.BadValues = BadError }, want{kind: ErrBadValue, msg: []string{"line 2", `column "IN_BYTES"`}}},
		{"ragged_row.csv", nil, want{kind: ErrSyntax, msg: []string{"line 5", "ragged row"}}},
		{"bare_quote.csv", nil, want{kind: ErrSyntax, msg: []string{"line 4", "bare"}}},
		{"empty.csv", nil, want{kind: ErrNoData, msg: []string{"empty file"}}},
		{"header_only.csv", nil, want{kind: ErrNoData, msg: []string{"no data rows"}}},
		{"netflow_v3.csv", nil, want{rows: 10, profile: "netflow_v3", why: "runner-up: netflow (the header has 8 of the 10 columns it names)"}},
		{"extra_text_column.csv", func(o *LoadOptions) { o.Features = []string{"FLOW_START_MILLISECONDS"} },
			want{kind: ErrHeader, msg: []string{`"FLOW_START_MILLISECONDS": no such column`}}},
		{"netflow_v3_bad_timestamp.csv", nil, want{kind: ErrTimestamp, msg: []string{"line 4", `"yesterday"`, "unix_ms"}}},
	}
	for _, c := range cases {
		name := c.file
		t.Run(name, func(t *testing.T) {
			opts := LoadOptions{MultiClass: true, SortByTimestamp: true, Dedupe: true}
			if c.opts != nil {
				c.opts(&opts)
			}
			f, rep, err := Load([]string{filepath.Join("testdata", "bad", c.file)}, opts)
			var text string
			if err != nil {
				text = err.Error()
			}
			if rep != nil {
				for _, w := range rep.Warnings {
					text += "\n" + w.Message
				}
			}
			t.Log(text)
			if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }) {
				t.Errorf("a message carries a raw control character: %q", text)
			}
			for _, s := range c.want.msg {
				if !strings.Contains(text, s) {
					t.Errorf("messages %q lack %q", text, s)
				}
			}
			if c.want.kind != 0 {
				var de *Error
				if !errors.As(err, &de) || de.Kind != c.want.kind {
					t.Fatalf("want a *Error of kind %d, got %v", c.want.kind, err)
				}
				if strings.Contains(text, "--") {
					t.Errorf("a library error names a flag: %s", text)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Rows != c.want.rows {
				t.Errorf("rows = %d, want %d", f.Rows, c.want.rows)
			}
			if c.want.classes != nil && !slices.Equal(f.ClassNames, c.want.classes) {
				t.Errorf("classes = %q, want %q", f.ClassNames, c.want.classes)
			}
			var kinds []WarningKind
			for _, w := range rep.Warnings {
				kinds = append(kinds, w.Kind)
			}
			if !slices.Equal(kinds, c.want.warnings) {
				t.Errorf("warnings = %v, want %v", rep.Warnings, c.want.warnings)
			}
			if c.want.profile != "" && rep.Profile != c.want.profile {
				t.Errorf("profile = %s, want %s", rep.Profile, c.want.profile)
			}
			if !strings.Contains(rep.ProfileWhy, c.want.why) {
				t.Errorf("profile why %q lacks %q", rep.ProfileWhy, c.want.why)
			}
			if rep.HasTime && !slices.IsSorted(f.Timestamps) {
				t.Error("rows are not in time order")
			}
		})
	}
}

// TestLoadLikeColumns: new data for a model trained without a text column
// loads with that column ignored; dropping a column the model reads, or
// asking for other features than the model's, is an error.
func TestLoadLikeColumns(t *testing.T) {
	path := []string{filepath.Join("testdata", "bad", "extra_text_column.csv")}
	train, _, err := Load(path, LoadOptions{MultiClass: true})
	if err != nil {
		t.Fatal(err)
	}
	schema := train.Schema()
	for _, c := range []struct {
		opts LoadOptions
		want string
	}{
		{LoadOptions{}, ""},
		{LoadOptions{Drop: []string{"Dataset"}}, ""},
		{LoadOptions{Features: slices.Clone(train.FeatureNames)}, ""},
		{LoadOptions{Drop: []string{"IN_BYTES"}}, `column "IN_BYTES": the model reads this column`},
		{LoadOptions{Features: []string{"IN_BYTES"}}, "1 feature columns asked, the model reads"},
		{LoadOptions{Features: []string{"Dataset"}}, `column "Dataset": the model was not trained on this column`},
	} {
		f, _, err := LoadLike(path, schema, c.opts)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.opts, err)
		case c.want == "" && !slices.Equal(f.FeatureNames, train.FeatureNames):
			t.Errorf("%+v: features %q", c.opts, f.FeatureNames)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want %q", c.opts, err, c.want)
		}
	}
}

package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

// toParquet writes Parquet copies of CSV files with pandas and pyarrow
// (pd.read_csv(...).to_parquet), in row groups of rowGroup rows so that
// several workers share a file, and returns their paths.
func toParquet(t *testing.T, py string, csvs []string, rowGroup int) []string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "to_parquet.py")
	var out []string
	var b strings.Builder
	b.WriteString("import pandas as pd\n")
	for i, f := range csvs {
		dst := filepath.Join(dir, fmt.Sprintf("%02d_%s.parquet", i, strings.TrimSuffix(filepath.Base(f), ".csv")))
		fmt.Fprintf(&b, "pd.read_csv(%q).to_parquet(%q, index=False, row_group_size=%d)\n", f, dst, rowGroup)
		out = append(out, dst)
	}
	if err := os.WriteFile(script, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := pyenv.Run(py, script); err != nil {
		t.Fatalf("%v: %s", err, msg)
	}
	return out
}

// TestParquetMatchesPandas loads Parquet copies of the pandas comparison
// files (written by pandas/pyarrow) and checks them against
// pandas.read_parquet + the seed's cleaning, and against the load of the
// CSV originals: the same rows, order, labels and values exactly, since
// both paths parse the same decimal text to the same float64 before the
// float32 store.
func TestParquetMatchesPandas(t *testing.T) {
	t.Parallel() // mostly waiting on Python
	py := pyenv.Require(t, "pyarrow", "pandas", "sklearn")
	cic := cicSlice(t)
	dirty := []string{filepath.Join("testdata", "cic_ton_iot_dirty.csv")}
	csvCases := pandasCases(cic, dirty)
	cases := pandasCases(toParquet(t, py, cic, 300), toParquet(t, py, dirty, 4))
	want := pandasReference(t, py, cases)
	for i, c := range cases {
		p, err := BuiltinProfile(c.profile)
		if err != nil {
			t.Fatal(err)
		}
		opts := c.opts
		opts.Profile = p
		f, rep, err := Load(c.ref.Files, opts)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		checkPandas(t, fmt.Sprintf("parquet %d", i), f, rep, want[i], c.ref.NTrain)

		g, grep, err := Load(csvCases[i].ref.Files, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f.X, g.X) || !reflect.DeepEqual(f.Labels, g.Labels) || !reflect.DeepEqual(f.Timestamps, g.Timestamps) ||
			!reflect.DeepEqual(f.FeatureNames, g.FeatureNames) || rep.DroppedDuplicates != grep.DroppedDuplicates {
			t.Errorf("%d: the Parquet load differs from the CSV load", i)
		}
	}
	// Auto-detection reads the Parquet schema as a header.
	p, why, err := ProfileFor("auto", cases[0].ref.Files)
	if err != nil || p.Name != "cicids2017_improved" {
		t.Errorf("auto on Parquet: %v %q %v", p, why, err)
	}
}

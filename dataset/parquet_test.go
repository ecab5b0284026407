package dataset

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

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

// parquetHeaderOrder is the fuzz header in the order parquet.Group sorts
// its fields, so that CSV and Parquet files have the same column order.
var parquetHeaderOrder = []string{"a", "b", "class", "id", "label", "proto", "ts", "weak"}

// writeStringParquet writes records as a Parquet file of optional string
// columns named header (in that order), with row groups of rowGroup rows.
func writeStringParquet(t testing.TB, path string, header []string, records [][]string, rowGroup int) {
	t.Helper()
	g := parquet.Group{}
	for _, h := range header {
		g[h] = parquet.Optional(parquet.String())
	}
	schema := parquet.NewSchema("flows", g)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := parquet.NewWriter(f, schema, parquet.PageBufferSize(256))
	for i, rec := range records {
		row := make(parquet.Row, len(rec))
		for j, v := range rec {
			row[j] = parquet.ByteArrayValue([]byte(v)).Level(0, 1, j)
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
		if (i+1)%rowGroup == 0 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// FuzzParquetRows writes fuzzed CSV rows both as CSV and as a Parquet file
// of string columns (row groups of 3 rows) and loads both under every
// policy: the same outcome, error or frame, value for value.
func FuzzParquetRows(f *testing.F) {
	f.Add([]byte("1.5,10,normal,1,0,tcp,2024-01-01 00:00:02,0\n2.5,20,ddos,2,1,udp,2024-01-01 00:00:01,0\n"))
	f.Add([]byte("inf,10,normal,1,0,tcp,2024-01-01 00:00:02,0\n,20,ddos,2,1,udp,2024-01-01 00:00:01,-\n"))
	f.Add([]byte("1,1,normal,1,2,tcp,2024-01-01 00:00:02,0\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, rows []byte) {
		recs, err := readCSVRecords(bytes.NewReader(rows), len(rows)+1)
		if err != nil || len(recs) == 0 {
			return
		}
		for _, r := range recs {
			if len(r) != len(parquetHeaderOrder) || strings.ContainsAny(strings.Join(r, ""), "\"\r\n") {
				return // CSV-only problems (ragged rows, quoting) have their own targets
			}
		}
		csvPath := filepath.Join(dir, "f.csv")
		pqPath := filepath.Join(dir, "f.parquet")
		if err := os.WriteFile(csvPath, append([]byte(strings.Join(parquetHeaderOrder, ",")+"\n"), rows...), 0o644); err != nil {
			t.Fatal(err)
		}
		writeStringParquet(t, pqPath, parquetHeaderOrder, recs, 3)
		for _, pol := range []BadValuePolicy{BadDrop, BadZero, BadError} {
			opts := LoadOptions{Profile: testProfile(), BadValues: pol, MultiClass: pol == BadZero, SortByTimestamp: true, Dedupe: true, Workers: 2}
			fc, rc, errc := Load([]string{csvPath}, opts)
			fp, rp, errp := Load([]string{pqPath}, opts)
			if (errc != nil) != (errp != nil) {
				t.Fatalf("policy %s: CSV error %v, Parquet error %v\nrows %q", pol, errc, errp, rows)
			}
			if errc != nil {
				continue
			}
			if !reflect.DeepEqual(fc.X, fp.X) || !reflect.DeepEqual(fc.Labels, fp.Labels) || !reflect.DeepEqual(fc.Timestamps, fp.Timestamps) ||
				!reflect.DeepEqual(fc.FeatureNames, fp.FeatureNames) || rc.DroppedBadValues != rp.DroppedBadValues ||
				rc.DroppedDuplicates != rp.DroppedDuplicates || !reflect.DeepEqual(fc.ClassNames, fp.ClassNames) {
				t.Fatalf("policy %s: the Parquet load differs from the CSV load\nrows %q", pol, rows)
			}
		}
	})
}

// FuzzLoadParquet feeds arbitrary bytes to Load as a .parquet file: it must
// return an error or a consistent frame, never panic.
func FuzzLoadParquet(f *testing.F) {
	dir := f.TempDir()
	seed := filepath.Join(dir, "seed.parquet")
	writeStringParquet(f, seed, parquetHeaderOrder, [][]string{
		{"1.5", "10", "normal", "1", "0", "tcp", "2024-01-01 00:00:02", "0"},
		{"2.5", "20", "ddos", "2", "1", "udp", "2024-01-01 00:00:01", "0"},
	}, 1)
	b, err := os.ReadFile(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("PAR1"))
	f.Add(append([]byte("PAR1"), b[len(b)/2:]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "f.parquet")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fr, rep, err := Load([]string{path}, LoadOptions{Profile: testProfile(), SortByTimestamp: true, Dedupe: true, Workers: 2})
		if err != nil {
			return
		}
		if len(fr.X) != fr.Rows*fr.Features || rep.RowsKept != fr.Rows {
			t.Fatalf("inconsistent frame: %+v", rep)
		}
	})
}

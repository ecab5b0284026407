package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testProfile is a small profile for hand-written CSVs.
func testProfile() *Profile {
	return &Profile{
		Name:               "test",
		TimestampColumn:    "ts",
		TimestampLayouts:   []string{"2006-01-02 15:04:05"},
		LabelColumn:        "label",
		ClassColumn:        "class",
		BenignClass:        "normal",
		DropColumns:        []string{"id"},
		WeakColumns:        []string{"weak"},
		CategoricalColumns: []string{"proto"},
		Aliases:            map[string][]string{"a": {"A long"}},
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const cleanCSV = "id,ts,a,b,weak,proto,label,class\n" +
	"1,2024-01-01 00:00:02,1.5,10,0,tcp,0,normal\n" +
	"2,2024-01-01 00:00:01,2.5,20,0,udp,1,ddos\n" +
	"3,2024-01-01 00:00:01,3.5,30,0,tcp,1,scan\n"

func TestLoadClean(t *testing.T) {
	path := writeFile(t, t.TempDir(), "a.csv", cleanCSV)
	f, rep, err := Load([]string{path}, LoadOptions{Profile: testProfile(), MultiClass: true, SortByTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	// Stable sort: the two rows at 00:00:01 keep file order (2, 3), then 1.
	if !reflect.DeepEqual(f.FeatureNames, []string{"a", "b", "proto"}) {
		t.Errorf("features %q", f.FeatureNames)
	}
	wantX := []float32{2.5, 20, 0, 3.5, 30, 1, 1.5, 10, 1}
	if !reflect.DeepEqual(f.X, wantX) {
		t.Errorf("X = %v, want %v", f.X, wantX)
	}
	if !reflect.DeepEqual(f.Labels, []int32{0, 1, 2}) || !reflect.DeepEqual(f.ClassNames, []string{"ddos", "scan", "normal"}) {
		t.Errorf("labels %v %q: want factorize order after the sort", f.Labels, f.ClassNames)
	}
	if !reflect.DeepEqual(f.Categories["proto"], []string{"udp", "tcp"}) {
		t.Errorf("categories %q", f.Categories)
	}
	if !reflect.DeepEqual(f.DroppedColumns, []string{"id", "ts", "weak", "label", "class"}) {
		t.Errorf("dropped %q", f.DroppedColumns)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC)
	if !rep.TimeMin.Equal(t0) || !rep.TimeMax.Equal(t0.Add(time.Second)) || f.Timestamps[0] != t0.UnixNano() {
		t.Errorf("time range %v..%v", rep.TimeMin, rep.TimeMax)
	}
	// Binary mode takes the label column.
	f, _, err = Load([]string{path}, LoadOptions{Profile: testProfile(), SortByTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Labels, []int32{1, 1, 0}) || !reflect.DeepEqual(f.ClassNames, []string{"benign", "attack"}) {
		t.Errorf("binary labels %v %q", f.Labels, f.ClassNames)
	}
	// Without sorting: file order, no timestamps.
	f, _, err = Load([]string{path}, LoadOptions{Profile: testProfile(), MultiClass: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.Timestamps != nil || !reflect.DeepEqual(f.ClassNames, []string{"normal", "ddos", "scan"}) {
		t.Errorf("unsorted: timestamps %v, classes %q", f.Timestamps, f.ClassNames)
	}
}

// TestDirtyValues runs every kind of bad numeric cell through the three
// policies.
func TestDirtyValues(t *testing.T) {
	texts := []string{
		"Infinity", "-Infinity", "inf", "+inf", "INF", "NaN", "nan", "NA", "null", "#N/A", "", "  ", "-",
		"abc", "1.2.3", "0x10", "1_000", "1e39", "--1", "+",
	}
	dir := t.TempDir()
	for i, text := range texts {
		csv := "id,ts,a,b,weak,proto,label,class\n" +
			"1,2024-01-01 00:00:01,1,10,0,tcp,0,normal\n" +
			"2,2024-01-01 00:00:02," + text + ",20,0,-,1,ddos\n" +
			"3,2024-01-01 00:00:03,3,30,0,tcp,1,ddos\n"
		path := writeFile(t, dir, "d.csv", csv)
		// drop
		f, rep, err := Load([]string{path}, LoadOptions{Profile: testProfile(), SortByTimestamp: true})
		if err != nil {
			t.Fatalf("%d %q drop: %v", i, text, err)
		}
		if f.Rows != 2 || rep.DroppedBadValues != 1 || rep.BadValuesPerColumn["a"] != 1 || rep.RowsRead != 3 {
			t.Errorf("%d %q drop: rows %d, dropped %d, per column %v", i, text, f.Rows, rep.DroppedBadValues, rep.BadValuesPerColumn)
		}
		// zero
		f, rep, err = Load([]string{path}, LoadOptions{Profile: testProfile(), BadValues: BadZero, SortByTimestamp: true})
		if err != nil {
			t.Fatalf("%d %q zero: %v", i, text, err)
		}
		if f.Rows != 3 || f.X[f.Features] != 0 || rep.ZeroedValues != 1 || rep.BadValuesPerColumn["a"] != 1 {
			t.Errorf("%d %q zero: rows %d, value %v, zeroed %d", i, text, f.Rows, f.X[f.Features], rep.ZeroedValues)
		}
		// "-" in the categorical column proto is a category, not a bad value.
		if got := f.Categories["proto"]; !reflect.DeepEqual(got, []string{"tcp", "-"}) {
			t.Errorf("%d: proto categories %q", i, got)
		}
		// error
		_, _, err = Load([]string{path}, LoadOptions{Profile: testProfile(), BadValues: BadError, SortByTimestamp: true})
		if err == nil {
			t.Fatalf("%d %q error policy: no error", i, text)
		}
		for _, want := range []string{"d.csv", "line 3", `column "a"`, "bad value " + jsonQuote(text)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%d %q: error %q lacks %q", i, text, err, want)
			}
		}
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestDirtyOtherColumns covers bad values outside the input columns.
func TestDirtyOtherColumns(t *testing.T) {
	dir := t.TempDir()
	row := func(weak, label, class, ts string) string {
		return "id,ts,a,b,weak,proto,label,class\n" +
			"1,2024-01-01 00:00:01,1,10,0,tcp,0,normal\n" +
			"2," + ts + ",2,20," + weak + ",tcp," + label + "," + class + "\n"
	}
	cases := []struct {
		csv      string
		column   string // counted in BadValuesPerColumn
		dropRows int    // rows left under drop
		zeroErr  string // error under zero ("" = none)
		allErr   string // error under every policy
	}{
		{row("Infinity", "1", "ddos", "2024-01-01 00:00:02"), "weak", 1, "", ""},                        // 0: weak columns are checked (the seed's dropna saw them)
		{row("0", "", "ddos", "2024-01-01 00:00:02"), "label", 1, "cannot fill a missing label", ""},    // 1
		{row("0", "NaN", "ddos", "2024-01-01 00:00:02"), "label", 1, "cannot fill a missing label", ""}, // 2
		{row("0", "1", "", "2024-01-01 00:00:02"), "class", 1, "cannot fill a missing class", ""},       // 3
		{row("0", "1", "ddos", ""), "ts", 1, "cannot fill a missing timestamp", ""},                     // 4
		{row("0", "2", "ddos", "2024-01-01 00:00:02"), "", 0, "", "expected 0 or 1"},                    // 5
		{row("0", "benign", "ddos", "2024-01-01 00:00:02"), "", 0, "", "expected 0 or 1"},               // 6
		{row("0", "1", "ddos", "yesterday"), "", 0, "", "matches none of the layouts"},                  // 7
	}
	for i, c := range cases {
		path := writeFile(t, dir, "o.csv", c.csv)
		for _, pol := range []BadValuePolicy{BadDrop, BadZero, BadError} {
			f, rep, err := Load([]string{path}, LoadOptions{Profile: testProfile(), BadValues: pol, SortByTimestamp: true})
			switch {
			case c.allErr != "":
				if err == nil || !strings.Contains(err.Error(), c.allErr) || !strings.Contains(err.Error(), "line 3") {
					t.Errorf("%d %v: err %v, want %q at line 3", i, pol, err, c.allErr)
				}
			case pol == BadDrop:
				if err != nil || f.Rows != c.dropRows || rep.BadValuesPerColumn[c.column] != 1 {
					t.Errorf("%d drop: err %v, report %+v", i, err, rep)
				}
			case pol == BadZero && c.zeroErr == "":
				if err != nil || f.Rows != 2 {
					t.Errorf("%d zero: err %v", i, err)
				}
			case pol == BadZero:
				if err == nil || !strings.Contains(err.Error(), c.zeroErr) {
					t.Errorf("%d zero: err %v, want %q", i, err, c.zeroErr)
				}
			case pol == BadError:
				if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), `"`+c.column+`"`) {
					t.Errorf("%d error: err %v", i, err)
				}
			}
		}
	}
}

// TestBadInput covers every input error: each must be an error naming what
// is wrong, never a panic.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	hdr := "id,ts,a,b,weak,proto,label,class\n"
	ok := "1,2024-01-01 00:00:01,1,10,0,tcp,0,normal\n"
	gzBad := append([]byte{0x1f, 0x8b}, []byte("not really gzip")...)
	if err := os.WriteFile(filepath.Join(dir, "bad.csv.gz"), gzBad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		files   map[string]string // written before the load
		paths   []string
		opts    LoadOptions
		wantErr []string
	}{
		{nil, []string{filepath.Join(dir, "nope.csv")}, LoadOptions{}, []string{"nope.csv", "no such file"}},            // 0
		{map[string]string{"empty.csv": ""}, []string{"empty.csv"}, LoadOptions{}, []string{"empty.csv", "empty file"}}, // 1
		{map[string]string{"bom.csv": "\ufeff"}, []string{"bom.csv"}, LoadOptions{}, []string{"empty file"}},            // 2
		{map[string]string{"blank.csv": "\n\r\n\n"}, []string{"blank.csv"}, LoadOptions{}, []string{"empty file"}},      // 3
		{map[string]string{"hdr.csv": hdr}, []string{"hdr.csv"}, LoadOptions{}, []string{"no data rows"}},               // 4
		{map[string]string{"miss.csv": "id,a,b\n1,2,3\n"}, []string{"miss.csv"}, LoadOptions{SortByTimestamp: true},
			[]string{"miss.csv", "missing required columns", `"label"`, `"ts"`}}, // 5
		{map[string]string{"missc.csv": "id,ts,a,label\n1,2024-01-01 00:00:01,3,0\n"}, []string{"missc.csv"},
			LoadOptions{MultiClass: true}, []string{`missing required columns "class"`}}, // 6
		{map[string]string{"short.csv": hdr + ok + "2,2024-01-01 00:00:01,1,10\n"}, []string{"short.csv"}, LoadOptions{},
			[]string{"short.csv line 3", "4 fields", "header has 8", "ragged"}}, // 7
		{map[string]string{"long.csv": hdr + ok + ok[:len(ok)-1] + ",extra\n"}, []string{"long.csv"}, LoadOptions{},
			[]string{"long.csv line 3", "9 fields"}}, // 8
		{map[string]string{"quote.csv": hdr + "1,2024-01-01 00:00:01,1\"x,10,0,tcp,0,normal\n"}, []string{"quote.csv"},
			LoadOptions{}, []string{"quote.csv line 2", `bare "`}}, // 9
		{map[string]string{"unterm.csv": hdr + ok + "1,\"2024-01-01 00:00:01,1,10,0,tcp,0,normal\n"}, []string{"unterm.csv"},
			LoadOptions{}, []string{"unterm.csv line 3", "missing"}}, // 10
		{nil, []string{filepath.Join(dir, "*.parquet")}, LoadOptions{}, []string{"no file matches"}},                            // 11
		{nil, []string{filepath.Join(dir, "emptydir")}, LoadOptions{}, []string{"holds no .csv"}},                               // 12
		{nil, []string{filepath.Join(dir, "bad.csv.gz")}, LoadOptions{}, []string{"bad.csv.gz"}},                                // 13
		{map[string]string{"twice.csv": hdr + ok}, []string{"twice.csv", "twice.csv"}, LoadOptions{}, []string{"listed twice"}}, // 14
		{map[string]string{"f1.csv": hdr + ok, "f2.csv": "id,ts,a,weak,proto,label,class\n" + "1,2024-01-01 00:00:01,1,0,tcp,0,normal\n"},
			[]string{"f1.csv", "f2.csv"}, LoadOptions{}, []string{"f2.csv", `missing required columns "b"`}}, // 15
		{map[string]string{"noin.csv": "id,ts,weak,label,class\n1,2024-01-01 00:00:01,0,0,normal\n"}, []string{"noin.csv"},
			LoadOptions{}, []string{"no input columns"}}, // 16
		{map[string]string{"auto.csv": "x,y\n1,2\n"}, []string{"auto.csv"}, LoadOptions{Profile: nil},
			[]string{"matches no built-in profile", `"x", "y"`}}, // 17
		{nil, nil, LoadOptions{}, []string{"no data files"}}, // 18
	}
	for i, c := range cases {
		for name, content := range c.files {
			writeFile(t, dir, name, content)
		}
		var paths []string
		for _, p := range c.paths {
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			paths = append(paths, p)
		}
		opts := c.opts
		if i != 17 {
			opts.Profile = testProfile()
		}
		_, _, err := Load(paths, opts)
		if err == nil {
			t.Errorf("%d: no error", i)
			continue
		}
		for _, w := range c.wantErr {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%d: error %q lacks %q", i, err, w)
			}
		}
	}
	if _, _, err := ResolveProfile("no_such_profile", nil); err == nil ||
		!strings.Contains(err.Error(), `unknown profile "no_such_profile"`) || !strings.Contains(err.Error(), "cic_ton_iot") {
		t.Errorf("unknown profile: %v", err)
	}
}

// TestMultiFile concatenates files in name order whose columns are ordered
// and spelled differently, plain and gzip.
func TestMultiFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "b.csv", "class,label,proto,weak,b,A long,ts,id\n"+
		"ddos,1,udp,0,40,4.5,2024-01-01 00:00:04,9\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(cleanCSV))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "a.csv.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, rep, err := Load([]string{dir}, LoadOptions{Profile: testProfile(), MultiClass: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 2 || filepath.Base(rep.Files[0]) != "a.csv.gz" {
		t.Errorf("files %q, want a.csv.gz first", rep.Files)
	}
	want := []float32{1.5, 10, 0, 2.5, 20, 1, 3.5, 30, 0, 4.5, 40, 1}
	if !reflect.DeepEqual(f.X, want) || !reflect.DeepEqual(f.Labels, []int32{0, 1, 2, 1}) {
		t.Errorf("X %v labels %v", f.X, f.Labels)
	}
	// A glob expands the same way.
	g, _, err := Load([]string{filepath.Join(dir, "*.csv*")}, LoadOptions{Profile: testProfile(), MultiClass: true})
	if err != nil || !reflect.DeepEqual(g.X, f.X) {
		t.Errorf("glob: %v", err)
	}
}

// TestChunking parses the real slice with tiny chunks and several workers
// (records split across many chunks, the slot store grown while parsing) and
// expects exactly the single-chunk result.
func TestChunking(t *testing.T) {
	files := cicSlice(t)
	p, _ := BuiltinProfile("cicids2017_improved")
	base := LoadOptions{Profile: p, MultiClass: true, SortByTimestamp: true, Dedupe: true}
	one := base
	one.Workers, one.ChunkBytes = 1, 64<<20
	want, _, err := Load(files, one)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ workers, chunk int }{{3, 700}, {2, 5000}, {4, 64}} {
		o := base
		o.Workers, o.ChunkBytes = c.workers, c.chunk
		got, _, err := Load(files, o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.X, want.X) || !reflect.DeepEqual(got.Labels, want.Labels) ||
			!reflect.DeepEqual(got.Timestamps, want.Timestamps) {
			t.Errorf("workers %d chunk %d: result differs from one chunk", c.workers, c.chunk)
		}
	}
	// A gzip file far more compressible than the first guess (12×) makes the
	// store grow while workers run.
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("id,ts,a,b,weak,proto,label,class\n"))
	for i := 0; i < 20000; i++ {
		zw.Write([]byte("1,2024-01-01 00:00:01,1.5,10,0,tcp,0,normal\n"))
	}
	zw.Close()
	path := filepath.Join(dir, "big.csv.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, err := Load([]string{path}, LoadOptions{Profile: testProfile(), ChunkBytes: 4096, Workers: 2})
	if err != nil || f.Rows != 20000 || f.X[3*19999] != 1.5 {
		t.Errorf("compressible gzip: %v, %d rows", err, f.Rows)
	}
}

// TestQuotedAndCRLF reads quoted fields (with commas and newlines inside) and
// CRLF line ends; errors still name the physical line.
func TestQuotedAndCRLF(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "q.csv", "\ufeff id ,ts,a,b,weak,proto,label,class\r\n"+
		"1,2024-01-01 00:00:01,\"1.5\",10,0,\"t,c\np\",0,normal\r\n"+
		"2,2024-01-01 00:00:02,2.5,20,0,\"u\"\"dp\",1,\"dd\r\nos\"\r\n"+
		"3,2024-01-01 00:00:03,x,20,0,udp,1,ddos\r\n")
	f, rep, err := Load([]string{path}, LoadOptions{Profile: testProfile(), MultiClass: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows != 2 || !reflect.DeepEqual(f.Categories["proto"], []string{"t,c\np", "u\"dp"}) ||
		!reflect.DeepEqual(f.ClassNames, []string{"normal", "dd\nos"}) || rep.RowsRead != 3 {
		t.Errorf("rows %d categories %q classes %q", f.Rows, f.Categories, f.ClassNames)
	}
	_, _, err = Load([]string{path}, LoadOptions{Profile: testProfile(), BadValues: BadError})
	if err == nil || !strings.Contains(err.Error(), "line 6") {
		t.Errorf("error %v, want line 6 (records 1 and 2 span two lines each)", err)
	}
}

// TestLoadLike encodes new data with a training frame's schema.
func TestLoadLike(t *testing.T) {
	dir := t.TempDir()
	train := writeFile(t, dir, "train.csv", cleanCSV)
	for _, enc := range []Encoding{Factorize, OneHot} {
		p := testProfile()
		p.CategoricalEncoding = enc
		f, _, err := Load([]string{train}, LoadOptions{Profile: p, MultiClass: true, SortByTimestamp: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(f.Schema())
		if err != nil {
			t.Fatal(err)
		}
		var schema Schema
		if err := json.Unmarshal(b, &schema); err != nil {
			t.Fatal(err)
		}
		// New data: other column order, an unknown category (icmp) and class (xss).
		test := writeFile(t, dir, "test.csv", "class,label,proto,weak,b,a,ts,id,extra\n"+
			"normal,0,tcp,0,10,1,2024-02-01 00:00:01,1,z\n"+
			"xss,1,icmp,0,20,2,2024-02-01 00:00:02,2,z\n"+
			"ddos,1,udp,0,30,3,2024-02-01 00:00:03,3,z\n")
		g, rep, err := LoadLike([]string{test}, schema, LoadOptions{SortByTimestamp: true})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g.FeatureNames, f.FeatureNames) || !reflect.DeepEqual(g.ClassNames, f.ClassNames) {
			t.Errorf("%s: features %q classes %q", enc, g.FeatureNames, g.ClassNames)
		}
		// Training order: classes ddos, scan, normal; proto udp, tcp.
		if !reflect.DeepEqual(g.Labels, []int32{2, -1, 0}) || rep.UnknownClasses["xss"] != 1 || rep.UnknownCategories["proto"] != 1 {
			t.Errorf("%s: labels %v report %+v", enc, g.Labels, rep)
		}
		var want []float32
		if enc == Factorize {
			want = []float32{1, 10, 1, 2, 20, -1, 3, 30, 0}
		} else {
			want = []float32{1, 10, 0, 1, 2, 20, 0, 0, 3, 30, 1, 0}
		}
		if !reflect.DeepEqual(g.X, want) {
			t.Errorf("%s: X %v, want %v", enc, g.X, want)
		}
		// Unlabeled data loads with nil labels.
		unl := writeFile(t, dir, "unl.csv", "ts,a,b,proto,weak\n2024-02-01 00:00:01,1,2,tcp,0\n")
		h, rep, err := LoadLike([]string{unl}, schema, LoadOptions{SortByTimestamp: true})
		if err != nil || h.Labels != nil || !rep.Unlabeled {
			t.Errorf("%s: unlabeled: %v %v %+v", enc, err, h, rep)
		}
		// A missing input column is an error naming it.
		miss := writeFile(t, dir, "miss.csv", "ts,a,proto,weak,label,class\n2024-02-01 00:00:01,1,tcp,0,0,normal\n")
		if _, _, err := LoadLike([]string{miss}, schema, LoadOptions{}); err == nil || !strings.Contains(err.Error(), `"b"`) {
			t.Errorf("%s: missing input: %v", enc, err)
		}
	}
}

func TestSubset(t *testing.T) {
	path := writeFile(t, t.TempDir(), "a.csv", cleanCSV)
	f, _, err := Load([]string{path}, LoadOptions{Profile: testProfile(), MultiClass: true, SortByTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	s := f.Subset([]int{2, 0})
	if s.Rows != 2 || !reflect.DeepEqual(s.X, []float32{1.5, 10, 1, 2.5, 20, 0}) || !reflect.DeepEqual(s.Labels, []int32{2, 0}) ||
		s.Timestamps[1] != f.Timestamps[0] {
		t.Errorf("Subset: %+v", s)
	}
	s.X[0] = 99
	if f.X[6] == 99 {
		t.Error("Subset shares X")
	}
	if r := f.Range(1, 3); r.Rows != 2 || r.Labels[0] != 1 {
		t.Errorf("Range: %+v", r)
	}
}

func TestMinMaxScaler(t *testing.T) {
	// Worked by hand: column 0 spans 1..3, column 1 is constant (scale 1).
	x := []float32{1, 5, 3, 5, 2, 5}
	s := FitMinMax(x, 3, 2)
	want := &MinMaxScaler{DataMin: []float64{1, 5}, DataMax: []float64{3, 5}, Scale: []float64{0.5, 1}, Min: []float64{-0.5, -5}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("FitMinMax = %+v, want %+v", s, want)
	}
	test := []float32{4, 6, 0, 5}
	s.Transform(test, 2)
	if !reflect.DeepEqual(test, []float32{1.5, 1, -0.5, 0}) {
		t.Errorf("Transform = %v (test values may leave [0, 1])", test)
	}
	s.InverseTransform(test, 2)
	if !reflect.DeepEqual(test, []float32{4, 6, 0, 5}) {
		t.Errorf("InverseTransform = %v", test)
	}
	b, _ := json.Marshal(s)
	var back MinMaxScaler
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, s) {
		t.Errorf("JSON round trip: %s", b)
	}
	// A large input exercises the parallel path.
	big := make([]float32, 20000*3)
	for i := range big {
		big[i] = float32(i % 1000)
	}
	bs := FitMinMax(big, 20000, 3)
	if bs.DataMax[0] != 999 || bs.DataMin[2] != 0 {
		t.Errorf("parallel fit: %+v", bs.DataMax)
	}
	if e := FitMinMax(nil, 0, 2); e.Scale[0] != 1 {
		t.Errorf("zero rows: %+v", e)
	}
}

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		bad  badKind
	}{
		{"0", 0, badNone},     // 0
		{"123", 123, badNone}, // 1
		{"-1", -1, badNone},   // 2
		{"81.66666666666667", 81.66666666666667, badNone}, // 3: 16 digits, fast path
		{"9.237604307034012", 9.237604307034012, badNone}, // 4: beyond 2^53: strconv
		{"1.25e3", 1250, badNone},                         // 5
		{" 7.5 ", 7.5, badNone},                           // 6
		{".5", 0.5, badNone},                              // 7
		{"1.", 1, badNone},                                // 8
		{"0.000123", 0.000123, badNone},                   // 9
		{"+3", 3, badNone},                                // 10
		{"1e-400", 0, badNone},                            // 11: underflows to 0, as pandas
		{"", 0, badMissing},                               // 12
		{"NaN", 0, badMissing},                            // 13
		{"Infinity", 0, badInfinite},                      // 14
		{"-inf", 0, badInfinite},                          // 15
		{"-", 0, badText},                                 // 16
		{"1e39", 0, badRange},                             // 17
		{"123456789012345678901234", 123456789012345678901234, badNone}, // 18
	}
	for i, c := range cases {
		v, k := parseNumber([]byte(c.in))
		if k != c.bad || (k == badNone && v != c.want) {
			t.Errorf("%d: parseNumber(%q) = %v, %v; want %v, %v", i, c.in, v, k, c.want, c.bad)
		}
	}
	if n := testing.AllocsPerRun(100, func() { parseNumber([]byte("9.237604307034012")) }); n != 0 {
		t.Errorf("parseNumber allocates %v times", n)
	}
}

func TestTimestampLayouts(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) int64 {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC).UnixNano()
	}
	cases := []struct {
		layout, in string
		want       int64
		ok         bool
	}{
		{"02/01/2006 03:04:05 PM", "25/04/2019 05:18:52 pm", utc(2019, 4, 25, 17, 18, 52, 0), true},                // 0: the seed's format, lower-case pm
		{"02/01/2006 03:04:05 PM", "25/04/2019 12:00:01 AM", utc(2019, 4, 25, 0, 0, 1, 0), true},                   // 1
		{"02/01/2006 03:04:05 PM", "25/04/2019 12:00:01 PM", utc(2019, 4, 25, 12, 0, 1, 0), true},                  // 2
		{"2006-01-02 15:04:05.000000", "2017-07-03 11:57:51.590705", utc(2017, 7, 3, 11, 57, 51, 590705000), true}, // 3
		{"2006-01-02 15:04:05.000000", "2017-07-03 11:57:51", utc(2017, 7, 3, 11, 57, 51, 0), true},                // 4: fraction optional
		{"02/01/2006 15:04", "3/7/2017 8:55", utc(2017, 7, 3, 8, 55, 0, 0), true},                                  // 5: one digit
		{"unix", "1556212732.5", utc(2019, 4, 25, 17, 18, 52, 500000000), true},                                    // 6
		{"unix_ms", "1556212732500", utc(2019, 4, 25, 17, 18, 52, 500000000), true},                                // 7
		{"02 Jan 2006 15:04", "25 Apr 2019 17:18", utc(2019, 4, 25, 17, 18, 0, 0), true},                           // 8: time.Parse fallback
		{"2006-01-02 15:04:05", "2017-02-29 00:00:00", 0, false},                                                   // 9: no Feb 29 in 2017
		{"2006-01-02 15:04:05", "2017-07-03 24:00:00", 0, false},                                                   // 10
		{"02/01/2006 03:04:05 PM", "25/04/2019 13:18:52 pm", 0, false},                                             // 11
		{"2006-01-02 15:04:05", "2017-07-03 11:57:51 junk", 0, false},                                              // 12
	}
	for i, c := range cases {
		l, err := compileLayout(c.layout)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		got, ok := l.parse([]byte(c.in))
		if ok != c.ok || got != c.want {
			t.Errorf("%d: %q with %q = %v %v, want %v %v", i, c.in, c.layout, time.Unix(0, got).UTC(), ok, time.Unix(0, c.want).UTC(), c.ok)
		}
	}
	if _, err := compileLayout("15:04"); err == nil {
		t.Error("a layout without a date compiled")
	}
}

func TestNoNaNInFrames(t *testing.T) {
	f, _, err := Load(cicSlice(t), LoadOptions{MultiClass: true, SortByTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range f.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("non-finite value in X")
		}
	}
}

func TestReadHeader(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("\ufeff a ,b,a\n1,2,3\n"))
	zw.Close()
	os.WriteFile(filepath.Join(dir, "h.csv.gz"), gz.Bytes(), 0o644)
	cases := []struct {
		name, content string
		want          []string
		wantErr       string
	}{
		{"plain.csv", "x,y\n1,2\n", []string{"x", "y"}, ""},                                                // 0
		{"blank.csv", "\n\r\n\"q,1\",y\n", []string{"q,1", "y"}, ""},                                       // 1: blank lines first, quoted name
		{"h.csv.gz", "", []string{"a", "b", "a.1"}, ""},                                                    // 2: gzip, BOM, spaces, duplicate renamed
		{"empty.csv", "", nil, "empty file"},                                                               // 3
		{"long.csv", strings.Repeat("c", 100000) + ",d\n", []string{strings.Repeat("c", 100000), "d"}, ""}, // 4
		{"bad.csv", "a\"b,c\n", nil, "header"},                                                             // 5
	}
	for i, c := range cases {
		if c.content != "" || c.name == "empty.csv" {
			writeFile(t, dir, c.name, c.content)
		}
		h, err := ReadHeader(filepath.Join(dir, c.name))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%d: err %v, want %q", i, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(h, c.want) {
			t.Errorf("%d: %d names (first %.20q), %v; want %d names", i, len(h), h, err, len(c.want))
		}
	}
	if memBudget() < 2<<30 {
		t.Errorf("memBudget %d", memBudget())
	}
}

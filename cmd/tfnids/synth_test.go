package main

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func countLines(t *testing.T, path string, gz bool) (header string, rows int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sc *bufio.Scanner
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s is not gzip: %v", path, err)
		}
		sc = bufio.NewScanner(zr)
	} else {
		sc = bufio.NewScanner(f)
	}
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if header == "" {
			header = sc.Text()
			continue
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return header, rows
}

// TestSynthCommand writes plain and gzip files and reads them back through
// `tfnids dataset describe` with the cic_ton_iot profile.
func TestSynthCommand(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "flows.csv")
	code, out, errOut := runCLI(t, "synth", "--rows", "2000", "--classes", "4", "--seed", "9", "--dirty-rate", "0.01", "--out", plain)
	if code != 0 {
		t.Fatalf("synth: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"wrote " + plain + ": 2000 rows x 84 columns", "classes: Benign ", "dirty values: ", "time: 25/04/2019 09:00:00 am to "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	header, rows := countLines(t, plain, false)
	if rows != 2000 || !strings.HasPrefix(header, "Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,") ||
		!strings.HasSuffix(header, ",Label,Attack") {
		t.Fatalf("%d rows, header %q", rows, header)
	}

	gz := filepath.Join(dir, "flows.csv.gz")
	if code, _, errOut := runCLI(t, "synth", "-n", "2000", "--classes", "4", "--seed", "9", "--dirty-rate", "0.01", "-o", gz); code != 0 {
		t.Fatalf("synth .gz: exit %d: %s", code, errOut)
	}
	if h, r := countLines(t, gz, true); h != header || r != 2000 {
		t.Fatalf("gzip file: %d rows, header %q", r, h)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*tfnids-tmp*")); len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}

	code, out, errOut = runCLI(t, "dataset", "describe", "--data", gz, "--profile", "cic_ton_iot")
	if code != 0 {
		t.Fatalf("describe: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"input features (37, in model order)", "classes (4,", "rows read:    2000", "with bad values"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe output lacks %q:\n%s", want, out)
		}
	}
}

func TestSynthUsageErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.csv")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--rows", "0", "--out", out}, "--rows must be >= 1"},                                    // 0
		{[]string{"--rows", "10", "--classes", "11", "--out", out}, "--classes must be between 1 and 10"}, // 1
		{[]string{"--rows", "10", "--profile", "netflow", "--out", out}, `unknown profile "netflow"`},     // 2
		{[]string{"--rows", "10", "--dirty-rate", "1.5", "--out", out}, "--dirty-rate"},                   // 3
		{[]string{"--rows", "10", "--start", "yesterday", "--out", out}, "--start"},                       // 4
	}
	for i, c := range cases {
		code, _, errOut := runCLI(t, append([]string{"synth"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%d: exit %d, stderr %q; want exit %d mentioning %q", i, code, errOut, exitUsage, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed synth left an output file")
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

// repoPath returns a path under the repository root.
func repoPath(t *testing.T, rel ...string) string {
	t.Helper()
	root, err := pyenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(append([]string{root}, rel...)...)
}

// describeJSON is the part of `dataset describe --json` the tests read.
type describeJSON struct {
	Profile            string         `json:"profile"`
	ProfileWhy         string         `json:"profile_why"`
	RowsRead           int            `json:"rows_read"`
	RowsKept           int            `json:"rows_kept"`
	DroppedBadValues   int            `json:"dropped_bad_values"`
	DroppedDuplicates  int            `json:"dropped_duplicates"`
	BadValuesPerColumn map[string]int `json:"bad_values_per_column"`
	HasTime            bool           `json:"has_time"`
	TimeMin            string         `json:"time_min"`
	Features           int            `json:"features"`
	FeatureNames       []string       `json:"feature_names"`
	ClassCounts        []struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	} `json:"class_counts"`
	LabelCounts []int `json:"label_counts"`
}

func describe(t *testing.T, args ...string) describeJSON {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"dataset", "describe", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("describe %v: exit %d: %s", args, code, stderr)
	}
	var d describeJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("describe --json output is not JSON: %v\n%s", err, out)
	}
	return d
}

func TestDatasetDescribeCIC(t *testing.T) {
	slice := repoPath(t, "testdata", "cicids2017-slice")
	code, out, stderr := runCLI(t, "dataset", "describe", "--data", slice)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"profile:      cicids2017_improved (auto:", "rows read:    2511", "rows kept:    2511",
		"time range:   2017-07-03 12:15:24.011464 to 2017-07-07 20:00:16.748507 UTC",
		"input features (37, in model order):", "1  Fwd Packet Length Min", "class:     Label",
		"0  BENIGN", "Heartbleed                   11", "bad values per column: none",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("describe output lacks %q:\n%s", want, out)
		}
	}
	d := describe(t, "--data", slice, "--dedupe", "--multi-class=false")
	// 400 BENIGN rows in the slice; the rest are attacks.
	if d.Profile != "cicids2017_improved" || d.RowsRead != 2511 || d.Features != 37 || len(d.ClassCounts) != 9 ||
		!d.HasTime || len(d.LabelCounts) != 2 || d.LabelCounts[0] != 400 || d.LabelCounts[1] != 2111 {
		t.Errorf("describe --json: %+v", d)
	}
}

func TestDatasetDescribeToNIoT(t *testing.T) {
	path := pyenv.SharedData(t, filepath.Join("ton-iot-network", "train_test_network.csv.gz"))
	d := describe(t, "--data", path, "--dedupe")
	// Counts from shared/data/README.md: 211,043 rows, 20,569 duplicates, 10 classes.
	if d.Profile != "ton_iot_network" || d.RowsRead != 211043 || d.DroppedDuplicates != 20569 || len(d.ClassCounts) != 10 ||
		d.HasTime || d.FeatureNames[0] != "proto" {
		t.Errorf("describe ToN-IoT: %+v", d)
	}
	code, out, _ := runCLI(t, "dataset", "describe", path)
	if code != 0 || !strings.Contains(out, "time range:   none (profile ton_iot_network has no timestamp column") {
		t.Errorf("text output (positional path): exit %d\n%s", code, out)
	}
}

func TestDatasetDescribeNetFlow(t *testing.T) {
	path := repoPath(t, "dataset", "testdata", "netflow_sample.csv")
	d := describe(t, "-d", path, "--profile", "netflow")
	if d.Profile != "netflow" || d.RowsRead != 16 || d.RowsKept != 15 || d.BadValuesPerColumn["OUT_BYTES"] != 1 ||
		d.Features != 8 || d.ClassCounts[0].Name != "Benign" {
		t.Errorf("describe NetFlow: %+v", d)
	}
	code, out, _ := runCLI(t, "dataset", "describe", "-d", path, "--multi-class=false")
	for _, want := range []string{"netflow (auto: NetFlow columns", "labels:       binary: 0 benign 4, 1 attack 11", "OUT_BYTES                    1"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("text output lacks %q (exit %d):\n%s", want, code, out)
		}
	}
}

func TestDatasetDescribeErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, nil, 0o644)
	dirty := filepath.Join(dir, "dirty.csv")
	os.WriteFile(dirty, []byte("IPV4_SRC_ADDR,L4_SRC_PORT,IPV4_DST_ADDR,L4_DST_PORT,PROTOCOL,IN_BYTES,OUT_BYTES,Label,Attack\n"+
		"1.2.3.4,1,5.6.7.8,2,6,-,3,0,Benign\n"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"dataset", "describe"}, "--data"},                                                                         // 0
		{[]string{"dataset", "describe", "-d", filepath.Join(dir, "nope.csv")}, "no such file"},                             // 1
		{[]string{"dataset", "describe", "-d", empty}, "empty file"},                                                        // 2
		{[]string{"dataset", "describe", "-d", dirty, "--profile", "nope"}, "unknown profile"},                              // 3
		{[]string{"dataset", "describe", "-d", dirty, "--bad-values", "skip"}, "bad-value"},                                 // 4
		{[]string{"dataset", "describe", "-d", dirty, "--bad-values", "error"}, `line 2, column "IN_BYTES": bad value "-"`}, // 5
		{[]string{"dataset", "describe", "-d", dirty, "--profile", "cic_ton_iot"}, "missing required columns"},              // 6
		{[]string{"dataset", "describe", "-d", dirty, "--bad-values", "error"}, "(--bad-values drop skips such rows"},       // 7
		{[]string{"dataset", "describe", "-d", dirty}, `no row kept: 1 read, 1 dropped for bad values`},                     // 8
		{[]string{"dataset", "describe", "-d", dirty}, `"IN_BYTES" (1 of 1 rows)`},                                          // 9
		{[]string{"dataset", "describe", "-d", dirty}, "--drop COL"},                                                        // 10
		{[]string{"dataset", "describe", "-d", dirty, "--drop", "NOPE"}, `column "NOPE": no such column to drop`},           // 11
		{[]string{"dataset", "describe", "-d", dirty, "--label-case", "upper"}, "--label-case"},                             // 12
	}
	for i, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%d: %v: exit %d, stderr %q; want exit %d and %q", i, c.args, code, stderr, exitUsage, c.want)
		}
	}
}

// writeNetFlowWithText writes a NetFlow v2 CSV with one extra constant text
// column, as merged NF-* collections carry: rows of three classes,
// interleaved.
func writeNetFlowWithText(t *testing.T, rows int) string {
	t.Helper()
	cols := []string{"IPV4_SRC_ADDR", "L4_SRC_PORT", "IPV4_DST_ADDR", "L4_DST_PORT", "PROTOCOL", "L7_PROTO", "IN_BYTES",
		"IN_PKTS", "OUT_BYTES", "OUT_PKTS", "TCP_FLAGS", "CLIENT_TCP_FLAGS", "SERVER_TCP_FLAGS", "FLOW_DURATION_MILLISECONDS",
		"DURATION_IN", "DURATION_OUT", "MIN_TTL", "MAX_TTL", "LONGEST_FLOW_PKT", "SHORTEST_FLOW_PKT", "Label", "Attack", "Dataset"}
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	classes := []string{"Benign", "scanning", "ddos"}
	for i := 0; i < rows; i++ {
		k := i % 3
		label := 0
		if k > 0 {
			label = 1
		}
		fmt.Fprintf(&b, "10.0.0.%d,%d,10.0.1.%d,80,6,7.0", i%250+1, 1024+i, i%250+1)
		for j := 0; j < 14; j++ {
			fmt.Fprintf(&b, ",%d", (i*31+j*7)%97+k*50)
		}
		fmt.Fprintf(&b, ",%d,%s,NF-UNSW-NB15-v2\n", label, classes[k])
	}
	path := filepath.Join(t.TempDir(), "nf_merged.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The first case: a NetFlow v2 file with an extra text column is
// described and trained with --profile auto and no column flag; the text
// column is left out with a warning naming it.
func TestNetFlowExtraTextColumn(t *testing.T) {
	path := writeNetFlowWithText(t, 120)
	code, out, stderr := runCLI(t, "dataset", "describe", "--json", "--data", path, "--profile", "auto")
	if code != 0 {
		t.Fatalf("describe: exit %d: %s", code, stderr)
	}
	var d describeJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Profile != "netflow" || d.RowsKept != 120 || d.Features != 16 || slices.Contains(d.FeatureNames, "Dataset") {
		t.Errorf("describe: %+v", d)
	}
	if !strings.Contains(stderr, `warning: column "Dataset" is not a feature: it holds text in 120 of the first 120 rows`) {
		t.Errorf("describe warns %q", stderr)
	}

	dir := t.TempDir()
	code, out, stderr = runCLI(t, "train", "--data", path, "--profile", "auto", "--epochs", "1", "--threads", "1",
		"--weights-dir", filepath.Join(dir, "w"), "--results-dir", filepath.Join(dir, "r"))
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "results: ") || !strings.Contains(stderr, `column "Dataset" is not a feature`) {
		t.Errorf("train: stdout %q stderr %q", out, stderr)
	}
}

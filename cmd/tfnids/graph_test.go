package main

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGraphDescribeAndFeatures(t *testing.T) {
	data := repoPath(t, "testdata", "cicids2017-slice")
	code, out, errOut := runCLI(t, "graph", "describe", "--data", data, "--json", "-q")
	if code != 0 {
		t.Fatalf("describe: exit %d: %s", code, errOut)
	}
	var d struct {
		Nodes, Edges int
		Communities  int `json:"communities"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	// the slice's graph, counted by networkx in the parity test
	if d.Nodes != 157 || d.Edges != 172 || d.Communities < 1 {
		t.Errorf("describe: %+v, want 157 nodes, 172 edges", d)
	}
	dst := filepath.Join(t.TempDir(), "f.csv.gz")
	code, _, errOut = runCLI(t, "graph", "features", "--data", data, "--out", dst, "--measures", "degree,k_core", "-q")
	if code != 0 {
		t.Fatalf("features: exit %d: %s", code, errOut)
	}
	fh, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	if got := strings.Join(head[len(head)-4:], ","); got != "src_degree,dst_degree,src_k_core,dst_k_core" {
		t.Errorf("appended columns %s", got)
	}
	if len(recs) != 2512 {
		t.Errorf("%d lines, want header + 2511 rows", len(recs))
	}
}

func TestGraphNeedsIPColumns(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.yaml")
	os.WriteFile(prof, []byte("name: noip\nclass_column: Label\nbenign_class: BENIGN\n"), 0o644)
	code, _, errOut := runCLI(t, "graph", "describe", "--data", repoPath(t, "testdata", "cicids2017-slice"), "--profile", prof)
	if code != 2 || !strings.Contains(errOut, "src_ip_column, dst_ip_column") {
		t.Errorf("exit %d, stderr %q: want a usage error naming the missing IP columns", code, errOut)
	}
}

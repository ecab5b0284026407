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

func TestTrainComputesNetworkFeaturesPerFold(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCLI(t, "train", "--data", sliceDir(t), "--profile", "cicids2017_improved", "--name", "nf",
		"--models", "cnn", "--cv", "stratified", "--splits", "2", "--epochs", "1", "--batch-size", "64",
		"--threads", "1", "--seed", "5", "-q", "--network-features", "--graph-scope", "fold", "--measures", "degree,pagerank,Comm",
		"--weights-dir", filepath.Join(dir, "w"), "--results-dir", filepath.Join(dir, "r"))
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "r", "nf", "*.json"))
	if len(files) != 1 {
		t.Fatalf("results files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	var res struct {
		InputDim        int      `json:"input_dim"`
		NetworkFeatures []string `json:"network_features"`
		NetworkGraph    *struct {
			Scope    string   `json:"scope"`
			Measures []string `json:"measures"`
		} `json:"network_graph"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.NetworkGraph == nil || res.NetworkGraph.Scope != "fold" || len(res.NetworkGraph.Measures) != 3 {
		t.Errorf("network_graph %+v, want fold scope and 3 measures", res.NetworkGraph)
	}
	if len(res.NetworkFeatures) != 6 || res.NetworkFeatures[0] != "src_degree" {
		t.Errorf("network_features %v", res.NetworkFeatures)
	}
}

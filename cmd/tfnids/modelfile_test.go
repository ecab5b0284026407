package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/experiment"
	"github.com/tfnids/tfnids/internal/clitest"
	"github.com/tfnids/tfnids/internal/pyenv"
)

// TestSummaryKerasToJSON loads Keras' model.to_json() of several
// architectures (Sequential and single-chain functional) and checks that
// `tfnids summary --model-file` prints Keras' own parameter totals.
func TestSummaryKerasToJSON(t *testing.T) {
	py := pyenv.Require(t, "tensorflow", "keras")
	out, err := pyenv.Run(py, "testdata/keras_models.py")
	if err != nil {
		t.Fatal(err)
	}
	var models map[string]struct {
		JSON        string `json:"json"`
		CountParams int64  `json:"count_params"`
	}
	if err := json.Unmarshal(out, &models); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, m := range models {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, name+".json")
			if err := os.WriteFile(file, []byte(m.JSON), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "summary", "--model-file", file)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			want := fmt.Sprintf(" Total params: %s (", builders.Thousands(m.CountParams))
			if !strings.Contains(stdout, want) {
				t.Errorf("summary lacks %q (Keras' count_params):\n%s", want, stdout)
			}
		})
	}
}

// TestModelFileErrors checks that bad model files fail before anything is
// built, each with a message naming what is wrong.
func TestModelFileErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		body string
		args []string
		want string
	}{
		{"layers: [unclosed", nil, "neither JSON nor YAML"},                                                                       // 0
		{"layers:\n  - Conv2D: {filters: 3}", nil, `unknown layer class "Conv2D"`},                                                // 1
		{"layers:\n  - Dense: {units: many}", nil, "argument units: \"many\" is not an integer"},                                  // 2
		{"layers:\n  - Dense: {units: 8}\n  - LSTM: {units: 4}", nil, "layer lstm (LSTM) gets (None, 8) from dense (Dense)"},      // 3
		{"layers:\n  - LSTM: {units: 4}", nil, "LSTM reads windows"},                                                              // 4
		{"layers:\n  - Conv1D: {filters: 2, kernel_size: 3}", nil, "layer dense (Dense) gets (None, 35, 2) from conv1d (Conv1D)"}, // 5
		{"features: 12\nlayers:\n  - Dense: {units: 4}", nil, "takes 12 features per row, the data has 37"},                       // 6
	}
	for i, c := range cases {
		file := filepath.Join(dir, fmt.Sprintf("m%d.yaml", i))
		if err := os.WriteFile(file, []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI(t, append([]string{"summary", "--model-file", file, "--features", "37", "--classes", "5"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%d: exit %d, stderr %q; want exit %d mentioning %q", i, code, stderr, exitUsage, c.want)
		}
	}
	// train refuses a window model on row data... as a usage error before any training.
	file := filepath.Join(dir, "rows.yaml")
	os.WriteFile(file, []byte("layers:\n  - GRU: {units: 4}"), 0o644)
	code, _, stderr := runCLI(t, "train", "--data", sliceDir(t), "--profile", "cicids2017_improved", "--model-file", file,
		"--weights-dir", filepath.Join(dir, "w"), "--results-dir", filepath.Join(dir, "r"), "-q")
	if code != exitUsage || !strings.Contains(stderr, "GRU reads windows") {
		t.Errorf("train with a window model on rows: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "w")); err == nil {
		if m, _ := filepath.Glob(filepath.Join(dir, "w", "*", "*", "*", "*.index")); len(m) > 0 {
			t.Errorf("checkpoints written before the error: %v", m)
		}
	}
}

// TestCustomModelEndToEnd trains a model from a model file on the slice,
// is interrupted, resumes and exports, then predicts from the export and
// serves it.
func TestCustomModelEndToEnd(t *testing.T) {
	dir := t.TempDir()
	modelFile := repoPath(t, "docs", "examples", "cnn_gru.yaml")
	args := []string{"train", "--data", sliceDir(t), "--profile", "cicids2017_improved", "--name", "slice",
		"--model-file", modelFile, "--cv", "stratified", "--splits", "2", "--epochs", "4", "--batch-size", "32",
		"--patience", "0", "--threads", "1", "--seed", "5", "-q",
		"--weights-dir", filepath.Join(dir, "w"), "--results-dir", filepath.Join(dir, "r")}
	c := clitest.Start(t, "", args...)
	waitForCheckpoints(t, dir, 2)
	c.Signal(syscall.SIGINT)
	if code := c.Wait(t, 120*time.Second); code != exitInterrupt && code != 0 {
		t.Fatalf("interrupted train: exit %d:\n%s", code, c.Output())
	}
	export := filepath.Join(dir, "export")
	code, stdout, stderr := runCLI(t, append(args, "--resume", "--export", export)...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "export/cnn_gru/2") {
		t.Errorf("train output lacks the export:\n%s", stdout)
	}
	base := filepath.Join(export, "cnn_gru")
	if _, err := os.Stat(filepath.Join(base, "2", "saved_model.pb")); err != nil {
		t.Fatalf("no export of the last fold: %v", err)
	}
	// The card in the export holds the full spec.
	card, err := os.ReadFile(filepath.Join(base, "2", "assets", "tfnids_model.json"))
	if err != nil || !bytes.Contains(card, []byte(`"class": "GRU"`)) {
		t.Errorf("exported card lacks the spec (%v):\n%s", err, card)
	}
	// A second export from the checkpoints rebuilds the same graph.
	if code, out, errOut := runCLI(t, "export", "--weights", filepath.Join(dir, "w", "slice", experiment.ModelDir("cnn_gru mc"), "fold-2"), "--out", filepath.Join(base, "3")); code != 0 {
		t.Fatalf("export from checkpoints: %d\n%s\n%s", code, out, errOut)
	}

	outCSV := filepath.Join(dir, "pred.csv")
	code, stdout, stderr = runCLI(t, "predict", "--model", base, "--data", sliceDir(t), "--out", outCSV)
	if code != 0 || !strings.Contains(stdout, "accuracy") {
		t.Fatalf("predict: exit %d\n%s\n%s", code, stdout, stderr)
	}

	srv := clitest.Start(t, "", "serve", "--model-base-path", base, "--port", "0", "--threads", "1")
	srv.WaitFor(t, "/v1/models/cnn_gru\n", 60*time.Second)
	m := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/v1/models/cnn_gru)\n`).FindStringSubmatch(srv.Output())
	if m == nil {
		t.Fatalf("serve logged no address:\n%s", srv.Output())
	}
	url := m[1] + ":predict"
	// One row of raw features, as many as the card says the model takes.
	var cd struct{ Model struct{ Features int } }
	if err := json.Unmarshal(card, &cd); err != nil || cd.Model.Features < 1 {
		t.Fatalf("card: %v %+v", err, cd)
	}
	row := make([]string, cd.Model.Features)
	for j := range row {
		row[j] = strconv.FormatFloat(float64(j%7), 'f', 1, 64)
	}
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"instances": [[`+strings.Join(row, ", ")+`]]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"classes"`) {
		t.Errorf("predict over REST: %d %s", resp.StatusCode, b)
	}
}

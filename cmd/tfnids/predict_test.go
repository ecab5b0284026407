package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// exportFold exports a trained fold as version 1 of base/ids.
func exportFold(t *testing.T, f *trainedFold) string {
	t.Helper()
	base := filepath.Join(t.TempDir(), "ids")
	if code, out, errOut := runCLI(t, "export", "--weights", f.dir, "--out", filepath.Join(base, "1")); code != 0 {
		t.Fatalf("export: %d\n%s\n%s", code, out, errOut)
	}
	return base
}

// TestPredictCommand classifies the slice with the export (CSV and JSON
// lines) and checks every class against the in-process model and the
// scores printed.
func TestPredictCommand(t *testing.T) {
	for _, kind := range []string{"cnn", "gru"} {
		t.Run(kind, func(t *testing.T) {
			f := fold(t, kind)
			base := exportFold(t, f)
			outCSV := filepath.Join(t.TempDir(), "pred.csv")
			code, out, errOut := runCLI(t, "predict", "--model", base, "--data", sliceDir(t), "--out", outCSV)
			if code != 0 {
				t.Fatalf("predict: %d\n%s\n%s", code, out, errOut)
			}
			for _, want := range []string{"wrote ", "read 2511 rows (2511 kept", "accuracy", "weighted avg", "macro avg"} {
				if !strings.Contains(out, want) {
					t.Errorf("predict output lacks %q:\n%s", want, out)
				}
			}
			file, err := os.Open(outCSV)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			recs, err := csv.NewReader(file).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			names := f.card.Schema.ClassNames
			header := recs[0]
			if strings.Join(header[:5], ",") != "row,timestamp,label,predicted,class" || len(header) != 5+len(names) || header[5] != "prob_"+names[0] {
				t.Errorf("CSV header %v", header)
			}
			if len(recs)-1 != len(f.classes) {
				t.Fatalf("%d predictions, want %d", len(recs)-1, len(f.classes))
			}
			window := f.card.Model.WindowLength()
			for i, r := range recs[1:] {
				row, _ := strconv.Atoi(r[0])
				cls, _ := strconv.Atoi(r[4])
				if row != i+window-1 || cls != int(f.classes[i]) || r[3] != names[cls] {
					t.Fatalf("prediction %d: %v; want row %d class %d (%s)", i, r, i+window-1, f.classes[i], names[f.classes[i]])
				}
				if r[2] != names[f.frame.Labels[row]] {
					t.Fatalf("prediction %d: label %s, want %s", i, r[2], names[f.frame.Labels[row]])
				}
				sum := 0.0
				for _, p := range r[5:] {
					v, err := strconv.ParseFloat(p, 64)
					if err != nil {
						t.Fatal(err)
					}
					sum += v
				}
				if sum < 0.999 || sum > 1.001 {
					t.Fatalf("prediction %d: probabilities sum to %v", i, sum)
				}
			}

			// JSON lines on standard output; scores on standard error.
			code, out, errOut = runCLI(t, "predict", "--model", filepath.Join(base, "1"), "--data", sliceDir(t), "--format", "jsonl")
			if code != 0 || !strings.Contains(errOut, "accuracy") {
				t.Fatalf("predict --format jsonl: %d\n%s", code, errOut)
			}
			if !regexp.MustCompile(`time per stage: read [0-9.]+s, .*load model .*predict .*write `).MatchString(errOut) {
				t.Errorf("predict: no stage times on standard error:\n%s", errOut)
			}
			sc := bufio.NewScanner(strings.NewReader(out))
			n := 0
			for sc.Scan() {
				var line struct {
					Row           int
					Predicted     string
					Class         int
					Label         string
					Timestamp     string
					Probabilities map[string]float64
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("line %d: %v: %s", n, err, sc.Text())
				}
				if line.Class != int(f.classes[n]) || line.Predicted != names[line.Class] || len(line.Probabilities) != len(names) || line.Timestamp == "" {
					t.Fatalf("line %d: %s", n, sc.Text())
				}
				n++
			}
			if n != len(f.classes) {
				t.Errorf("%d JSON lines, want %d", n, len(f.classes))
			}
		})
	}
}

func TestPredictUsageErrors(t *testing.T) {
	f := fold(t, "cnn")
	base := exportFold(t, f)
	notTfnids := filepath.Join(t.TempDir(), "plain")
	os.MkdirAll(filepath.Join(notTfnids, "1"), 0o755)
	os.WriteFile(filepath.Join(notTfnids, "1", "saved_model.pb"), nil, 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--data", sliceDir(t)}, "--model is required"},                                             // 0
		{[]string{"--model", base}, "give the data"},                                                         // 1
		{[]string{"--model", base, "--data", sliceDir(t), "--format", "xml"}, `--format "xml"`},              // 2
		{[]string{"--model", filepath.Join(t.TempDir(), "none"), "--data", sliceDir(t)}, "not a SavedModel"}, // 3
		{[]string{"--model", notTfnids, "--data", sliceDir(t)}, "not a tfnids export"},                       // 4
		{[]string{"--model", base, "--data", filepath.Join(t.TempDir(), "missing.csv")}, "missing.csv"},      // 5
		{[]string{"--model", base, "--data", sliceDir(t), "--profile", "netflow"}, "predict"},                // 6
		{[]string{"--model", base, "--data", sliceDir(t), "--bad-values", "skip"}, "--bad-values"},           // 7
	}
	for i, c := range cases {
		code, _, errOut := runCLI(t, append([]string{"predict"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%d: predict %v: code %d, stderr %q; want exit %d and %q", i, c.args, code, errOut, exitUsage, c.want)
		}
	}
}

func TestInspectCommand(t *testing.T) {
	f := fold(t, "gru")
	base := exportFold(t, f)
	code, out, errOut := runCLI(t, "inspect", base)
	if code != 0 {
		t.Fatalf("inspect: %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"SavedModel: " + filepath.Join(base, "1"),
		"MetaGraphDef with tag-set: 'serve' contains the following SignatureDefs:",
		"signature_def['serving_default']:",
		"    inputs['x'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 3, 37)\n        name: x:0",
		"    outputs['classes'] tensor_info:\n        dtype: DT_INT64\n        shape: (-1)\n        name: classes:0",
		"    outputs['probabilities'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 9)\n        name: probabilities:0",
		"Method name is: tensorflow/serving/predict",
		"SaverDef: V2, filename tensor save/Const:0, restore op save/restore_all",
		"gru/gru_cell/kernel",
		"Classes (9;", "    0  " + f.card.Schema.ClassNames[0],
		"Input features (37,", "    0  " + f.card.Schema.FeatureNames[0],
		"Model card: gru, gru sl-3 mc  layers-80, dataset slice fold 1, profile cicids2017_improved, windows of 3 rows",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "inspect", "--json", filepath.Join(base, "1"))
	var js struct {
		Tags         [][]string
		SignatureDef map[string]struct {
			Inputs map[string]struct {
				Dtype string
			}
		} `json:"signature_def"`
		ClassNames []string `json:"class_names"`
		Variables  []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != 0 {
		t.Fatalf("inspect --json: %d %v\n%s", code, err, out)
	}
	if js.SignatureDef["serving_default"].Inputs["x"].Dtype != "DT_FLOAT" || len(js.ClassNames) != 9 || len(js.Variables) == 0 {
		t.Errorf("inspect --json: %s", out)
	}
	if code, _, errOut := runCLI(t, "inspect", t.TempDir()); code != exitUsage || !strings.Contains(errOut, "not a SavedModel directory") {
		t.Errorf("inspect of an empty dir: %d %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "inspect"); code != exitUsage {
		t.Errorf("inspect without a dir: %d", code)
	}
}

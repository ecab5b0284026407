package serving

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/internal/npy"
	"github.com/tfnids/tfnids/internal/pyenv"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/tfgraph"
)

// fixture is a model trained for two epochs on synthetic flows, its
// checkpoint and card, and its in-process predictions.
type fixture struct {
	card   *modelcard.Card
	model  *builders.Model
	ckpt   string
	raw    []float32 // rows x features, unscaled
	rows   int
	probs  []float32 // in-process Predict on the scaled examples
	width  int       // probabilities per example in probs (1 for binary)
	inputs []float32 // the export's input: raw rows or raw windows
	shape  []int64
}

var featureNames = []string{"Flow Duration", "Tot Fwd Pkts", "Flow Byts/s", "Fwd Pkt Len Mean", "SYN Flag Cnt", "Init Fwd Win Byts"}

// rawFlows returns n rows of 6 raw features on flow-feature scales.
func rawFlows(n int, seed uint64) ([]float32, []int32) {
	r := rand.New(rand.NewPCG(seed, 7))
	scales := []float64{1.2e8, 5000, 3e6, 1500, 1, 65535}
	x := make([]float32, 0, n*len(scales))
	y := make([]int32, n)
	for i := 0; i < n; i++ {
		y[i] = int32(r.IntN(3))
		for j, s := range scales {
			v := r.Float64() * s * (0.3 + 0.35*float64(y[i]))
			if j == 4 {
				v = float64(r.IntN(2))
			}
			x = append(x, float32(math.Round(v*100)/100))
		}
	}
	return x, y
}

func newFixture(t testing.TB, kind string, bin bool) *fixture {
	t.Helper()
	return newFixtureSeed(t, kind, bin, 7)
}

// newFixtureSeed is newFixture with another model seed (other weights).
func newFixtureSeed(t testing.TB, kind string, bin bool, seed int64) *fixture {
	t.Helper()
	const n, f = 48, 6
	raw, labels := rawFlows(n, 11)
	classes := []string{"BENIGN", "DDoS", "PortScan"}
	if bin {
		classes = []string{"benign", "attack"}
		for i := range labels {
			labels[i] = min(labels[i], 1)
		}
	}
	scaler := dataset.FitMinMax(raw, n, f)
	scaled := append([]float32(nil), raw...)
	scaler.Transform(scaled, n)
	cfg := builders.Config{Model: kind, Features: f, Classes: len(classes), SeqLen: 3, Binary: bin, Seed: seed}
	m, err := builders.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Open(tfgraph.SessionConfig{IntraOpThreads: 2, InterOpThreads: 1}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	examples := func(x []float32) builders.Examples {
		if !cfg.IsRecurrent() {
			return dataset.NewRows(x, n, f, labels)
		}
		w, err := dataset.NewWindows(x, n, f, labels, 3)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	if _, err := m.Fit(examples(scaled), builders.FitOptions{Epochs: 2, BatchSize: 16, Shuffle: true, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "weights", kind, "fold-1", "weights-02-0.5000")
	if err := m.Save(ckpt); err != nil {
		t.Fatal(err)
	}
	schema := dataset.Schema{FeatureNames: featureNames, ClassNames: classes, MultiClass: !bin}
	card := modelcard.New(modelcard.Model{Model: kind, Features: f, Classes: len(classes), SeqLen: 3, Binary: bin, Seed: seed}, schema, scaler)
	card.Name = m.Name()
	if err := modelcard.Write(filepath.Dir(ckpt), card); err != nil {
		t.Fatal(err)
	}
	probs, _, err := m.Predict(examples(scaled), 16)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{card: card, model: m, ckpt: ckpt, raw: raw, rows: n, probs: probs, width: len(classes)}
	if bin {
		fx.width = 1
	}
	ex := examples(raw)
	idx := make([]int, ex.Len())
	for i := range idx {
		idx[i] = i
	}
	fx.shape = append([]int64{int64(ex.Len())}, int64s(ex.Shape())...)
	fx.inputs = make([]float32, prod(fx.shape))
	ex.Gather(idx, fx.inputs, nil)
	return fx
}

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func prod(s []int64) int {
	n := 1
	for _, d := range s {
		n *= int(d)
	}
	return n
}

// want returns the probabilities the export should give: the model's, with
// a binary sigmoid p expanded to [1-p, p].
func (fx *fixture) want() []float32 {
	if fx.width != 1 {
		return fx.probs
	}
	out := make([]float32, 0, 2*len(fx.probs))
	for _, p := range fx.probs {
		out = append(out, 1-p, p)
	}
	return out
}

func runExport(t *testing.T, p *tfgraph.Predictor, x []float32, shape []int64) ([]float32, []int64) {
	t.Helper()
	xt, err := tfgraph.NewFloat32(x, shape...)
	if err != nil {
		t.Fatal(err)
	}
	defer tfgraph.FreeTensors(xt)
	out, err := p.Run("", map[string]*tf.Tensor{"x": xt})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Free()
	probs, _ := tfgraph.Float32s(out["probabilities"])
	classes, _ := tfgraph.Int64s(out["classes"])
	return probs, classes
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestExportAllModels exports cnn, lstm and gru (and a binary dense model)
// from their training checkpoints, loads each with TensorFlow's loader and
// checks the signature on raw features against the in-process predictions
// on scaled features; with the venv, saved_model_cli and
// tf.saved_model.load give the same numbers.
func TestExportAllModels(t *testing.T) {
	cases := []struct {
		kind   string
		binary bool
		shape  string
	}{
		{"cnn", false, "(-1, 6)"},     // 0
		{"lstm", false, "(-1, 3, 6)"}, // 1
		{"gru", false, "(-1, 3, 6)"},  // 2
		{"dense", true, "(-1, 6)"},    // 3
	}
	for i, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			t.Parallel() // the Python checks start TensorFlow three times per model
			fx := newFixture(t, c.kind, c.binary)
			dir := filepath.Join(t.TempDir(), "serving", c.kind, "1")
			card, ckpt, err := modelcard.Locate(filepath.Dir(fx.ckpt))
			if err != nil {
				t.Fatal(err)
			}
			if err := Export(ExportOptions{Card: card, Checkpoint: ckpt, Dir: dir}); err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			p, err := tfgraph.LoadPredictor(dir, nil, tfgraph.SessionConfig{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			probs, classes := runExport(t, p, fx.inputs, fx.shape)
			want := fx.want()
			// The export runs in another session of the same library: the
			// same kernels, perhaps another reduction split; 1e-6 of the
			// probabilities' scale 1 (approx.Rel) admits only rounding.
			if d := maxAbsDiff(probs, want); d > 1e-6 {
				t.Errorf("%s: export differs from in-process predictions by %g", c.kind, d)
			} else {
				t.Logf("%s: max |export - in-process| = %.2g over %d probabilities", c.kind, d, len(want))
			}
			wantCls := builders.Classes(fx.probs, fx.width, c.binary)
			for j := range classes {
				if classes[j] != int64(wantCls[j]) {
					t.Errorf("%s: class %d = %d, in-process %d", c.kind, j, classes[j], wantCls[j])
					break
				}
			}
			for _, a := range []string{"class_names.txt", "feature_names.txt", "tfnids_model.json"} {
				if p.AssetPath(a) == "" {
					t.Errorf("asset %s missing", a)
				}
			}
			names, _ := os.ReadFile(p.AssetPath("feature_names.txt"))
			if got := modelcard.ParseNames(names); strings.Join(got, "|") != strings.Join(featureNames, "|") {
				t.Errorf("feature_names.txt = %q", got)
			}
			pythonCheck(t, dir, fx.inputs, fx.shape, probs, classes, c.shape)
		})
	}
}

// pythonCheck runs saved_model_cli show/run and tf.saved_model.load on dir.
func pythonCheck(t *testing.T, dir string, x []float32, shape []int64, probs []float32, classes []int64, wantShape string) {
	t.Helper()
	py := pyenv.Require(t, "tensorflow")
	root, err := pyenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(filepath.Dir(py), "saved_model_cli")
	show, err := exec.Command(cli, "show", "--dir", dir, "--all").CombinedOutput()
	if err != nil {
		t.Fatalf("saved_model_cli show: %v\n%s", err, show)
	}
	for _, want := range []string{
		"signature_def['serving_default']:",
		"inputs['x'] tensor_info:\n        dtype: DT_FLOAT\n        shape: " + wantShape + "\n        name: x:0",
		"outputs['probabilities'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, ",
		"        name: probabilities:0",
		"outputs['classes'] tensor_info:\n        dtype: DT_INT64\n        shape: (-1)\n        name: classes:0",
		"Method name is: tensorflow/serving/predict",
	} {
		if !strings.Contains(string(show), want) {
			t.Errorf("saved_model_cli show --all lacks %q:\n%s", want, show)
		}
	}
	tmp := t.TempDir()
	in := filepath.Join(tmp, "x.npy")
	dims := make([]int, len(shape))
	for i, d := range shape {
		dims[i] = int(d)
	}
	if err := npy.WriteFile(in, x, dims...); err != nil {
		t.Fatal(err)
	}
	outdir := filepath.Join(tmp, "cli")
	run := exec.Command(cli, "run", "--dir", dir, "--tag_set", "serve", "--signature_def", "serving_default",
		"--inputs", "x="+in, "--outdir", outdir)
	run.Env = append(os.Environ(), "TF_CPP_MIN_LOG_LEVEL=2")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("saved_model_cli run: %v\n%s", err, out)
	}
	var res struct {
		Load, Cli map[string][]float64
	}
	pyenv.RunJSON(t, py, filepath.Join(root, "tfgraph", "testdata", "savedmodel_check.py"), map[string]string{"dir": dir, "inputs": in, "cli_outdir": outdir}, &res)
	for _, src := range []struct {
		name string
		got  map[string][]float64
	}{{"tf.saved_model.load", res.Load}, {"saved_model_cli run", res.Cli}} {
		gp := src.got["probabilities"]
		worst := 0.0
		for i := range gp {
			worst = math.Max(worst, math.Abs(gp[i]-float64(probs[i])))
		}
		// Python's TensorFlow wheel is another build than libtensorflow
		// (other kernels, other vectorization): probabilities agree to
		// 1e-5 of their scale 1, about 80 float32 ulps at 0.5; a wrong
		// scaler or weight moves them by far more.
		if len(gp) != len(probs) || worst > 1e-5 {
			t.Errorf("%s: %d probabilities, max diff %g from Go", src.name, len(gp), worst)
		}
		if fmt.Sprint(src.got["classes"]) != fmt.Sprint(classes) {
			t.Errorf("%s: classes %v, Go %v", src.name, src.got["classes"], classes)
		}
	}
}

// TestExportFromLiveModel exports straight from a training session (train
// --export's path): same predictions, and only the model's weights in
// variables/.
func TestExportFromLiveModel(t *testing.T) {
	fx := newFixture(t, "gru", false)
	dir := filepath.Join(t.TempDir(), "gru", "3")
	if err := Export(ExportOptions{Card: fx.card, Model: fx.model, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	p, err := tfgraph.LoadPredictor(dir, nil, tfgraph.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	probs, _ := runExport(t, p, fx.inputs, fx.shape)
	if d := maxAbsDiff(probs, fx.want()); d > 1e-6 {
		t.Errorf("export from the live session differs by %g", d)
	}
}

// TestExportRejectsBadInput: a checkpoint of another model, an existing
// version, a non-integer version directory: clear errors, nothing written.
func TestExportRejectsBadInput(t *testing.T) {
	cnn := newFixture(t, "cnn", false)
	gru := newFixture(t, "gru", false)
	base := filepath.Join(t.TempDir(), "cnn")
	if err := os.MkdirAll(filepath.Join(base, "1"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		opts ExportOptions
		want string
	}{
		{ExportOptions{Card: cnn.card, Checkpoint: gru.ckpt, Dir: filepath.Join(base, "2")}, "does not match the model"},   // 0
		{ExportOptions{Card: cnn.card, Checkpoint: cnn.ckpt, Dir: filepath.Join(base, "1")}, "refusing to overwrite"},      // 1
		{ExportOptions{Card: cnn.card, Checkpoint: cnn.ckpt, Dir: filepath.Join(base, "v2")}, "integer version"},           // 2
		{ExportOptions{Card: cnn.card, Model: gru.model, Dir: filepath.Join(base, "3")}, "does not match its card"},        // 3
		{ExportOptions{Card: cnn.card, Checkpoint: cnn.ckpt + "-missing", Dir: filepath.Join(base, "4")}, "no checkpoint"}, // 4
	}
	for i, c := range cases {
		err := Export(c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d: %v; want an error containing %q", i, err, c.want)
		}
		if i == 1 && !errors.Is(err, tfgraph.ErrExists) {
			t.Errorf("%d: %v is not ErrExists", i, err)
		}
	}
	entries, _ := os.ReadDir(base)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("base holds %v after failed exports, want only the pre-existing version 1", names)
	}
	if v, err := NextVersion(base); err != nil || v != 2 {
		t.Errorf("NextVersion = %d, %v; want 2", v, err)
	}
}

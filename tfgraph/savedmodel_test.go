package tfgraph

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/internal/npy"
	"github.com/tfnids/tfnids/internal/pyenv"
)

// Raw (unscaled) rows for the tiny model's 4 features, on the scales of flow
// features: a duration, a packet count, a rate, a flag.
var rawRows = []float32{
	120000, 3, 2.5e6, 0,
	5, 1, 0, 1,
	99999999, 4000, 1.25e3, 0,
	700, 12, 3.75e5, 1,
	0, 0, 0, 0,
}

// minmax4 is a MinMaxScaler fitted on [0, 1e8], [0, 4000], [0, 2.5e6],
// [0, 1] (scale_ = 1/(max-min), min_ = -min*scale_).
func minmax4() (scale, min []float64) {
	max := []float64{1e8, 4000, 2.5e6, 1}
	for _, m := range max {
		scale = append(scale, 1/m)
		min = append(min, 0)
	}
	min[1] = -0.5 // a shifted range for one feature: exercises the additive term
	return scale, min
}

func scaleRows(raw []float32, scale, min []float64) []float32 {
	out := make([]float32, len(raw))
	for i, v := range raw {
		j := i % len(scale)
		out[i] = float32(float64(v)*scale[j] + min[j])
	}
	return out
}

// trainedTiny returns a tiny model trained three Adam steps, its session and
// a checkpoint of it.
func trainedTiny(t *testing.T) (*tinyModel, *tf.Session, string) {
	t.Helper()
	m := buildTiny(t, 21, true)
	sess := newSession(t, m.b)
	f := feeds(t, m)
	for i := 0; i < 3; i++ {
		if _, err := sess.Run(f, nil, []*tf.Operation{m.step}); err != nil {
			t.Fatal(err)
		}
	}
	prefix := filepath.Join(t.TempDir(), "ckpt", "weights-03-0.9000")
	if err := m.saver.Save(sess, prefix); err != nil {
		t.Fatal(err)
	}
	return m, sess, prefix
}

// inProcess runs the model's own probabilities on rows scaled in Go.
func inProcess(t *testing.T, sess *tf.Session, x, probs tf.Output, rows []float32, shape ...int64) []float32 {
	t.Helper()
	scale, min := minmax4()
	xt, err := NewFloat32(scaleRows(rows, scale, min), shape...)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(xt)
	out, err := sess.Run(map[tf.Output]*tf.Tensor{x: xt}, []tf.Output{probs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(out...)
	p, err := Float32s(out[0])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func tinySpec(t *testing.T, m *tinyModel) SavedModelSpec {
	t.Helper()
	scale, min := minmax4()
	spec, err := testHead(m.b, m.x, m.probs, scale, min)
	if err != nil {
		t.Fatal(err)
	}
	spec.Assets = []Asset{{Filename: "class_names.txt", Contents: []byte("BENIGN\nDDoS\nPortScan\n")}}
	return spec
}

func argmax(p []float32, c int) []int64 {
	out := make([]int64, len(p)/c)
	for i := range out {
		best := 0
		for j := 1; j < c; j++ {
			if p[i*c+j] > p[i*c+best] {
				best = j
			}
		}
		out[i] = int64(best)
	}
	return out
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

func runPredictor(t *testing.T, p *Predictor, rows []float32, shape ...int64) ([]float32, []int64) {
	t.Helper()
	x, err := NewFloat32(rows, shape...)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(x)
	out, err := p.Run("", map[string]*tf.Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Free()
	probs, err := Float32s(out[ProbabilitiesKey])
	if err != nil {
		t.Fatal(err)
	}
	classes, err := Int64s(out[ClassesKey])
	if err != nil {
		t.Fatal(err)
	}
	return probs, classes
}

// TestSavedModelLoadsInGoAndMatches exports a trained model (variables from
// the training session's Saver) and loads it with graft's LoadSavedModel,
// TensorFlow's C++ loader: the signature on raw features gives the
// in-process predictions on features scaled in Go.
func TestSavedModelLoadsInGoAndMatches(t *testing.T) {
	m, sess, _ := trainedTiny(t)
	want := inProcess(t, sess, m.x, m.probs, rawRows, 5, 4)
	spec := tinySpec(t, m)
	spec.SaveVariables = func(prefix string) error { return m.saver.Save(sess, prefix) }
	dir := filepath.Join(t.TempDir(), "models", "tiny", "1")
	if err := m.b.WriteSavedModel(dir, spec); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001", "assets/class_names.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("export lacks %s: %v", f, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Errorf("model dir holds %d entries, want only the version dir", len(entries))
	}

	// Raw graft: LoadSavedModel and the signature's own tensor names.
	sm, err := tf.LoadSavedModel(dir, []string{"serve"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Session.Close()
	sig := sm.Signatures["serving_default"]
	if sig.MethodName != PredictMethodName {
		t.Errorf("method name %q", sig.MethodName)
	}
	xin := sig.Inputs["x"]
	if xin.Name != "x:0" || xin.DType != tf.Float || xin.Shape.String() != "[?, 4]" {
		t.Errorf("input x: %+v", xin)
	}
	pout, cout := sig.Outputs["probabilities"], sig.Outputs["classes"]
	if pout.Name != "probabilities:0" || pout.DType != tf.Float || pout.Shape.String() != "[?, 3]" {
		t.Errorf("output probabilities: %+v", pout)
	}
	if cout.Name != "classes:0" || cout.DType != tf.Int64 || cout.Shape.String() != "[?]" {
		t.Errorf("output classes: %+v", cout)
	}
	xt, _ := NewFloat32(rawRows, 5, 4)
	defer FreeTensors(xt)
	res, err := sm.Session.Run(map[tf.Output]*tf.Tensor{sm.Graph.Operation("x").Output(0): xt},
		[]tf.Output{sm.Graph.Operation("probabilities").Output(0), sm.Graph.Operation("classes").Output(0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(res...)
	got, _ := Float32s(res[0])
	if d := maxDiff(got, want); d > 1e-6 {
		t.Errorf("LoadSavedModel predictions differ from in-process ones by %g:\n%v\n%v", d, got, want)
	}
	classes, _ := Int64s(res[1])
	if fmt.Sprint(classes) != fmt.Sprint(argmax(want, 3)) {
		t.Errorf("classes %v, want %v", classes, argmax(want, 3))
	}

	// The Predictor helper gives the same.
	p, err := LoadPredictor(dir, nil, SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	probs, cls := runPredictor(t, p, rawRows, 5, 4)
	// Another session of the same library over the re-imported graph:
	// rounding only, 1e-6 of the probabilities' scale 1 (approx.Rel).
	if d := maxDiff(probs, want); d > 1e-6 {
		t.Errorf("Predictor predictions differ by %g", d)
	}
	if fmt.Sprint(cls) != fmt.Sprint(argmax(want, 3)) {
		t.Errorf("Predictor classes %v", cls)
	}
	if p.AssetPath("class_names.txt") != filepath.Join(dir, "assets", "class_names.txt") {
		t.Errorf("AssetPath = %q", p.AssetPath("class_names.txt"))
	}

	// Only inference ops are exported.
	mg := p.MetaGraph
	for _, n := range mg.GetGraphDef().GetNode() {
		switch {
		case n.Op == "ResourceApplyAdam", strings.HasPrefix(n.Name, "gradients"), n.Name == "y",
			strings.HasSuffix(n.Name, "/Adam"), n.Name == "iterations", strings.HasSuffix(n.Name, "init_value"):
			t.Errorf("training node %s (%s) exported", n.Name, n.Op)
		}
	}
	// The training builder already has a Saver under "save", so the
	// export's save ops are under "save_1" (TestSavedModelBinaryAndRecurrentHeads
	// checks the plain "save/Const:0").
	sd := mg.GetSaverDef()
	if sd.GetFilenameTensorName() != "save_1/Const:0" || sd.GetRestoreOpName() != "save_1/restore_all" ||
		sd.GetSaveTensorName() != "save_1/control_dependency:0" || sd.GetVersion().String() != "V2" {
		t.Errorf("SaverDef %v", sd)
	}
	if got := mg.GetMetaInfoDef().GetTags(); fmt.Sprint(got) != "[serve]" {
		t.Errorf("tags %v", got)
	}
	if a := mg.GetAssetFileDef(); len(a) != 1 || a[0].GetFilename() != "class_names.txt" {
		t.Errorf("asset file defs %v", a)
	}
	// The variables are exactly the model's weights.
	var keys []string
	for _, v := range m.params {
		keys = append(keys, v.Name)
	}
	py := listCheckpointKeys(t, filepath.Join(dir, "variables", "variables"))
	if py != nil && fmt.Sprint(py) != fmt.Sprint(sortedCopy(keys)) {
		t.Errorf("exported variables %v, want %v", py, sortedCopy(keys))
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// listCheckpointKeys lists a checkpoint's keys with Python, or returns nil
// when the venv is absent on a developer's machine (the Go checks still
// run; under TFNIDS_REQUIRE_PYTHON the test fails instead).
func listCheckpointKeys(t *testing.T, prefix string) []string {
	py, ok := pyenv.Optional(t, "tensorflow")
	if !ok {
		return nil
	}
	var listed map[string]any
	pyenv.RunJSON(t, py, "testdata/list_checkpoint.py", map[string]string{"prefix": prefix}, &listed)
	var keys []string
	for k := range listed {
		keys = append(keys, k)
	}
	return sortedCopy(keys)
}

// TestSavedModelFromCheckpoint exports a freshly built (untrained) graph
// with the variables restored from a training checkpoint: the export
// predicts like the trained model, not like the fresh weights.
func TestSavedModelFromCheckpoint(t *testing.T) {
	m, sess, prefix := trainedTiny(t)
	want := inProcess(t, sess, m.x, m.probs, rawRows, 5, 4)
	fresh := buildTiny(t, 999, false) // other weights, no optimizer
	spec := tinySpec(t, fresh)
	spec.Checkpoint = prefix
	dir := filepath.Join(t.TempDir(), "tiny", "7")
	if err := fresh.b.WriteSavedModel(dir, spec); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPredictor(dir, []string{"serve"}, SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	probs, _ := runPredictor(t, p, rawRows, 5, 4)
	if d := maxDiff(probs, want); d > 1e-6 {
		t.Errorf("export from checkpoint differs from the trained model by %g", d)
	}
}

func TestSavedModelRefusesExistingVersion(t *testing.T) {
	_, _, prefix := trainedTiny(t)
	m := buildTiny(t, 1, false)
	spec := tinySpec(t, m)
	spec.Checkpoint = prefix
	dir := filepath.Join(t.TempDir(), "tiny", "1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644)
	err := m.b.WriteSavedModel(dir, spec)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("export over an existing version: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "keep.txt")); string(b) != "mine" {
		t.Fatal("existing version dir was touched")
	}
	assertNoLeftovers(t, filepath.Dir(dir), 1)
}

func assertNoLeftovers(t *testing.T, parent string, want int) {
	t.Helper()
	entries, _ := os.ReadDir(parent)
	if len(entries) != want {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %v, want %d entries (nothing half-written)", parent, names, want)
	}
}

// TestSavedModelRejectsMismatchedCheckpoint: a checkpoint of another model
// (wrong shapes or missing variables) is a clear error and leaves nothing.
func TestSavedModelRejectsMismatchedCheckpoint(t *testing.T) {
	// A model whose first layer has 6 inputs instead of 4.
	other := NewBuilder(BuilderOptions{Seed: 3})
	for _, v := range []struct {
		name  string
		shape []int64
	}{{"dense/kernel", []int64{6, 5}}, {"dense/bias", []int64{5}}, {"dense_1/kernel", []int64{5, 3}}, {"dense_1/bias", []int64{3}}} {
		other.NewVariable(v.name, tf.Float, v.shape, GlorotUniform, true)
	}
	otherSaver, err := other.NewSaver()
	if err != nil {
		t.Fatal(err)
	}
	otherSess := newSession(t, other)
	wrongShape := filepath.Join(t.TempDir(), "other")
	if err := otherSaver.Save(otherSess, wrongShape); err != nil {
		t.Fatal(err)
	}
	// A checkpoint with only the first layer.
	partial := NewBuilder(BuilderOptions{Seed: 3})
	partial.NewVariable("dense/kernel", tf.Float, []int64{4, 5}, GlorotUniform, true)
	partialSaver, _ := partial.NewSaver()
	partialSess := newSession(t, partial)
	missing := filepath.Join(t.TempDir(), "partial")
	if err := partialSaver.Save(partialSess, missing); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		ckpt string
		want string
	}{
		{wrongShape, "dense/kernel has shape [6 5] in the checkpoint, the model expects [4 5]"}, // 0
		{missing, "does not match the model"},                                                   // 1
		{filepath.Join(t.TempDir(), "nothing"), "no checkpoint"},                                // 2
	}
	for i, c := range cases {
		m := buildTiny(t, 1, false)
		spec := tinySpec(t, m)
		spec.Checkpoint = c.ckpt
		base := filepath.Join(t.TempDir(), "tiny")
		err := m.b.WriteSavedModel(filepath.Join(base, "1"), spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d: export with checkpoint %s: %v; want an error containing %q", i, c.ckpt, err, c.want)
		}
		assertNoLeftovers(t, base, 0)
	}
}

// TestSavedModelBinaryAndRecurrentHeads covers a sigmoid [-1, 1] output (the
// head turns it into [1-p, p] and thresholds at 0.5) and a [-1, L, F] input
// (the scaling broadcasts over the feature axis); serving's
// TestHeadNaNAndBinary checks the same of the real head.
func TestSavedModelBinaryAndRecurrentHeads(t *testing.T) {
	build := func(seed int64, device string) (*Builder, tf.Output, tf.Output) {
		b := NewBuilder(BuilderOptions{Seed: seed, Device: device})
		x := b.Placeholder("x", tf.Float, -1, 2, 4)
		p := b.NewPass("infer", false)
		s := p.Scope
		flat := op.Reshape(s.SubScope("flatten"), x, op.Const(s.SubScope("shape"), []int32{-1, 8}))
		w := p.Var("dense", "kernel", []int64{8, 1}, GlorotUniform, true)
		bias := p.Var("dense", "bias", []int64{1}, Constant(0.05), true)
		logit := op.BiasAdd(s.SubScope("ba"), op.MatMul(s.SubScope("mm"), flat, w), bias)
		return b, x, op.Sigmoid(s.SubScope("sigmoid"), logit)
	}
	trained, tx, tsig := build(5, "")
	saver, err := trained.NewSaver()
	if err != nil {
		t.Fatal(err)
	}
	sess := newSession(t, trained)
	rows := rawRows[:16] // 2 windows of 2 steps x 4 features
	want := inProcess(t, sess, tx, tsig, rows, 2, 2, 4)
	prefix := filepath.Join(t.TempDir(), "binary")
	if err := saver.Save(sess, prefix); err != nil {
		t.Fatal(err)
	}

	// An inference-only builder without a Saver of its own: the export's
	// save ops get the conventional names. Its ops are pinned to the CPU;
	// the export must not keep the pins.
	b, x, sig := build(6, "/device:CPU:0")
	scale, min := minmax4()
	spec, err := testHead(b, x, sig, scale, min)
	if err != nil {
		t.Fatal(err)
	}
	spec.Checkpoint = prefix
	dir := filepath.Join(t.TempDir(), "1")
	if err := b.WriteSavedModel(dir, spec); err != nil {
		t.Fatal(err)
	}
	pr, err := LoadPredictor(dir, nil, SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if sd := pr.MetaGraph.GetSaverDef(); sd.GetFilenameTensorName() != "save/Const:0" || sd.GetRestoreOpName() != "save/restore_all" {
		t.Errorf("SaverDef %v", sd)
	}
	for _, n := range pr.MetaGraph.GetGraphDef().GetNode() {
		if n.GetDevice() != "" {
			t.Errorf("exported node %s keeps device %q", n.GetName(), n.GetDevice())
		}
	}
	in, _ := pr.Signatures[DefaultSignatureKey].Input("x")
	if fmt.Sprint(in.Shape) != "[-1 2 4]" {
		t.Errorf("input shape %v, want [-1 2 4]", in.Shape)
	}
	probs, classes := runPredictor(t, pr, rows, 2, 2, 4)
	for i, pw := range want {
		if math.Abs(float64(probs[2*i+1]-pw)) > 1e-6 || math.Abs(float64(probs[2*i]-(1-pw))) > 1e-6 {
			t.Errorf("row %d: probabilities %v, want [%v %v]", i, probs[2*i:2*i+2], 1-pw, pw)
		}
		if (pw > 0.5) != (classes[i] == 1) || classes[i] < 0 {
			t.Errorf("row %d: class %d for p=%v", i, classes[i], pw)
		}
	}
}

func TestPredictorRejectsBadInputs(t *testing.T) {
	m, sess, _ := trainedTiny(t)
	spec := tinySpec(t, m)
	spec.SaveVariables = func(prefix string) error { return m.saver.Save(sess, prefix) }
	dir := filepath.Join(t.TempDir(), "1")
	if err := m.b.WriteSavedModel(dir, spec); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPredictor(dir, nil, SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	five, _ := NewFloat32(make([]float32, 10), 2, 5)
	ints, _ := tf.NewTensor([][]int64{{1, 2, 3, 4}})
	good, _ := NewFloat32(make([]float32, 4), 1, 4)
	defer FreeTensors(five, ints, good)
	cases := []struct {
		sig    string
		inputs map[string]*tf.Tensor
		want   string
	}{
		{"", map[string]*tf.Tensor{"x": five}, `input "x": expected shape (-1, 4), got (2, 5)`}, // 0
		{"", map[string]*tf.Tensor{"x": ints}, `input "x": expected dtype float32, got int64`},  // 1
		{"", map[string]*tf.Tensor{}, `missing input "x"`},                                      // 2
		{"", map[string]*tf.Tensor{"x": good, "y": good}, `unknown input "y"`},                  // 3
		{"predict", map[string]*tf.Tensor{"x": good}, `signature "predict" not found`},          // 4
	}
	for i, c := range cases {
		out, err := p.Run(c.sig, c.inputs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			out.Free()
			t.Errorf("%d: %v; want %q", i, err, c.want)
		}
	}
	if _, err := LoadPredictor(filepath.Join(t.TempDir(), "none"), nil, SessionConfig{}); err == nil ||
		!strings.Contains(err.Error(), "not a SavedModel directory") {
		t.Errorf("loading a missing dir: %v", err)
	}
	if _, err := LoadPredictor(dir, []string{"train"}, SessionConfig{}); err == nil || !strings.Contains(err.Error(), "no MetaGraphDef with tags [train]") {
		t.Errorf("loading with wrong tags: %v", err)
	}
}

// TestPythonLoadsSavedModel: saved_model_cli lists the signature with dtypes
// and shapes; saved_model_cli run and tf.saved_model.load give the Go
// predictions.
func TestPythonLoadsSavedModel(t *testing.T) {
	py := pyenv.Require(t, "tensorflow")
	m, sess, _ := trainedTiny(t)
	spec := tinySpec(t, m)
	spec.SaveVariables = func(prefix string) error { return m.saver.Save(sess, prefix) }
	dir := filepath.Join(t.TempDir(), "tiny", "1")
	if err := m.b.WriteSavedModel(dir, spec); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPredictor(dir, nil, SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	probs, classes := runPredictor(t, p, rawRows, 5, 4)

	cli := filepath.Join(filepath.Dir(py), "saved_model_cli")
	show, err := exec.Command(cli, "show", "--dir", dir, "--all").CombinedOutput()
	if err != nil {
		t.Fatalf("saved_model_cli show: %v\n%s", err, show)
	}
	for _, want := range []string{
		"signature_def['serving_default']:",
		"inputs['x'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 4)\n        name: x:0",
		"outputs['probabilities'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 3)\n        name: probabilities:0",
		"outputs['classes'] tensor_info:\n        dtype: DT_INT64\n        shape: (-1)\n        name: classes:0",
		"Method name is: tensorflow/serving/predict",
	} {
		if !strings.Contains(string(show), want) {
			t.Errorf("saved_model_cli show --all lacks %q:\n%s", want, show)
		}
	}

	tmp := t.TempDir()
	in := filepath.Join(tmp, "x.npy")
	if err := npy.WriteFile(in, rawRows, 5, 4); err != nil {
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
		Signature struct {
			Inputs, Outputs map[string]struct {
				Dtype string
				Shape []any
			}
		}
		Load, Cli map[string][]float64
	}
	pyenv.RunJSON(t, py, "testdata/savedmodel_check.py", map[string]string{"dir": dir, "inputs": in, "cli_outdir": outdir}, &res)
	if s := res.Signature.Inputs["x"]; s.Dtype != "float32" || fmt.Sprint(s.Shape) != "[<nil> 4]" {
		t.Errorf("tf.saved_model.load sees input x as %+v", s)
	}
	for _, src := range []struct {
		name string
		got  map[string][]float64
	}{{"tf.saved_model.load", res.Load}, {"saved_model_cli run", res.Cli}} {
		gp := src.got["probabilities"]
		if len(gp) != len(probs) {
			t.Errorf("%s: %d probabilities, want %d", src.name, len(gp), len(probs))
			continue
		}
		for i := range gp {
			// Python's TensorFlow wheel is another build than libtensorflow:
			// 1e-5 of the probabilities' scale 1 admits its other kernels
			// and nothing a wrong weight or scaler would produce.
			if math.Abs(gp[i]-float64(probs[i])) > 1e-5 {
				t.Errorf("%s: probability %d = %v, Go %v", src.name, i, gp[i], probs[i])
			}
		}
		if fmt.Sprint(src.got["classes"]) != fmt.Sprint(classes) {
			t.Errorf("%s: classes %v, Go %v", src.name, src.got["classes"], classes)
		}
	}
}

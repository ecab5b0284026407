package tfgraph

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/internal/approx"
)

// tinyModel builds softmax(relu(x W1 + b1) W2 + b2) with a cross-entropy
// loss: the smallest graph that exercises MatMul, BiasAdd, Relu, Softmax and
// the logits-based cross-entropy.
type tinyModel struct {
	b      *Builder
	x      tf.Output
	y      tf.Output
	probs  tf.Output
	loss   tf.Output
	train  *Pass
	step   *tf.Operation
	saver  *Saver
	params []*Variable
}

func buildTiny(t *testing.T, seed int64, withAdam bool) *tinyModel {
	t.Helper()
	b := NewBuilder(BuilderOptions{Seed: seed})
	m := &tinyModel{b: b}
	m.x = b.Placeholder("x", tf.Float, -1, 4)
	m.y = b.Placeholder("y", tf.Int32, -1)
	p := b.NewPass("train", true)
	s := p.Scope
	w1 := p.Var("dense", "kernel", []int64{4, 5}, GlorotUniform, true)
	b1 := p.Var("dense", "bias", []int64{5}, Constant(0.1), true)
	h := op.Relu(s.SubScope("relu"), op.BiasAdd(s.SubScope("ba"), op.MatMul(s.SubScope("mm"), m.x, w1), b1))
	w2 := p.Var("dense_1", "kernel", []int64{5, 3}, GlorotUniform, true)
	b2 := p.Var("dense_1", "bias", []int64{3}, Zeros, true)
	logits := op.BiasAdd(s.SubScope("ba1"), op.MatMul(s.SubScope("mm1"), h, w2), b2)
	m.probs = op.Softmax(s.SubScope("softmax"), logits)
	onehot := op.OneHot(s.SubScope("onehot"), m.y, op.Const(s.SubScope("depth"), int32(3)),
		op.Const(s.SubScope("on"), float32(1)), op.Const(s.SubScope("off"), float32(0)))
	ce, _ := op.SoftmaxCrossEntropyWithLogits(s.SubScope("ce"), logits, onehot)
	m.loss = op.Mean(s.SubScope("loss"), ce, op.Const(s.SubScope("axis"), []int32{0}))
	m.train = p
	if withAdam {
		step, err := Adam{}.Minimize(b, p, m.loss)
		if err != nil {
			t.Fatal(err)
		}
		m.step = step
	}
	saver, err := b.NewSaver()
	if err != nil {
		t.Fatal(err)
	}
	m.saver = saver
	m.params = b.Trainable()
	return m
}

func newSession(t *testing.T, b *Builder) *tf.Session {
	t.Helper()
	sess, err := NewSession(b.Graph, SessionConfig{IntraOpThreads: 1, InterOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	if err := b.Initialize(sess); err != nil {
		t.Fatal(err)
	}
	return sess
}

var (
	tinyX = []float32{0.1, 0.2, -0.3, 0.5, 1.0, -1.0, 0.25, 0.75, -0.5, 0.5, 0.5, -0.25, 0.9, 0.1, 0.0, 0.3}
	tinyY = []int32{0, 2, 1, 2}
)

func feeds(t *testing.T, m *tinyModel) map[tf.Output]*tf.Tensor {
	t.Helper()
	x, err := NewFloat32(tinyX, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	y, err := NewInt32(tinyY, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { FreeTensors(x, y) })
	return map[tf.Output]*tf.Tensor{m.x: x, m.y: y}
}

func runScalar(t *testing.T, sess *tf.Session, f map[tf.Output]*tf.Tensor, out tf.Output) float64 {
	t.Helper()
	r, err := sess.Run(f, []tf.Output{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(r...)
	v, err := Scalar32(r[0])
	if err != nil {
		t.Fatal(err)
	}
	return float64(v)
}

// TestGradientsMatchFiniteDifferences checks AddGradients' symbolic
// gradients against central differences of the loss, for every weight.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	m := buildTiny(t, 3, false)
	names := []string{}
	for _, v := range m.params {
		names = append(names, v.Name)
	}
	grads, err := m.b.Gradients(m.loss, m.train.Reads(m.params), names)
	if err != nil {
		t.Fatal(err)
	}
	sess := newSession(t, m.b)
	f := feeds(t, m)
	gt, err := sess.Run(f, grads, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(gt...)
	vals, err := m.b.ReadVariables(sess, m.params)
	if err != nil {
		t.Fatal(err)
	}
	// Finite differences in float64 around float32 weights: feed perturbed
	// weights through the variables' init placeholders.
	set := func(v *Variable, w []float32) {
		tw, err := NewFloat32(w, v.Shape...)
		if err != nil {
			t.Fatal(err)
		}
		defer FreeTensors(tw)
		if _, err := sess.Run(map[tf.Output]*tf.Tensor{v.initValue: tw}, nil, []*tf.Operation{v.initOp}); err != nil {
			t.Fatal(err)
		}
	}
	const h = 1e-3
	worst := 0.0
	for i, v := range m.params {
		g, _ := Float32s(gt[i])
		w := append([]float32(nil), vals[v.Name]...)
		for j := range w {
			orig := w[j]
			w[j] = orig + h
			set(v, w)
			lp := runScalar(t, sess, f, m.loss)
			w[j] = orig - h
			set(v, w)
			lm := runScalar(t, sess, f, m.loss)
			w[j] = orig
			set(v, w)
			num := (lp - lm) / (2 * h)
			diff := math.Abs(num - float64(g[j]))
			rel := diff / math.Max(1e-2, math.Abs(num)+math.Abs(float64(g[j])))
			if rel > worst {
				worst = rel
			}
			if diff > 1e-3 && rel > 1e-3 {
				t.Errorf("%s[%d]: symbolic %g, finite difference %g", v.Name, j, g[j], num)
			}
		}
	}
	t.Logf("worst relative gradient error %.2e", worst)
}

// TestAdamStepMatchesHandComputed runs one training step and checks every
// weight against Keras' Adam formula evaluated in float64 from the gradients.
func TestAdamStepMatchesHandComputed(t *testing.T) {
	m := buildTiny(t, 5, true)
	names := []string{}
	for _, v := range m.params {
		names = append(names, v.Name)
	}
	grads, err := m.b.Gradients(m.loss, m.train.Reads(m.params), names)
	if err != nil {
		t.Fatal(err)
	}
	sess := newSession(t, m.b)
	f := feeds(t, m)
	before, err := m.b.ReadVariables(sess, m.params)
	if err != nil {
		t.Fatal(err)
	}
	gt, err := sess.Run(f, grads, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(gt...)
	for step := 1; step <= 2; step++ {
		if _, err := sess.Run(f, []tf.Output{m.loss}, []*tf.Operation{m.step}); err != nil {
			t.Fatal(err)
		}
		if step == 1 {
			after, err := m.b.ReadVariables(sess, m.params)
			if err != nil {
				t.Fatal(err)
			}
			const lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7
			for i, v := range m.params {
				g, _ := Float32s(gt[i])
				for j := range g {
					gj := float64(g[j])
					mm := (1 - b1) * gj
					vv := (1 - b2) * gj * gj
					alpha := lr * math.Sqrt(1-b2) / (1 - b1)
					want := float64(before[v.Name][j]) - mm*alpha/(math.Sqrt(vv)+eps)
					if d := math.Abs(want - float64(after[v.Name][j])); d > 1e-6 {
						t.Errorf("%s[%d]: after one Adam step %g, hand-computed %g (diff %g)", v.Name, j, after[v.Name][j], want, d)
					}
				}
			}
		}
	}
	it := m.b.Variable("iterations")
	r, err := sess.Run(nil, []tf.Output{m.train.Read(it)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r[0].Value().(int64); got != 2 {
		t.Errorf("iterations after two steps = %d, want 2", got)
	}
}

func TestCheckpointRoundTripIsBitIdentical(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "tiny", "weights-01-0.1234")
	m := buildTiny(t, 7, true)
	sess := newSession(t, m.b)
	f := feeds(t, m)
	for i := 0; i < 3; i++ {
		if _, err := sess.Run(f, []tf.Output{m.loss}, []*tf.Operation{m.step}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.saver.Save(sess, prefix); err != nil {
		t.Fatal(err)
	}
	if !CheckpointExists(prefix) {
		t.Fatal("checkpoint files missing after Save")
	}
	entries, _ := os.ReadDir(filepath.Dir(prefix))
	if len(entries) != 2 {
		t.Errorf("checkpoint dir holds %d entries, want exactly the .index and .data files", len(entries))
	}
	want, err := m.b.ReadVariables(sess, floatVars(m.b))
	if err != nil {
		t.Fatal(err)
	}
	probsWant := fetchAll(t, sess, f, m.probs)

	m2 := buildTiny(t, 99, true) // different seed: different initial weights
	sess2 := newSession(t, m2.b)
	if err := m2.saver.Restore(sess2, prefix); err != nil {
		t.Fatal(err)
	}
	got, err := m2.b.ReadVariables(sess2, floatVars(m2.b))
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		g := got[name]
		for j := range w {
			if math.Float32bits(w[j]) != math.Float32bits(g[j]) {
				t.Fatalf("%s[%d]: restored %v, saved %v", name, j, g[j], w[j])
			}
		}
	}
	// The variables are copied, so they match bit for bit (above); the
	// predictions are computed again in another session, whose kernels may
	// split reductions differently: they agree to approx.Rel of their
	// scale (1).
	probsGot := fetchAll(t, sess2, feeds(t, m2), m2.probs)
	if j := approx.Float32s(probsWant, probsGot, approx.Rel, 1); j >= 0 {
		t.Fatalf("prediction %d: %v after restore, %v before", j, probsGot[j], probsWant[j])
	}
}

func fetchAll(t *testing.T, sess *tf.Session, f map[tf.Output]*tf.Tensor, out tf.Output) []float32 {
	t.Helper()
	r, err := sess.Run(f, []tf.Output{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(r...)
	v, err := Float32s(r[0])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRestoreMissingCheckpoint(t *testing.T) {
	m := buildTiny(t, 1, false)
	sess := newSession(t, m.b)
	err := m.saver.Restore(sess, filepath.Join(t.TempDir(), "nope", "weights-03-0.5000"))
	if !errors.Is(err, ErrNoCheckpoint) || !strings.Contains(err.Error(), "weights-03-0.5000.index") {
		t.Fatalf("Restore of a missing checkpoint: %v", err)
	}
}

func TestRestoreMismatchedCheckpoint(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "ckpt")
	m := buildTiny(t, 1, false) // no Adam slots
	sess := newSession(t, m.b)
	if err := m.saver.Save(sess, prefix); err != nil {
		t.Fatal(err)
	}
	m2 := buildTiny(t, 1, true) // expects Adam slots too
	sess2 := newSession(t, m2.b)
	err := m2.saver.Restore(sess2, prefix)
	if err == nil || !strings.Contains(err.Error(), "does not match this model") {
		t.Fatalf("restoring a checkpoint without Adam slots: %v", err)
	}
}

func TestFreeTensors(t *testing.T) {
	x, err := NewFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := Float32s(x)
	if len(v) != 6 || v[5] != 6 {
		t.Fatalf("Float32s = %v", v)
	}
	FreeTensors(x, nil)
	if *cTensor(x) != nil {
		t.Fatal("tensor still holds its C pointer after FreeTensors")
	}
	FreeTensors(x) // second free is a no-op
	if _, err := NewFloat32([]float32{1, 2, 3}, 2, 2); err == nil {
		t.Fatal("NewFloat32 accepted 3 values for shape [2 2]")
	}
}

func TestParseDevice(t *testing.T) {
	cases := []struct {
		in   string
		want string
		bad  bool
	}{
		{in: "cpu", want: "/device:CPU:0"},                                               // 0
		{in: "GPU", want: "/device:GPU:0"},                                               // 1
		{in: "gpu:1", want: "/device:GPU:1"},                                             // 2
		{in: "/device:CPU:0", want: "/device:CPU:0"},                                     // 3
		{in: "/job:worker/task:1/device:CPU:0", want: "/job:worker/task:1/device:CPU:0"}, // 4
		{in: "tpu", bad: true},                                                           // 5
		{in: "gpu:x", bad: true},                                                         // 6
		{in: "gpu:-1", bad: true},                                                        // 7
		{in: "", bad: true},                                                              // 8
		{in: "/device:GPU", bad: true},                                                   // 9
	}
	for i, c := range cases {
		d, err := ParseDevice(c.in)
		if c.bad {
			if err == nil || !strings.Contains(err.Error(), "invalid device") {
				t.Errorf("%d: ParseDevice(%q) = %v, %v; want an 'invalid device' error", i, c.in, d, err)
			}
			continue
		}
		if err != nil || d.Full != c.want {
			t.Errorf("%d: ParseDevice(%q) = %q, %v; want %q", i, c.in, d.Full, err, c.want)
		}
	}
}

func TestResolveDeviceFallsBackOrFails(t *testing.T) {
	devs, err := ListDevices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 || devs[0].Type != "CPU" {
		t.Fatalf("ListDevices = %v, want a CPU first", devs)
	}
	d, warn, err := ResolveDevice("cpu", true, devs)
	if err != nil || warn != "" || d != "/device:CPU:0" {
		t.Fatalf("cpu: %q %q %v", d, warn, err)
	}
	// A GPU index no machine has: falls back with a warning, or fails strictly.
	d, warn, err = ResolveDevice("gpu:63", false, devs)
	if err != nil || d != "/device:CPU:0" || !strings.Contains(warn, "/device:GPU:63 is not available") {
		t.Fatalf("gpu:63 non-strict: %q %q %v", d, warn, err)
	}
	_, _, err = ResolveDevice("gpu:63", true, devs)
	var de *DeviceError
	if !errors.As(err, &de) || de.Device != "/device:GPU:63" || strings.Contains(err.Error(), "--") {
		t.Fatalf("gpu:63 strict: want a *DeviceError naming no flag, got %v", err)
	}
}

func TestGradientOfUnreachableVariableIsAnError(t *testing.T) {
	b := NewBuilder(BuilderOptions{})
	p := b.NewPass("train", true)
	x := b.Placeholder("x", tf.Float, -1, 2)
	w := p.Var("dense", "kernel", []int64{2, 2}, Ones, true)
	unused := p.Var("dense", "unused", []int64{2}, Ones, true)
	loss := op.Sum(p.Scope.SubScope("sum"), op.MatMul(p.Scope.SubScope("mm"), x, w), op.Const(p.Scope.SubScope("axes"), []int32{0, 1}))
	_, err := b.Gradients(loss, []tf.Output{w, unused}, []string{"dense/kernel", "dense/unused"})
	if err == nil {
		t.Fatal("no error for a variable the loss does not use")
	}
}

// floatVars is every float variable: weights and Adam slots, not the counter.
func floatVars(b *Builder) []*Variable {
	var out []*Variable
	for _, v := range b.Variables() {
		if v.DType == tf.Float {
			out = append(out, v)
		}
	}
	return out
}

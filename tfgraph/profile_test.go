package tfgraph

import (
	"math"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"
)

// TestSessionLayout guards what RunTraced reads out of graft's structs: the
// TF_Session as a Session's first field (nil after Close) and the
// TF_Operation as an Operation's first field. With either wrong, the traced
// run below would crash or fetch other values than Session.Run.
func TestSessionLayout(t *testing.T) {
	m := buildTiny(t, 3, true)
	sess, err := NewSession(m.b.Graph, SessionConfig{IntraOpThreads: 1, InterOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if *cSession(sess) == nil {
		t.Fatal("cSession: nil pointer from an open session; graft's Session layout changed")
	}
	if err := m.b.Initialize(sess); err != nil {
		t.Fatal(err)
	}
	f := feeds(t, m)
	want, err := sess.Run(f, []tf.Output{m.probs, m.loss}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(want...)
	got, err := RunTraced(sess, f, []tf.Output{m.probs, m.loss}, nil, NoTrace)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(got.Outputs...)
	for i := range want {
		w, _ := Float32s(want[i])
		g, err := Float32s(got.Outputs[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != len(g) {
			t.Fatalf("fetch %d: %d values, Session.Run gave %d", i, len(g), len(w))
		}
		for j := range w {
			if w[j] != g[j] {
				t.Fatalf("fetch %d[%d] = %v, Session.Run gave %v", i, j, g[j], w[j])
			}
		}
		if !equalShape(want[i].Shape(), got.Outputs[i].Shape()) {
			t.Fatalf("fetch %d: shape %v, Session.Run gave %v", i, got.Outputs[i].Shape(), want[i].Shape())
		}
	}
	if got.Metadata.GetStepStats() != nil && len(got.Metadata.GetStepStats().GetDevStats()) > 0 {
		t.Error("NoTrace run returned step stats")
	}
	sess.Close()
	if *cSession(sess) != nil {
		t.Fatal("cSession: non-nil after Close; graft's Session layout changed")
	}
	if _, err := RunTraced(sess, f, []tf.Output{m.loss}, nil, NoTrace); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("RunTraced on a closed session: %v, want a 'closed' error", err)
	}
}

func equalShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRunTracedStepStats runs a training step with a full trace: the step
// runs (the loss falls as with Session.Run), and the StepStats name the
// graph's nodes with plausible times.
func TestRunTracedStepStats(t *testing.T) {
	m := buildTiny(t, 5, true)
	sess := newSession(t, m.b)
	f := feeds(t, m)
	var losses []float32
	var st StepTime
	for i := 0; i < 3; i++ {
		r, err := RunTraced(sess, f, []tf.Output{m.loss}, []*tf.Operation{m.step}, FullTrace)
		if err != nil {
			t.Fatal(err)
		}
		l, err := Scalar32(r.Outputs[0])
		FreeTensors(r.Outputs...)
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, l)
		st = SummarizeStepStats(r.Metadata.GetStepStats())
		if r.Call <= 0 {
			t.Errorf("step %d: call time %v", i, r.Call)
		}
	}
	if !(losses[2] < losses[0]) || math.IsNaN(float64(losses[2])) {
		t.Errorf("losses %v: training steps through RunTraced did not lower the loss", losses)
	}
	if st.Nodes < 10 || st.Span <= 0 || st.Kernels <= 0 {
		t.Fatalf("step stats: %+v", st)
	}
	var ops []string
	for k := range st.ByOp {
		ops = append(ops, k)
	}
	joined := strings.Join(ops, ",")
	for _, want := range []string{"MatMul", "ResourceApplyAdam"} {
		if !strings.Contains(joined, want) {
			t.Errorf("op types %v lack %s", ops, want)
		}
	}
}

// TestRunTracedErrors: bad fetches and feeds fail with TensorFlow's message,
// not a crash.
func TestRunTracedErrors(t *testing.T) {
	m := buildTiny(t, 7, false)
	sess := newSession(t, m.b)
	if _, err := RunTraced(sess, nil, []tf.Output{m.loss}, nil, NoTrace); err == nil {
		t.Error("running without the placeholder feeds succeeded")
	}
	if _, err := RunTraced(sess, nil, []tf.Output{{}}, nil, NoTrace); err == nil {
		t.Error("a fetch without an operation was accepted")
	}
	bad, err := NewFloat32([]float32{1, 2, 3}, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeTensors(bad)
	if _, err := RunTraced(sess, map[tf.Output]*tf.Tensor{m.x: bad}, []tf.Output{m.probs}, nil, NoTrace); err == nil {
		t.Error("a feed of the wrong shape was accepted")
	}
}

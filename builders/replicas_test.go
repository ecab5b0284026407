package builders

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	tf "github.com/wamuir/graft/tensorflow"
	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"

	"github.com/tfnids/tfnids/internal/approx"
	"github.com/tfnids/tfnids/internal/freeport"
	"github.com/tfnids/tfnids/spec"
	"github.com/tfnids/tfnids/tfgraph"
	"github.com/tfnids/tfnids/tfserver"
)

// stepBoth runs one Adam step on the same batch through a model built by
// Build (whole batch) and one built by BuildReplicas (the batch split over
// the towers) and returns both models' variables after the step and the
// step losses.
func stepBoth(t *testing.T, cfg Config, towers []string, sc tfgraph.SessionConfig, batch int) (local, repl map[string][]float32, lossL, lossR float64) {
	t.Helper()
	ex := realExamples(t, cfg, batch)
	fit := FitOptions{Epochs: 1, BatchSize: batch}

	lc := cfg
	lc.Device = "" // the reference step runs in this process
	lm := openModel(t, lc)
	hl, err := lm.Fit(ex, fit)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := BuildReplicas(cfg, towers)
	if err != nil {
		t.Fatal(err)
	}
	if err := rm.Open(sc); err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	hr, err := rm.Fit(ex, fit)
	if err != nil {
		t.Fatal(err)
	}
	local, err = lm.Builder.ReadVariables(lm.Session(), floatVars(lm.Builder))
	if err != nil {
		t.Fatal(err)
	}
	repl, err = rm.Builder.ReadVariables(rm.Session(), floatVars(rm.Builder))
	if err != nil {
		t.Fatal(err)
	}
	return local, repl, hl.Epochs[0].Loss, hr.Epochs[0].Loss
}

// floatVars are the weights, batch-norm statistics and Adam slots.
func floatVars(b *tfgraph.Builder) []*tfgraph.Variable {
	var out []*tfgraph.Variable
	for _, v := range b.Variables() {
		if v.DType == tf.Float {
			out = append(out, v)
		}
	}
	return out
}

func compareVars(t *testing.T, what string, local, repl map[string][]float32, tol float64) {
	t.Helper()
	if len(local) != len(repl) {
		t.Fatalf("%s: %d variables locally, %d replicated", what, len(local), len(repl))
	}
	moved := false
	for name, want := range local {
		if strings.HasSuffix(name, "/Adam") {
			for _, v := range want {
				moved = moved || v != 0
			}
		}
		got, ok := repl[name]
		if !ok {
			t.Fatalf("%s: replicated model has no %s", what, name)
		}
		if d := maxAbsDiff(want, got); d > tol {
			t.Errorf("%s: %s differs from the whole-batch step by %g (> %g)", what, name, d, tol)
		}
	}
	if !moved {
		t.Errorf("%s: every Adam slot is zero: no step was taken", what)
	}
}

// TestReplicasStepEqualsWholeBatch: one step with the batch split over two
// (or three) towers leaves every weight and Adam slot where one step on the
// whole batch does, for the models without dropout and batch normalization.
// The towers run in this process here; TestReplicasOnTwoServers puts them on
// two TensorFlow servers.
func TestReplicasStepEqualsWholeBatch(t *testing.T) {
	cpu := "/device:CPU:0"
	for _, tc := range []struct {
		cfg    Config
		towers int
		batch  int
	}{
		{Config{Model: "dense", Features: 37, Classes: 10, Seed: 5}, 2, 64},
		{Config{Model: "dense", Features: 37, Classes: 2, Binary: true, Seed: 6}, 2, 63}, // unequal shares
		{Config{Model: "gru", Features: 37, Classes: 10, Seed: 7, Dropout: zero()}, 2, 48},
		{Config{Model: "lstm", Features: 37, Classes: 10, Seed: 8, Dropout: zero()}, 3, 50}, // with the l1 penalty
		{Config{Model: "dense", Features: 37, Classes: 10, Seed: 9}, 2, 1},                  // tower 1 gets nothing
		{Config{Spec: testStack(), Features: 37, Classes: 10, Seed: 10}, 2, 40},             // a custom stack
	} {
		name := fmt.Sprintf("%s-%dtowers-batch%d", tc.cfg.Model, tc.towers, tc.batch)
		if tc.cfg.Spec != nil {
			name = fmt.Sprintf("%s-%dtowers-batch%d", tc.cfg.Spec.Name, tc.towers, tc.batch)
		}
		t.Run(name, func(t *testing.T) {
			towers := make([]string, tc.towers)
			for i := range towers {
				towers[i] = cpu
			}
			local, repl, ll, lr := stepBoth(t, tc.cfg, towers, tfgraph.SessionConfig{IntraOpThreads: 1}, tc.batch)
			// The towers sum their halves of the batch separately: another
			// summation order than one sum over the whole batch, a few
			// float32 ulps per reduction; 1e-5 absolute on weights near 0.1
			// and a loss near 2 admits that, and nothing like a missed or
			// doubled row (which moves the loss by ~1e-2/batch).
			compareVars(t, name, local, repl, 1e-5)
			if math.Abs(ll-lr) > 1e-5 {
				t.Errorf("step loss %v replicated, %v on the whole batch", lr, ll)
			}
		})
	}
}

// TestReplicasOneTowerEqualsBuild: with a single tower even batch
// normalization and dropout match Build exactly (the tower sees the whole
// batch with Build's seeds).
func TestReplicasOneTowerEqualsBuild(t *testing.T) {
	for _, cfg := range []Config{
		{Model: "cnn", Features: 37, Classes: 10, Seed: 11},
		{Model: "gru", Features: 37, Classes: 10, Seed: 12},
	} {
		local, repl, ll, lr := stepBoth(t, cfg, []string{"/device:CPU:0"}, tfgraph.SessionConfig{IntraOpThreads: 1}, 40)
		compareVars(t, cfg.Model, local, repl, 1e-6)
		if !approx.Equal(ll, lr, approx.Rel) { // two graphs, the same arithmetic: rounding only
			t.Errorf("%s: step loss %v replicated, %v built", cfg.Model, lr, ll)
		}
	}
}

// TestReplicasBatchNormTowers: with two towers the cnn trains and its
// moving statistics move (towards the towers' share-weighted mean batch
// statistics); its weights are not the whole-batch step's, by design.
func TestReplicasBatchNormTowers(t *testing.T) {
	cfg := Config{Model: "cnn", Features: 37, Classes: 10, Seed: 13}
	_, repl, _, lr := stepBoth(t, cfg, []string{"/device:CPU:0", "/device:CPU:0"}, tfgraph.SessionConfig{}, 40)
	if math.IsNaN(lr) || lr <= 0 {
		t.Fatalf("loss %v", lr)
	}
	moved := false
	for _, v := range repl["batch_normalization/moving_mean"] {
		if math.IsNaN(float64(v)) {
			t.Fatal("moving mean is NaN")
		}
		moved = moved || v != 0
	}
	if !moved {
		t.Error("the moving mean did not move")
	}
}

var (
	serversOnce sync.Once
	serverAddrs []string
	serversErr  error
)

// twoServers starts two in-process TensorFlow servers, tasks 0 and 1 of job
// "worker", listening on loopback only. A started TensorFlow server cannot
// be shut down, so they live as long as the test process.
func twoServers(t *testing.T) []string {
	t.Helper()
	serversOnce.Do(func() {
		// TensorFlow binds the ports itself (and refuses to share them), so
		// ports taken before it binds are retried. A server of a failed
		// attempt cannot be stopped; it serves nothing and dies with the
		// test process.
		serverAddrs, serversErr = freeport.Retry(5, 2, func(ports []string) error {
			cluster := &corepb.ClusterDef{Job: []*corepb.JobDef{{Name: "worker", Tasks: map[int32]string{0: ports[0], 1: ports[1]}}}}
			for i := range 2 {
				s, err := tfserver.NewServer(&corepb.ServerDef{Cluster: cluster, JobName: "worker", TaskIndex: int32(i), Protocol: "grpc",
					DefaultSessionConfig: &corepb.ConfigProto{IntraOpParallelismThreads: 1, InterOpParallelismThreads: 1}},
					tfserver.ServerOptions{Listen: "127.0.0.1"})
				if err != nil {
					return err
				}
				if err := s.Start(); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if serversErr != nil {
		t.Fatal(serversErr)
	}
	return serverAddrs
}

// TestReplicasOnTwoServers places tower k on /job:worker/task:k of a
// two-task cluster (variables and Adam on task 0) and checks that one step
// with the batch split in two equals a local step on the whole batch.
func TestReplicasOnTwoServers(t *testing.T) {
	addrs := twoServers(t)
	towers := []string{"/job:worker/replica:0/task:0/device:CPU:0", "/job:worker/replica:0/task:1/device:CPU:0"}
	sc := tfgraph.SessionConfig{Target: "grpc://" + addrs[0], OperationTimeout: time.Minute}
	for _, cfg := range []Config{
		{Model: "gru", Features: 37, Classes: 10, Seed: 21, Dropout: zero()},
		{Model: "dense", Features: 37, Classes: 10, Seed: 22},
	} {
		cfg.Device = towers[0]
		t.Run(cfg.Model, func(t *testing.T) {
			local, repl, ll, lr := stepBoth(t, cfg, towers, sc, 64)
			compareVars(t, cfg.Model, local, repl, 1e-5)
			if math.Abs(ll-lr) > 1e-5 {
				t.Errorf("step loss %v on two workers, %v locally", lr, ll)
			}
		})
	}
	// The towers' computations (forward, loss and gradients) carry their
	// task's device; nothing of tower 1 is left to default placement.
	m, err := BuildReplicas(Config{Model: "dense", Features: 37, Classes: 10, Device: towers[0]}, towers)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range m.Builder.Graph.Operations() {
		if strings.HasPrefix(o.Name(), "tower_1/") {
			n++
			if o.Device() != towers[1] {
				t.Fatalf("%s is placed on %q, want %s", o.Name(), o.Device(), towers[1])
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d ops in tower 1", n)
	}
}

// testStack is a custom stack without dropout or batch normalization:
// Conv1D → Bidirectional(GRU) → LayerNormalization → Dense.
func testStack() *spec.Model {
	s, err := Sequential("conv_bigru",
		Conv1D{Filters: 8, KernelSize: 3, Padding: Same, Activation: Relu},
		MaxPooling1D{},
		Bidirectional{Layer: GRU{Units: 6}},
		LayerNormalization{},
		Dense{Units: 16, Activation: Gelu, KernelRegularizer: L2(0.001)},
	)
	if err != nil {
		panic(err)
	}
	return s
}

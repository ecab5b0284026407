package serving

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tf "github.com/wamuir/graft/tensorflow"
	tensorpb "github.com/wamuir/graft/tensorflow/core/framework/tensor_go_proto"
	shapepb "github.com/wamuir/graft/tensorflow/core/framework/tensor_shape_go_proto"
	typespb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	apispb "github.com/wamuir/graft/tensorflow/serving/apis_go_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tfnids/tfnids/internal/approx"
	"github.com/tfnids/tfnids/tfgraph"
)

// liveServer is a Server answering REST and gRPC on loopback ports.
type liveServer struct {
	rest, grpc string
	conn       *grpc.ClientConn
}

func startLive(t *testing.T, opts Options) *liveServer {
	t.Helper()
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	restLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	grpcLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeAll(ctx, restLn, grpcLn) }()
	conn, err := grpc.NewClient(grpcLn.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeAll: %v", err)
		}
	})
	return &liveServer{rest: "http://" + restLn.Addr().String(), grpc: grpcLn.Addr().String(), conn: conn}
}

// prediction is one example's outputs.
type prediction struct {
	Classes       int64     `json:"classes"`
	Probabilities []float32 `json:"probabilities"`
}

func (ls *liveServer) predictREST(x []float32, rows, f int) ([]prediction, error) {
	resp, err := http.Post(ls.rest+"/v1/models/ids:predict", "application/json",
		strings.NewReader(`{"instances": `+rowsJSON(x, rows, f)+`}`))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	var out struct{ Predictions []prediction }
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%v: %s", err, b)
	}
	return out.Predictions, nil
}

func (ls *liveServer) predictGRPC(x []float32, rows, f int) ([]prediction, error) {
	tp := &tensorpb.TensorProto{Dtype: typespb.DataType_DT_FLOAT, FloatVal: x[:rows*f],
		TensorShape: &shapepb.TensorShapeProto{Dim: []*shapepb.TensorShapeProto_Dim{{Size: int64(rows)}, {Size: int64(f)}}}}
	req := &apispb.PredictRequest{ModelSpec: &apispb.ModelSpec{Name: "ids"}, Inputs: map[string]*tensorpb.TensorProto{"x": tp}}
	resp := &apispb.PredictResponse{}
	if err := ls.conn.Invoke(context.Background(), "/tensorflow.serving.PredictionService/Predict", req, resp); err != nil {
		return nil, err
	}
	cls, probs := resp.GetOutputs()[ClassesKey].GetInt64Val(), resp.GetOutputs()[ProbabilitiesKey].GetFloatVal()
	if len(cls) != rows || len(probs)%rows != 0 {
		return nil, fmt.Errorf("%d classes and %d probabilities for %d rows", len(cls), len(probs), rows)
	}
	w := len(probs) / rows
	out := make([]prediction, rows)
	for i := range out {
		out[i] = prediction{Classes: cls[i], Probabilities: probs[i*w : (i+1)*w]}
	}
	return out, nil
}

func (ls *liveServer) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(ls.rest + DefaultPrometheusPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// metricValue is the value of one series in a Prometheus text exposition
// (ok false: no such series).
func metricValue(t *testing.T, metrics, series string) (v float64, ok bool) {
	t.Helper()
	for _, line := range strings.Split(metrics, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v, true
		}
	}
	return 0, false
}

// TestBatchedEqualsUnbatched: requests of 1 to 3 rows sent concurrently to
// a batching server, over REST and gRPC, get the predictions the same
// requests get one at a time from a server without batching (within
// float tolerance: a run of another size may take other kernels); the
// merging happened, padding included, and every stage was timed.
func TestBatchedEqualsUnbatched(t *testing.T) {
	fx := newFixture(t, "cnn", false)
	base := filepath.Join(t.TempDir(), "ids")
	if err := Export(ExportOptions{Card: fx.card, Checkpoint: fx.ckpt, Dir: filepath.Join(base, "1")}); err != nil {
		t.Fatal(err)
	}
	mon := &MonitoringOptions{PrometheusPath: DefaultPrometheusPath}
	off := startLive(t, Options{ModelName: "ids", BasePath: base, Monitoring: mon})
	on := startLive(t, Options{ModelName: "ids", BasePath: base, Monitoring: mon,
		Batching: &BatchingOptions{MaxBatchSize: 8, BatchTimeout: 5 * time.Millisecond, NumBatchThreads: 2,
			MaxEnqueuedBatches: 100, AllowedBatchSizes: []int{4, 8}}})
	f := int(fx.shape[1])
	type request struct{ first, rows int }
	var reqs []request
	for i := 0; i+3 <= fx.rows; i += 2 {
		reqs = append(reqs, request{i, 1 + i%3})
	}
	before := on.metrics(t)
	for _, api := range []string{"REST", "GRPC"} {
		call := (*liveServer).predictREST
		if api == "GRPC" {
			call = (*liveServer).predictGRPC
		}
		want := make([][]prediction, len(reqs))
		for i, r := range reqs {
			p, err := call(off, fx.inputs[r.first*f:], r.rows, f)
			if err != nil {
				t.Fatalf("%s, unbatched, request %d: %v", api, i, err)
			}
			want[i] = p
		}
		got := make([][]prediction, len(reqs))
		errs := make([]error, len(reqs))
		var wg sync.WaitGroup
		for i, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = call(on, fx.inputs[r.first*f:], r.rows, f)
			}()
		}
		wg.Wait()
		for i := range reqs {
			if errs[i] != nil {
				t.Fatalf("%s, batched, request %d: %v", api, i, errs[i])
			}
			if len(got[i]) != reqs[i].rows || len(want[i]) != reqs[i].rows {
				t.Fatalf("%s, request %d of %d rows: %d predictions batched, %d unbatched", api, i, reqs[i].rows, len(got[i]), len(want[i]))
			}
			for j := range got[i] {
				g, w := got[i][j], want[i][j]
				if approx.Float32s(g.Probabilities, w.Probabilities, 1e-4, 1e-6) >= 0 || len(g.Probabilities) != fx.width {
					t.Errorf("%s, request %d row %d: probabilities %v batched, %v unbatched", api, i, j, g.Probabilities, w.Probabilities)
				}
				if g.Classes != w.Classes && !nearTie(w.Probabilities) {
					t.Errorf("%s, request %d row %d: class %d batched, %d unbatched (probabilities %v)", api, i, j, g.Classes, w.Classes, w.Probabilities)
				}
			}
		}
	}
	after := on.metrics(t)
	delta := func(series string) float64 {
		a, ok := metricValue(t, after, series)
		if !ok {
			t.Fatalf("no series %s in the metrics", series)
		}
		b, _ := metricValue(t, before, series) // absent before any request
		return a - b
	}
	n := float64(len(reqs))
	batches := delta(`:tensorflow:serving:batching_session:processed_batch_size_count{model_name="ids"}`)
	if batches >= 2*n {
		t.Errorf("%v batches for %v requests: nothing was merged", batches, 2*n)
	}
	// Padded to 4 or 8 rows: the rows run are at least 4 per batch.
	if rows := delta(`:tensorflow:serving:batching_session:processed_batch_size_sum{model_name="ids"}`); rows < 4*batches {
		t.Errorf("%v rows in %v batches: not padded to allowed_batch_sizes", rows, batches)
	}
	for _, entry := range []string{"REST", "GRPC"} {
		for _, stage := range []string{"read", "decode", "queue", "run", "split", "encode"} {
			series := fmt.Sprintf(`:tfnids:serving:request_stage_latency_count{entrypoint=%q,model_name="ids",stage=%q}`, entry, stage)
			if c := delta(series); c != n {
				t.Errorf("%s: %v requests timed, want %v", series, c, n)
			}
		}
	}
	if c := delta(`:tfnids:serving:request_stage_latency_count{entrypoint="GRPC",model_name="ids",stage="marshal"}`); c != n {
		t.Errorf("gRPC marshal stage timed for %v requests, want %v", c, n)
	}
}

// nearTie reports whether the two largest probabilities are too close for
// the class to be compared across execution paths.
func nearTie(p []float32) bool {
	a, b := float32(-1), float32(-1)
	for _, v := range p {
		if v > a {
			a, b = v, a
		} else if v > b {
			b = v
		}
	}
	return a-b < 1e-4
}

// TestBatcherSplitsRowsAndFailures: with a stub session run, each request
// gets its own rows of a merged run, an output the batch cannot split
// fails every request in the batch with a clear error, and a full queue
// answers UNAVAILABLE.
func TestBatcherSplitsRowsAndFailures(t *testing.T) {
	sig := &tfgraph.Signature{Key: "serving_default"}
	// The stub's output is its input times 10, plus a scalar when asked.
	var scalar bool
	var runs int
	run := func(_ *tfgraph.Signature, feeds map[string]*tf.Tensor) (tfgraph.Tensors, error) {
		runs++
		x, err := tfgraph.Float32s(feeds["x"])
		if err != nil {
			return nil, err
		}
		for i := range x {
			x[i] *= 10
		}
		y, err := tfgraph.NewFloat32(x, feeds["x"].Shape()...)
		if err != nil {
			return nil, err
		}
		out := tfgraph.Tensors{"y": y}
		if scalar {
			s, err := tf.NewTensor(float32(1))
			if err != nil {
				return nil, err
			}
			out["s"] = s
		}
		return out, nil
	}
	b := newBatcherFunc(run, BatchingOptions{MaxBatchSize: 6, BatchTimeout: time.Hour, NumBatchThreads: 1, MaxEnqueuedBatches: 1}, "m", nil)
	defer b.stop()
	send := func(vals ...float32) (*outputs, error) {
		x, err := tfgraph.NewFloat32(vals, int64(len(vals)), 1)
		if err != nil {
			t.Fatal(err)
		}
		defer tfgraph.FreeTensors(x)
		return b.do(sig, map[string]*tf.Tensor{"x": x}, nil)
	}
	// Three requests of 1, 2 and 3 rows fill a batch of 6 (the hour-long
	// timeout never expires): one run.
	inputs := [][]float32{{1}, {2, 3}, {4, 5, 6}}
	res := make([]*outputs, len(inputs))
	errs := make([]error, len(inputs))
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Add(1)
		go func() { defer wg.Done(); res[i], errs[i] = send(in...) }()
		time.Sleep(10 * time.Millisecond) // in order
	}
	wg.Wait()
	if runs != 1 {
		t.Errorf("%d runs for one full batch", runs)
	}
	for i, in := range inputs {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		v := res[i].views["y"]
		got := viewAs[float32](v.data)
		if len(v.shape) != 2 || v.shape[0] != int64(len(in)) || len(got) != len(in) {
			t.Fatalf("request %d: shape %v, %d values; want %d rows", i, v.shape, len(got), len(in))
		}
		for j := range in {
			if !approx.Equal(float64(got[j]), float64(10*in[j]), 1e-6) {
				t.Errorf("request %d row %d: %v, want %v", i, j, got[j], 10*in[j])
			}
		}
	}
	for _, r := range res {
		r.free()
	}
	// A scalar output cannot be split: both requests of the batch fail.
	scalar = true
	var e1, e2 error
	wg.Add(2)
	go func() { defer wg.Done(); _, e1 = send(1, 2, 3) }()
	time.Sleep(10 * time.Millisecond)
	go func() { defer wg.Done(); _, e2 = send(4, 5, 6) }()
	wg.Wait()
	for _, err := range []error{e1, e2} {
		if CodeOf(err) != codes.Internal || !strings.Contains(fmt.Sprint(err), `output "s" has shape []`) {
			t.Errorf("unsplittable output: %v", err)
		}
	}
	// One enqueued batch at most (the open one): a request that does not
	// fit the open batch closes it, and finds no room for a new one.
	scalar = false
	wg.Add(1)
	go func() { defer wg.Done(); r, err := send(1, 2, 3, 4); r.free(); e1 = err }()
	time.Sleep(10 * time.Millisecond)
	if _, err := send(5, 6, 7); CodeOf(err) != codes.Unavailable {
		t.Errorf("over max_enqueued_batches: %v, want UNAVAILABLE", err)
	}
	wg.Wait()
	if e1 != nil {
		t.Errorf("the batch closed by a request that did not fit: %v", e1)
	}
	// Stopping runs the open batch at once rather than after its timeout.
	wg.Add(1)
	go func() { defer wg.Done(); r, err := send(1); r.free(); e1 = err }()
	time.Sleep(10 * time.Millisecond)
	b.stop()
	wg.Wait()
	if e1 != nil {
		t.Errorf("the batch open at stop: %v", e1)
	}
	if _, err := send(1); CodeOf(err) != codes.Unavailable {
		t.Errorf("after stop: %v, want UNAVAILABLE", err)
	}
}

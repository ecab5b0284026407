package serving

import (
	"io"
	"path/filepath"
	"runtime"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/tfgraph"
)

// BenchmarkPredict64 runs one row-format :predict body of 64 raw rows
// through decoding, the session and encoding (no HTTP): the server's work
// per request.
func BenchmarkPredict64(b *testing.B) {
	fx := newFixture(b, "cnn", false)
	dir := filepath.Join(b.TempDir(), "1")
	if err := Export(ExportOptions{Card: fx.card, Checkpoint: fx.ckpt, Dir: dir}); err != nil {
		b.Fatal(err)
	}
	p, err := tfgraph.LoadPredictor(dir, nil, tfgraph.SessionConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	rows := fx.inputs[:6*48]
	body := []byte(`{"instances": ` + rowsJSON(append(append([]float32(nil), rows...), rows[:6*16]...), 64, 6) + `}`)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Predict(p, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode64 is the JSON decoding part of BenchmarkPredict64.
func BenchmarkDecode64(b *testing.B) {
	x, _ := rawFlows(64, 3)
	body := []byte(`{"instances": ` + rowsJSON(x, 64, 6) + `}`)
	sig := sigOf(floatInput("x", -1, 6))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := parsePredict(body, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// stubRun stands in for a classifier's session run: 16 probabilities and
// a class per row, in C tensors as TensorFlow returns them.
func stubRun(_ *tfgraph.Signature, feeds map[string]*tf.Tensor) (tfgraph.Tensors, error) {
	rows := feeds["x"].Shape()[0]
	p, pb, err := tfgraph.AllocTensor(tf.Float, []int64{rows, 16})
	if err != nil {
		return nil, err
	}
	clear(pb)
	c, cb, err := tfgraph.AllocTensor(tf.Int64, []int64{rows})
	if err != nil {
		return nil, err
	}
	clear(cb)
	return tfgraph.Tensors{ProbabilitiesKey: p, ClassesKey: c}, nil
}

// BenchmarkBatchedPredictJSON is the server's Go work for single-row
// :predict bodies from 32 concurrent clients through the batcher, without
// HTTP and with a stub for the session run: decoding, queueing, merging,
// splitting and encoding. Its ns/op times GOMAXPROCS bounds the CPU per
// request that batching cannot remove.
func BenchmarkBatchedPredictJSON(b *testing.B) {
	x, _ := rawFlows(1, 3)
	x = append(x, x...)
	x = append(x, x...)
	x = append(x, x...)
	body := []byte(`{"instances": ` + rowsJSON(x[:37], 1, 37) + `}`)
	sig := &tfgraph.Signature{Key: "serving_default", Inputs: []tfgraph.TensorSpec{floatInput("x", -1, 37)}}
	sv := &servable{pred: &tfgraph.Predictor{Signatures: map[string]*tfgraph.Signature{sig.Key: sig}},
		batch: newBatcherFunc(stubRun, BatchingOptions{MaxBatchSize: 64, NumBatchThreads: 1, MaxEnqueuedBatches: 100}, "m", nil)}
	defer sv.batch.stop()
	b.ReportAllocs()
	b.SetParallelism(32 / max(1, runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			write, err := predictJSON(sv, body, &stageTimes{})
			if err != nil {
				b.Error(err)
				return
			}
			if err := write(io.Discard); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

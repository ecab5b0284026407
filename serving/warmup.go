package serving

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	tf "github.com/wamuir/graft/tensorflow"
	tensorpb "github.com/wamuir/graft/tensorflow/core/framework/tensor_go_proto"
	apispb "github.com/wamuir/graft/tensorflow/serving/apis_go_proto"
	"google.golang.org/protobuf/proto"

	"github.com/tfnids/tfnids/tfgraph"
)

// WarmupFile is where TensorFlow Serving looks for warm-up requests in a
// version directory: a TFRecord file of PredictionLog messages.
const WarmupFile = "assets.extra/tf_serving_warmup_requests"

// MaxWarmupRecords is TensorFlow Serving's limit on warm-up records.
const MaxWarmupRecords = 1000

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is TFRecord's masked CRC-32C.
func maskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, crc32c)
	return (c>>15 | c<<17) + 0xa282ead8
}

// WriteTFRecords writes records in TFRecord framing: length (uint64 LE),
// masked CRC-32C of the length, data, masked CRC-32C of the data.
func WriteTFRecords(w io.Writer, records [][]byte) error {
	bw := bufio.NewWriter(w)
	var hdr [12]byte
	var foot [4]byte
	for _, r := range records {
		binary.LittleEndian.PutUint64(hdr[:8], uint64(len(r)))
		binary.LittleEndian.PutUint32(hdr[8:], maskedCRC(hdr[:8]))
		binary.LittleEndian.PutUint32(foot[:], maskedCRC(r))
		bw.Write(hdr[:])
		bw.Write(r)
		if _, err := bw.Write(foot[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadTFRecords reads TFRecord framing, checking both CRCs; it stops after
// limit records.
func ReadTFRecords(r io.Reader, limit int) ([][]byte, error) {
	br := bufio.NewReader(r)
	var out [][]byte
	for i := 0; ; i++ {
		var hdr [12]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("record %d: truncated header", i)
		}
		if got, want := binary.LittleEndian.Uint32(hdr[8:]), maskedCRC(hdr[:8]); got != want {
			return nil, fmt.Errorf("record %d: corrupted length (CRC %08x, want %08x)", i, got, want)
		}
		n := binary.LittleEndian.Uint64(hdr[:8])
		if n > 1<<30 {
			return nil, fmt.Errorf("record %d: length %d too large", i, n)
		}
		if i >= limit {
			return nil, fmt.Errorf("more than %d records", limit)
		}
		data := make([]byte, n+4)
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, fmt.Errorf("record %d: truncated data", i)
		}
		if got, want := binary.LittleEndian.Uint32(data[n:]), maskedCRC(data[:n]); got != want {
			return nil, fmt.Errorf("record %d: corrupted data (CRC %08x, want %08x)", i, got, want)
		}
		out = append(out, data[:n])
	}
}

// WarmupRecord is a PredictionLog holding a Predict request for the
// default signature, serialized, for WriteTFRecords.
func WarmupRecord(model string, inputs map[string]*tf.Tensor) ([]byte, error) {
	req := &apispb.PredictRequest{ModelSpec: &apispb.ModelSpec{Name: model, SignatureName: tfgraph.DefaultSignatureKey},
		Inputs: map[string]*tensorpb.TensorProto{}}
	for k, t := range inputs {
		tp, err := tensorToProto(t)
		if err != nil {
			return nil, err
		}
		req.Inputs[k] = tp
	}
	log := &apispb.PredictionLog{LogType: &apispb.PredictionLog_PredictLog{PredictLog: &apispb.PredictLog{Request: req}}}
	return proto.Marshal(log)
}

// warmUp runs a version before it is made available: the requests of its
// warm-up file if it has one (as TensorFlow Serving replays them), else
// the default signature once on one zero example, so the first client
// does not pay for building the executor.
func warmUp(s *servable) (int, error) {
	path := filepath.Join(s.dir, filepath.FromSlash(WarmupFile))
	f, err := os.Open(path)
	if err == nil {
		defer f.Close()
		recs, err := ReadTFRecords(f, MaxWarmupRecords)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", WarmupFile, err)
		}
		for i, r := range recs {
			var pl apispb.PredictionLog
			if err := proto.Unmarshal(r, &pl); err != nil {
				return i, fmt.Errorf("%s: record %d: %w", WarmupFile, i, err)
			}
			req := pl.GetPredictLog().GetRequest()
			if req == nil {
				return i, fmt.Errorf("%s: record %d: only predict_log warm-up records are supported", WarmupFile, i)
			}
			if _, err := predictProto(s, req, nil); err != nil {
				return i, fmt.Errorf("%s: record %d: %w", WarmupFile, i, err)
			}
		}
		return len(recs), nil
	}
	return 0, zeroWarmUp(s.pred)
}

func zeroWarmUp(p *tfgraph.Predictor) error {
	sig, err := p.Signature("")
	if err != nil {
		return nil // no default signature: nothing to warm up
	}
	inputs := map[string]*tf.Tensor{}
	defer func() {
		for _, t := range inputs {
			tfgraph.FreeTensors(t)
		}
	}()
	for _, in := range sig.Inputs {
		if in.Shape == nil || !supported(in.DType) {
			return nil
		}
		shape := make([]int64, len(in.Shape))
		for i, d := range in.Shape {
			shape[i] = int64(max(d, 1))
		}
		t, err := newTensor(zeroData(in.DType, shape))
		if err != nil {
			return err
		}
		inputs[in.Key] = t
	}
	out, err := p.Run(sig.Key, inputs)
	out.Free()
	return err
}

// warmupRequests is the warm-up file an export ships: one Predict request
// of one all-zero example of exampleShape (the input shape without the
// batch dimension).
func warmupRequests(model string, exampleShape []int) ([]byte, error) {
	shape := []int64{1}
	n := 1
	for _, d := range exampleShape {
		shape = append(shape, int64(max(d, 1)))
		n *= max(d, 1)
	}
	x, err := tfgraph.NewFloat32(make([]float32, n), shape...)
	if err != nil {
		return nil, err
	}
	defer tfgraph.FreeTensors(x)
	rec, err := WarmupRecord(model, map[string]*tf.Tensor{"x": x})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := WriteTFRecords(&b, [][]byte{rec}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

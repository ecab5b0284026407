package serving

import (
	tf "github.com/wamuir/graft/tensorflow"
	tensorpb "github.com/wamuir/graft/tensorflow/core/framework/tensor_go_proto"
	apispb "github.com/wamuir/graft/tensorflow/serving/apis_go_proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tfnids/tfnids/tfgraph"
)

// signature returns the named signature ("" is serving_default) with
// TensorFlow Serving's error when it is missing.
func (s *servable) signature(name string) (*tfgraph.Signature, error) {
	key := name
	if key == "" {
		key = tfgraph.DefaultSignatureKey
	}
	if sig, ok := s.pred.Signatures[key]; ok {
		return sig, nil
	}
	return nil, statusErr(codes.FailedPrecondition, "Serving signature key \"%s\" not found.", key)
}

// run runs sig on feeds, through the batcher when batching is on, and
// records the run (and batching) stages in st (nil: none). The caller
// frees the outputs; feeds are not freed.
func (s *servable) run(sig *tfgraph.Signature, feeds map[string]*tf.Tensor, st *stageTimes) (*outputs, error) {
	if rows := batchRows(feeds); s.maxRows > 0 && rows > s.maxRows {
		st.start()
		out, err := runChunked(s.pred, sig, feeds, rows, s.maxRows)
		st.lap(stageRun)
		if err != nil {
			return nil, err
		}
		return ownOutputs(out), nil
	}
	if s.batch != nil {
		return s.batch.do(sig, feeds, st)
	}
	out, err := timedRun(s.predictorRun, sig, feeds, st, s.metrics)
	if err != nil {
		return nil, err
	}
	return ownOutputs(out), nil
}

// predictorRun runs sig on the version's session.
func (s *servable) predictorRun(sig *tfgraph.Signature, feeds map[string]*tf.Tensor) (tfgraph.Tensors, error) {
	return s.pred.Run(sig.Key, feeds)
}

// DefaultMaxRowsPerRun is how many examples one session run takes at most;
// larger requests run in slices of this many rows. A model's activations
// grow with the rows of a run (a CNN's can be a hundred times the input),
// so this is what bounds a large request's memory.
const DefaultMaxRowsPerRun = 512

// runChunked runs a request of rows examples as consecutive runs of at
// most chunk rows and joins their outputs, which must all have the rows as
// their first dimension.
func runChunked(p *tfgraph.Predictor, sig *tfgraph.Signature, feeds map[string]*tf.Tensor, rows, chunk int) (tfgraph.Tensors, error) {
	out := tfgraph.Tensors{}
	var outBufs map[string][]byte
	fail := func(err error) (tfgraph.Tensors, error) {
		out.Free()
		return nil, err
	}
	for lo := 0; lo < rows; lo += chunk {
		hi := min(lo+chunk, rows)
		part := make(map[string]*tf.Tensor, len(feeds))
		for k, t := range feeds {
			all := tfgraph.TensorBytes(t)
			rowBytes := len(all) / rows
			pt, buf, err := tfgraph.AllocTensor(t.DataType(), append([]int64{int64(hi - lo)}, t.Shape()[1:]...))
			if err != nil {
				return fail(err)
			}
			copy(buf, all[lo*rowBytes:hi*rowBytes])
			part[k] = pt
		}
		res, err := p.Run(sig.Key, part)
		for _, t := range part {
			tfgraph.FreeTensors(t)
		}
		if err != nil {
			return fail(err)
		}
		if outBufs == nil {
			outBufs = map[string][]byte{}
			for k, o := range res {
				shape := o.Shape()
				if len(shape) == 0 || shape[0] != int64(hi-lo) {
					res.Free()
					return fail(statusErr(codes.Internal, "output %q has shape %v, not one row per example; cannot split the request", k, shape))
				}
				t, buf, err := tfgraph.AllocTensor(o.DataType(), append([]int64{int64(rows)}, shape[1:]...))
				if err != nil {
					res.Free()
					return fail(err)
				}
				out[k], outBufs[k] = t, buf
			}
		}
		for k, o := range res {
			b := tfgraph.TensorBytes(o)
			rowBytes := len(b) / (hi - lo)
			copy(outBufs[k][lo*rowBytes:], b)
		}
		res.Free()
	}
	return out, nil
}

// predictProto answers a gRPC PredictRequest (and replays warm-up
// records) on s, recording its stages in st (nil: none).
func predictProto(s *servable, req *apispb.PredictRequest, st *stageTimes) (*apispb.PredictResponse, error) {
	sig, err := s.signature(req.GetModelSpec().GetSignatureName())
	if err != nil {
		return nil, err
	}
	var sent, extra, missing []string
	for k := range req.GetInputs() {
		sent = append(sent, k)
		if _, ok := sig.Input(k); !ok {
			extra = append(extra, k)
		}
	}
	var want []string
	for _, in := range sig.Inputs {
		want = append(want, in.Key)
		if _, ok := req.GetInputs()[in.Key]; !ok {
			missing = append(missing, in.Key)
		}
	}
	if len(extra)+len(missing) > 0 {
		return nil, badRequest("input size does not match signature: %d!=%d len(%s) != len(%s). Sent extra: %s. Missing but required: %s.",
			len(sent), len(want), setString(sent), setString(want), setString(extra), setString(missing))
	}
	feeds := make(map[string]*tf.Tensor, len(sig.Inputs))
	defer func() {
		for _, t := range feeds {
			tfgraph.FreeTensors(t)
		}
	}()
	for _, in := range sig.Inputs {
		t, err := tensorFromProto(req.GetInputs()[in.Key], in)
		if err != nil {
			return nil, err
		}
		feeds[in.Key] = t
	}
	var outKeys []string
	for _, k := range req.GetOutputFilter() {
		if _, ok := sig.Output(k); !ok {
			var all []string
			for _, o := range sig.Outputs {
				all = append(all, o.Key)
			}
			return nil, badRequest("output tensor alias not found in signature: %s Outputs expected to be in the set %s.", k, setString(all))
		}
		outKeys = append(outKeys, k)
	}
	st.lap(stageDecode)
	out, err := s.run(sig, feeds, st)
	if err != nil {
		return nil, runError(err)
	}
	defer out.free()
	st.start()
	resp := &apispb.PredictResponse{Outputs: make(map[string]*tensorpb.TensorProto, len(out.views)),
		ModelSpec: &apispb.ModelSpec{Name: s.model, SignatureName: sig.Key,
			VersionChoice: &apispb.ModelSpec_Version{Version: wrapperspb.Int64(s.version)}}}
	if len(outKeys) == 0 {
		outKeys = out.keys()
	}
	for _, k := range outKeys {
		tp, err := viewToProto(out.views[k])
		if err != nil {
			return nil, err
		}
		resp.Outputs[k] = tp
	}
	st.lap(stageEncode)
	return resp, nil
}

// runError keeps status errors and reports TensorFlow's own as
// INVALID_ARGUMENT when they are about the inputs, else INTERNAL.
func runError(err error) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	return statusErr(codes.Internal, "%v", err)
}

package serving

import "time"

// stage is one step of answering a predict request, for the per-stage
// latency histogram (:tfnids:serving:request_stage_latency): where a
// request's wall time goes, with batching on or off.
type stage int

const (
	// stageRead: from the handler's start to the whole body read (REST),
	// or unmarshalling the request message (gRPC).
	stageRead stage = iota
	// stageDecode: JSON or TensorProto to input tensors, with the
	// signature checks.
	stageDecode
	// stageQueue: waiting in the batch queue until the request's batch
	// starts (batching only).
	stageQueue
	// stageMerge: copying the batch's inputs into the merged tensors
	// (batching only).
	stageMerge
	// stageRun: the session run that computed the request's outputs (its
	// batch's, with batching).
	stageRun
	// stageSplit: from the end of the batch's run until the request has
	// its rows of the outputs back (batching only).
	stageSplit
	// stageEncode: outputs to the response: JSON written to the
	// connection's buffer (REST), or the response message (gRPC).
	stageEncode
	// stageMarshal: serializing the gRPC response message.
	stageMarshal
	numStages
)

var stageNames = [numStages]string{"read", "decode", "queue", "merge", "run", "split", "encode", "marshal"}

// stageTimes is one request's wall time per stage. A nil *stageTimes
// records nothing, so the paths that do not report (warm-up, the
// library's Predict) pass nil.
type stageTimes struct {
	d   [numStages]time.Duration
	set uint16 // bit s: d[s] was recorded
	// mark is when the stage being timed started.
	mark time.Time
}

// start begins timing at now.
func (st *stageTimes) start() {
	if st != nil {
		st.mark = time.Now()
	}
}

// lap records the time since the last mark as stage s and moves the mark.
func (st *stageTimes) lap(s stage) {
	if st == nil {
		return
	}
	now := time.Now()
	st.add(s, now.Sub(st.mark))
	st.mark = now
}

// add records d for stage s.
func (st *stageTimes) add(s stage, d time.Duration) {
	if st == nil {
		return
	}
	st.d[s] += d
	st.set |= 1 << s
}

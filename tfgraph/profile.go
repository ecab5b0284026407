package tfgraph

// #include <stdlib.h>
// #include "tensorflow/c/c_api.h"
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"
	"unsafe"

	tf "github.com/wamuir/graft/tensorflow"
	stepstatspb "github.com/wamuir/graft/tensorflow/core/framework/step_stats_go_proto"
	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
	"google.golang.org/protobuf/proto"
)

// This file runs a session step with RunOptions and returns its
// RunMetadata, which graft's Session.Run cannot do: the StepStats in it give
// TensorFlow's own time per node, the yardstick for the time tfnids spends
// around each Session.Run.

// TraceLevel is RunOptions.trace_level.
type TraceLevel int32

const (
	NoTrace       = TraceLevel(corepb.RunOptions_NO_TRACE)
	SoftwareTrace = TraceLevel(corepb.RunOptions_SOFTWARE_TRACE)
	HardwareTrace = TraceLevel(corepb.RunOptions_HARDWARE_TRACE)
	FullTrace     = TraceLevel(corepb.RunOptions_FULL_TRACE)
)

// cSession returns the TF_Session behind a graft Session. graft v0.10.0
// keeps it as the struct's first field (as it does a Tensor's TF_Tensor,
// see cTensor) and sets it to nil on Close; TestSessionLayout guards this.
func cSession(s *tf.Session) **C.TF_Session {
	return (**C.TF_Session)(unsafe.Pointer(s))
}

// cOperation returns the TF_Operation behind a graft Operation (its first
// field; TestSessionLayout guards this too).
func cOperation(o *tf.Operation) *C.TF_Operation {
	return *(**C.TF_Operation)(unsafe.Pointer(o))
}

func cOutput(o tf.Output) (C.TF_Output, error) {
	if o.Op == nil {
		return C.TF_Output{}, errors.New("tfgraph: run: an output has no operation")
	}
	return C.TF_Output{oper: cOperation(o.Op), index: C.int(o.Index)}, nil
}

// TracedRun is the result of RunTraced.
type TracedRun struct {
	// Outputs are the fetched tensors, in fetch order (Go-owned copies).
	Outputs []*tf.Tensor
	// Metadata is the step's RunMetadata: StepStats (per-node timings) at
	// trace levels above NoTrace, and the partition graphs.
	Metadata *corepb.RunMetadata
	// Call is the wall time of the TF_SessionRun call alone: what
	// TensorFlow spent, without the Go-side argument and result handling.
	Call time.Duration
}

// RunTraced runs one step like Session.Run, with RunOptions{trace_level:
// level}, and returns the fetched tensors and the RunMetadata. Fetches must
// be numeric tensors (no strings). The caller must not Close the session
// while RunTraced runs (graft's own Run guards that; this cannot).
func RunTraced(s *tf.Session, feeds map[tf.Output]*tf.Tensor, fetches []tf.Output, targets []*tf.Operation, level TraceLevel) (*TracedRun, error) {
	cs := *cSession(s)
	if cs == nil {
		return nil, errors.New("tfgraph: run: session is closed")
	}
	// Feeds in a fixed order (by operation name and index), so repeated runs
	// hit one executor in TensorFlow's cache.
	type feed struct {
		name string
		out  C.TF_Output
		t    *C.TF_Tensor
	}
	fs := make([]feed, 0, len(feeds))
	for o, t := range feeds {
		co, err := cOutput(o)
		if err != nil {
			return nil, err
		}
		if t == nil || *cTensor(t) == nil {
			return nil, fmt.Errorf("tfgraph: run: the feed for %s:%d is nil or freed", o.Op.Name(), o.Index)
		}
		fs = append(fs, feed{fmt.Sprintf("%s:%d", o.Op.Name(), o.Index), co, *cTensor(t)})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].name < fs[j].name })
	feedOuts := make([]C.TF_Output, len(fs))
	feedVals := make([]*C.TF_Tensor, len(fs))
	for i, f := range fs {
		feedOuts[i], feedVals[i] = f.out, f.t
	}
	fetchOuts := make([]C.TF_Output, len(fetches))
	for i, o := range fetches {
		co, err := cOutput(o)
		if err != nil {
			return nil, err
		}
		fetchOuts[i] = co
	}
	fetchVals := make([]*C.TF_Tensor, len(fetches))
	targetOps := make([]*C.TF_Operation, len(targets))
	for i, op := range targets {
		if op == nil {
			return nil, errors.New("tfgraph: run: nil target")
		}
		targetOps[i] = cOperation(op)
	}

	opts, err := proto.Marshal(&corepb.RunOptions{TraceLevel: corepb.RunOptions_TraceLevel(level)})
	if err != nil {
		return nil, err
	}
	var cOpts *C.TF_Buffer
	if len(opts) > 0 {
		cOpts = C.TF_NewBufferFromString(unsafe.Pointer(&opts[0]), C.size_t(len(opts)))
	} else {
		cOpts = C.TF_NewBuffer()
	}
	defer C.TF_DeleteBuffer(cOpts)
	cMeta := C.TF_NewBuffer()
	defer C.TF_DeleteBuffer(cMeta)
	status := C.TF_NewStatus()
	defer C.TF_DeleteStatus(status)

	start := time.Now()
	C.TF_SessionRun(cs, cOpts,
		ptrOut(feedOuts), ptrTensor(feedVals), C.int(len(feedOuts)),
		ptrOut(fetchOuts), ptrTensor(fetchVals), C.int(len(fetchOuts)),
		ptrOp(targetOps), C.int(len(targetOps)),
		cMeta, status)
	call := time.Since(start)
	runtime.KeepAlive(feeds)
	if C.TF_GetCode(status) != C.TF_OK {
		return nil, errors.New(C.GoString(C.TF_Message(status)))
	}

	res := &TracedRun{Call: call, Metadata: &corepb.RunMetadata{}}
	for _, ct := range fetchVals {
		t, err := goTensor(ct)
		C.TF_DeleteTensor(ct)
		if err != nil {
			FreeTensors(res.Outputs...)
			return nil, err
		}
		res.Outputs = append(res.Outputs, t)
	}
	if n := int(cMeta.length); n > 0 {
		raw := C.GoBytes(cMeta.data, C.int(n))
		if err := proto.Unmarshal(raw, res.Metadata); err != nil {
			FreeTensors(res.Outputs...)
			return nil, fmt.Errorf("tfgraph: run: RunMetadata: %w", err)
		}
	}
	return res, nil
}

// goTensor copies a numeric C tensor into a new Go-owned Tensor.
func goTensor(ct *C.TF_Tensor) (*tf.Tensor, error) {
	if ct == nil {
		return nil, errors.New("tfgraph: run: TensorFlow returned no tensor for a fetch")
	}
	dt := tf.DataType(C.TF_TensorType(ct))
	if dt == tf.String {
		return nil, errors.New("tfgraph: run: string fetches are not supported by RunTraced")
	}
	shape := make([]int64, int(C.TF_NumDims(ct)))
	for i := range shape {
		shape[i] = int64(C.TF_Dim(ct, C.int(i)))
	}
	var raw []byte
	if n := int(C.TF_TensorByteSize(ct)); n > 0 {
		raw = unsafe.Slice((*byte)(C.TF_TensorData(ct)), n)
	}
	return tf.ReadTensor(dt, shape, bytes.NewReader(raw))
}

func ptrOut(l []C.TF_Output) *C.TF_Output {
	if len(l) == 0 {
		return nil
	}
	return &l[0]
}

func ptrTensor(l []*C.TF_Tensor) **C.TF_Tensor {
	if len(l) == 0 {
		return nil
	}
	return &l[0]
}

func ptrOp(l []*C.TF_Operation) **C.TF_Operation {
	if len(l) == 0 {
		return nil
	}
	return &l[0]
}

// StepTime summarizes a step's StepStats.
type StepTime struct {
	// Span is the time from the first node's start to the last node's end,
	// over all devices: the wall time TensorFlow's executor needed.
	Span time.Duration
	// Kernels is the sum of every node's op time (op start to op end),
	// across threads: CPU time in kernels. With parallel kernels it can
	// exceed Span.
	Kernels time.Duration
	// Nodes counts the executed nodes.
	Nodes int
	// ByOp is the kernel time per op type (from each node's timeline label;
	// the node name where there is none).
	ByOp map[string]time.Duration
	// ByNode is the kernel time per node name.
	ByNode map[string]time.Duration
}

// SummarizeStepStats sums the node timings of one step.
func SummarizeStepStats(ss *stepstatspb.StepStats) StepTime {
	st := StepTime{ByOp: map[string]time.Duration{}, ByNode: map[string]time.Duration{}}
	var first, last int64 = -1, -1
	for _, dev := range ss.GetDevStats() {
		for _, n := range dev.GetNodeStats() {
			start := n.GetAllStartNanos()
			if start == 0 {
				start = n.GetAllStartMicros() * 1000
			}
			opStart, opEnd, allEnd := n.GetOpStartRelNanos(), n.GetOpEndRelNanos(), n.GetAllEndRelNanos()
			if opStart == 0 && opEnd == 0 && allEnd == 0 {
				opStart, opEnd, allEnd = n.GetOpStartRelMicros()*1000, n.GetOpEndRelMicros()*1000, n.GetAllEndRelMicros()*1000
			}
			if first < 0 || start < first {
				first = start
			}
			if end := start + allEnd; end > last {
				last = end
			}
			d := time.Duration(opEnd - opStart)
			st.Kernels += d
			st.ByOp[opType(n)] += d
			st.ByNode[n.GetNodeName()] += d
			st.Nodes++
		}
	}
	if first >= 0 {
		st.Span = time.Duration(last - first)
	}
	return st
}

// opType reads the op type from a timeline label "name = Type(inputs)".
func opType(n *stepstatspb.NodeExecStats) string {
	l := n.GetTimelineLabel()
	if _, rest, ok := strings.Cut(l, " = "); ok {
		if t, _, ok := strings.Cut(rest, "("); ok && t != "" {
			return t
		}
	}
	return n.GetNodeName()
}

// String returns the RunOptions name of the level, e.g. "SOFTWARE_TRACE".
func (l TraceLevel) String() string { return corepb.RunOptions_TraceLevel(l).String() }

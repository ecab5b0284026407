package tfgraph

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	tf "github.com/wamuir/graft/tensorflow"
	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
	"google.golang.org/protobuf/proto"
)

// SessionConfig is the part of TensorFlow's ConfigProto tfnids exposes. The
// zero value means: TensorFlow's default thread pools, soft placement on.
type SessionConfig struct {
	// IntraOpThreads sizes the pool one op's kernel uses (0: one per core).
	// The pool is process-wide: the first session fixes it.
	IntraOpThreads int
	// InterOpThreads sizes the pool that runs independent ops (0: default).
	InterOpThreads int
	// HardPlacement turns allow_soft_placement off: an op pinned to a device
	// that has no kernel for it fails instead of falling back to the CPU.
	HardPlacement bool
	// LogDevicePlacement makes TensorFlow log where each op runs (stderr).
	LogDevicePlacement bool
	// Target is a TensorFlow runtime target such as "grpc://host:port";
	// empty for in-process.
	Target string
	// DeviceFilters limits a cluster session to the tasks it names (e.g.
	// "/job:worker/task:1"), so it neither waits for nor uses the others.
	DeviceFilters []string
	// OperationTimeout bounds every Run (0: no limit). A cluster session
	// needs it: a call to a worker that died waits for it forever otherwise.
	OperationTimeout time.Duration
	// IsolateSessionState gives the session's variables a container of its
	// own on a cluster's workers, so sessions (and clients) never share
	// variables by name.
	IsolateSessionState bool
	// XLA turns on XLA auto-clustering (global_jit_level ON_1): TensorFlow
	// compiles clusters of the graph's ops into fused XLA kernels. On a CPU
	// TensorFlow does so only when the process also starts with
	// TF_XLA_FLAGS=--tf_xla_cpu_global_jit. A measurement knob
	// (bench/profile -xla): on the seed models it is slower (bench/RESULTS.md).
	XLA bool
}

// Proto returns the serialized ConfigProto.
func (c SessionConfig) Proto() ([]byte, error) {
	if c.IntraOpThreads < 0 || c.InterOpThreads < 0 {
		return nil, fmt.Errorf("tfgraph: thread counts must be >= 0 (got intra %d, inter %d)", c.IntraOpThreads, c.InterOpThreads)
	}
	var graph *corepb.GraphOptions
	if c.XLA {
		graph = &corepb.GraphOptions{OptimizerOptions: &corepb.OptimizerOptions{GlobalJitLevel: corepb.OptimizerOptions_ON_1}}
	}
	return proto.Marshal(&corepb.ConfigProto{
		GraphOptions:              graph,
		IntraOpParallelismThreads: int32(c.IntraOpThreads),
		InterOpParallelismThreads: int32(c.InterOpThreads),
		AllowSoftPlacement:        !c.HardPlacement,
		LogDevicePlacement:        c.LogDevicePlacement,
		DeviceFilters:             c.DeviceFilters,
		OperationTimeoutInMs:      c.OperationTimeout.Milliseconds(),
		IsolateSessionState:       c.IsolateSessionState,
		GpuOptions:                &corepb.GPUOptions{AllowGrowth: true},
	})
}

// NewSession opens a session on g with the configuration c. Close it when
// done: its C resources are not released by the Go garbage collector.
func NewSession(g *tf.Graph, c SessionConfig) (*tf.Session, error) {
	cfg, err := c.Proto()
	if err != nil {
		return nil, err
	}
	return tf.NewSession(g, &tf.SessionOptions{Target: c.Target, Config: cfg})
}

var (
	devOnce sync.Once
	devList []tf.Device
	devErr  error
)

// ListDevices returns the devices TensorFlow sees in this process (asked
// once, through a session on an empty graph).
func ListDevices() ([]tf.Device, error) {
	devOnce.Do(func() {
		s, err := NewSession(tf.NewGraph(), SessionConfig{})
		if err != nil {
			devErr = err
			return
		}
		defer s.Close()
		devList, devErr = s.ListDevices()
	})
	return devList, devErr
}

// DeviceSpec is a parsed --device value.
type DeviceSpec struct {
	Type  string // "CPU" or "GPU"
	Index int
	// Full is the TensorFlow device string, e.g. "/device:GPU:1" or a full
	// "/job:worker/replica:0/task:1/device:CPU:0".
	Full string
}

var fullDevice = regexp.MustCompile(`^(/job:[A-Za-z0-9_]+(/replica:\d+)?(/task:\d+)?)?/device:(CPU|GPU):(\d+)$`)

// ParseDevice parses "cpu", "gpu", "gpu:1", "cpu:0" (any case) or a full
// TensorFlow device string.
func ParseDevice(spec string) (DeviceSpec, error) {
	s := strings.TrimSpace(spec)
	if m := fullDevice.FindStringSubmatch(s); m != nil {
		idx, _ := strconv.Atoi(m[5])
		return DeviceSpec{Type: m[4], Index: idx, Full: s}, nil
	}
	kind, idxText, hasIdx := strings.Cut(strings.ToLower(s), ":")
	if kind != "cpu" && kind != "gpu" {
		return DeviceSpec{}, fmt.Errorf("invalid device %q: want cpu, gpu, gpu:N or a TensorFlow device string such as /device:GPU:0", spec)
	}
	idx := 0
	if hasIdx {
		n, err := strconv.Atoi(idxText)
		if err != nil || n < 0 {
			return DeviceSpec{}, fmt.Errorf("invalid device %q: the index after ':' must be a whole number >= 0", spec)
		}
		idx = n
	}
	typ := strings.ToUpper(kind)
	return DeviceSpec{Type: typ, Index: idx, Full: fmt.Sprintf("/device:%s:%d", typ, idx)}, nil
}

// DeviceError says that a device asked for strictly is not among the
// devices TensorFlow sees.
type DeviceError struct {
	Device    string   // the full device name asked for
	Available []string // the devices TensorFlow lists
}

func (e *DeviceError) Error() string {
	return fmt.Sprintf("device %s is not available (TensorFlow sees: %s)", e.Device, strings.Join(e.Available, ", "))
}

// ResolveDevice checks a device spec against the devices TensorFlow
// lists. A GPU that is not there falls back to the first CPU with a warning,
// or is an error when strict is set. The returned string is what to pin ops
// to.
func ResolveDevice(spec string, strict bool, devices []tf.Device) (device, warning string, err error) {
	d, err := ParseDevice(spec)
	if err != nil {
		return "", "", err
	}
	suffix := fmt.Sprintf("device:%s:%d", d.Type, d.Index)
	var names []string
	for _, dev := range devices {
		names = append(names, dev.Name)
		if strings.HasSuffix(dev.Name, suffix) {
			return d.Full, "", nil
		}
	}
	if strings.HasPrefix(d.Full, "/job:") {
		// Remote devices are not listed by a local session; trust the cluster spec.
		return d.Full, "", nil
	}
	derr := &DeviceError{Device: d.Full, Available: names}
	if strict {
		return "", "", derr
	}
	return "/device:CPU:0", derr.Error() + "; running on /device:CPU:0", nil
}

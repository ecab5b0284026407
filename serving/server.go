package serving

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	tf "github.com/wamuir/graft/tensorflow"
	typespb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"

	"github.com/tfnids/tfnids/tfgraph"
)

// Options configure a Server. Zero durations and sizes take the defaults
// documented on each field.
type Options struct {
	// ModelName is the {name} of the URLs; BasePath holds its version
	// directories (TensorFlow Serving's --model_name, --model_base_path).
	// Ignored when Models is set.
	ModelName string
	BasePath  string
	// Models, when set, are the served models (a --model_config_file).
	Models []ModelConfig
	// ConfigFile is the model config file Models came from; when set with
	// ConfigPollInterval > 0 it is re-read and re-applied when it changes.
	ConfigFile         string
	ConfigPollInterval time.Duration
	// PollInterval is how often base paths are scanned for new versions
	// (default 1s, TensorFlow Serving's --file_system_poll_wait_seconds).
	PollInterval time.Duration
	// MaxBodyBytes limits a request body (default 32 MiB); larger bodies
	// get 413 (gRPC: RESOURCE_EXHAUSTED).
	MaxBodyBytes int64
	// MaxBytesInFlight caps the request bytes being decoded and run at
	// once (default 256 MiB); a request that would pass it gets 429
	// (gRPC: RESOURCE_EXHAUSTED) at once.
	MaxBytesInFlight int64
	// ReadTimeout bounds reading a request, headers and body (default 30s);
	// ReadHeaderTimeout the headers alone (default 10s); WriteTimeout the
	// whole request from the end of the headers to the end of the response
	// (default 60s); IdleTimeout a keep-alive connection between requests
	// (default 120s).
	ReadTimeout, ReadHeaderTimeout, WriteTimeout, IdleTimeout time.Duration
	// RequestTimeout bounds a REST request's work (TensorFlow Serving's
	// --rest_api_timeout_in_ms; 0: none beyond WriteTimeout).
	RequestTimeout time.Duration
	// ShutdownTimeout bounds the wait for running requests on shutdown
	// (default 30s).
	ShutdownTimeout time.Duration
	// Session configures every loaded version's session.
	Session tfgraph.SessionConfig
	// MaxRowsPerRun splits larger requests into session runs of this many
	// examples (default DefaultMaxRowsPerRun; -1: never split).
	MaxRowsPerRun int
	// Batching, when set, merges concurrent requests (--enable_batching).
	Batching *BatchingOptions
	// Monitoring, when it names a Prometheus path, exports metrics there
	// on the REST port.
	Monitoring *MonitoringOptions
	// Logf receives load/unload/failure messages (nil: silent).
	Logf func(format string, args ...any)
}

// Defaults of Options.
const (
	DefaultPollInterval     = time.Second
	DefaultReadTimeout      = 30 * time.Second
	DefaultWriteTimeout     = 60 * time.Second
	DefaultMaxBodyBytes     = 32 << 20
	DefaultMaxBytesInFlight = 256 << 20
)

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PollInterval, DefaultPollInterval)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.ReadHeaderTimeout, 10*time.Second)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.IdleTimeout, 120*time.Second)
	def(&o.ShutdownTimeout, 30*time.Second)
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxRowsPerRun == 0 {
		o.MaxRowsPerRun = DefaultMaxRowsPerRun
	}
	if o.MaxBytesInFlight <= 0 {
		o.MaxBytesInFlight = DefaultMaxBytesInFlight
	}
}

// Server answers TensorFlow Serving's REST and gRPC APIs for the models of
// a model config (or one model).
type Server struct {
	opts     Options
	mg       *manager
	metrics  *metrics
	inflight atomic.Int64 // request bytes being served
	cfgText  []byte       // the model config file as last applied
}

// NewServer checks the models' base paths and loads the versions their
// policies choose (a base path without versions is served as "no
// versions yet", as TensorFlow Serving does, until one appears). A version
// label at a version that did not load is an error, as in TensorFlow
// Serving.
func NewServer(opts Options) (*Server, error) {
	opts.defaults()
	cfgs := opts.Models
	if cfgs == nil {
		if opts.ModelName == "" || strings.ContainsAny(opts.ModelName, "/:") {
			return nil, fmt.Errorf("model name %q: want a non-empty name without '/' or ':'", opts.ModelName)
		}
		cfgs = []ModelConfig{{Name: opts.ModelName, BasePath: opts.BasePath}}
	}
	s := &Server{opts: opts}
	if opts.Monitoring != nil && opts.Monitoring.PrometheusPath != "" {
		s.metrics = newMetrics()
	}
	s.mg = newManager(loadHooks{session: opts.Session, batching: opts.Batching, maxRows: max(opts.MaxRowsPerRun, 0), metrics: s.metrics, logf: opts.Logf}, opts.PollInterval)
	if opts.ConfigFile != "" {
		text, err := os.ReadFile(opts.ConfigFile)
		if err == nil {
			s.cfgText = text
		}
	}
	if err := s.mg.apply(cfgs); err != nil {
		s.mg.close()
		return nil, err
	}
	return s, nil
}

// Models returns the version manager of the first configured model (the
// only one of a one-model server).
func (s *Server) Models() *Models {
	names := s.mg.names()
	if len(names) == 0 {
		return nil
	}
	if s.opts.Models == nil {
		return s.mg.get(s.opts.ModelName)
	}
	return s.mg.get(s.opts.Models[0].Name)
}

// ModelNames returns the served model names, sorted.
func (s *Server) ModelNames() []string { return s.mg.names() }

// Model returns the version manager of the model called name, or nil.
func (s *Server) Model(name string) *Models { return s.mg.get(name) }

// Close unloads every model.
func (s *Server) Close() { s.mg.close() }

// Serve answers REST requests on ln until ctx is done; see ServeAll.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error { return s.ServeAll(ctx, ln, nil) }

// ServeAll answers the REST API on rest and the gRPC API on grpcLn (either
// may be nil) until ctx is done, polling for new versions (and config
// changes), then shuts down gracefully: it stops accepting, waits up to
// ShutdownTimeout for running requests and closes the sessions.
func (s *Server) ServeAll(ctx context.Context, rest, grpcLn net.Listener) error {
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	s.mg.start(watchCtx)
	if s.opts.ConfigFile != "" && s.opts.ConfigPollInterval > 0 {
		go s.mg.watchConfig(watchCtx, s.opts.ConfigFile, s.opts.ConfigPollInterval, s.cfgText, os.ReadFile)
	}
	errc := make(chan error, 2)
	var srv *http.Server
	if rest != nil {
		srv = &http.Server{
			Handler:           s,
			ReadTimeout:       s.opts.ReadTimeout,
			ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
			WriteTimeout:      s.opts.WriteTimeout,
			IdleTimeout:       s.opts.IdleTimeout,
			MaxHeaderBytes:    1 << 20,
		}
		go func() { errc <- srv.Serve(rest) }()
	}
	var gs *grpc.Server
	if grpcLn != nil {
		gs = s.newGRPCServer()
		go func() { errc <- gs.Serve(grpcLn) }()
	}
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if gs != nil {
		stopped := make(chan struct{})
		go func() { gs.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-sctx.Done():
			gs.Stop()
		}
	}
	if srv != nil {
		if serr := srv.Shutdown(sctx); serr != nil && err == nil {
			err = fmt.Errorf("shutdown: %w", serr)
		}
	}
	stopWatch()
	s.mg.close()
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, grpc.ErrServerStopped) {
		err = nil
	}
	return err
}

// reserve takes n request bytes from the in-flight budget, or fails with
// RESOURCE_EXHAUSTED when they do not fit; release them with unreserve.
func (s *Server) reserve(n int64) error {
	if s.inflight.Add(n) > s.opts.MaxBytesInFlight && n > 0 {
		s.inflight.Add(-n)
		return statusErr(codes.ResourceExhausted,
			"server busy: %d bytes of requests already in flight (limit %d); retry later", s.inflight.Load(), s.opts.MaxBytesInFlight)
	}
	return nil
}

func (s *Server) unreserve(n int64) { s.inflight.Add(-n) }

var (
	predictPath = regexp.MustCompile(`(?i)^/v1/models/([^/:]+)(?:/versions/(\d+)|/labels/([^/:]+))?:(classify|regress|predict)$`)
	statusPath  = regexp.MustCompile(`(?i)^/v1/models(?:/([^/:]+))?(?:/versions/(\d+)|/labels/([^/:]+))?(?:/(metadata))?$`)
)

// ServeHTTP routes /v1/models/... requests (and the metrics path).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.metrics != nil && r.URL.Path == s.opts.Monitoring.PrometheusPath && r.Method == http.MethodGet {
		s.metrics.handler().ServeHTTP(w, r)
		return
	}
	start := time.Now()
	var stages *stageTimes
	if s.metrics != nil {
		stages = &stageTimes{mark: start}
	}
	model, api, body, err := s.route(w, r, stages)
	if st, ok := err.(*streamed); ok {
		// A prediction: the status is 200 from here on; the body is
		// written in pieces.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		// The writer hands the body on in pieces of 64 KiB or more; no
		// buffer of its own is needed.
		werr := st.write(w)
		stages.lap(stageEncode)
		s.metrics.request(model, api, "REST", CodeOf(werr), time.Since(start))
		if werr == nil {
			s.metrics.stageTimes(model, "REST", stages)
		}
		return
	}
	code := http.StatusOK
	if err != nil {
		code = httpStatus(CodeOf(err))
		var se *Error
		if errors.As(err, &se) && se.http != 0 {
			code = se.http
		}
		body = errorBody(err.Error())
	}
	if model != "" && api != "" {
		s.metrics.request(model, api, "REST", CodeOf(err), time.Since(start))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write(body)
}

// route answers one request; it returns the model and API names for the
// metrics.
func (s *Server) route(w http.ResponseWriter, r *http.Request, st *stageTimes) (model, api string, body []byte, err error) {
	path := r.URL.Path
	if !strings.HasPrefix(strings.ToLower(path), "/v1/") {
		return "", "", nil, notFoundf("no such endpoint: %s (the API is under /v1/models/<name>)", path)
	}
	malformed := badRequest("Malformed request: %s %s", r.Method, path)
	var spec VersionSpec
	parseVersion := func(v, label string) error {
		spec.Label = label
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return badRequest("Failed to convert version: %s to numeric.", v)
		}
		spec.Version = &n
		return nil
	}
	switch r.Method {
	case http.MethodPost:
		m := predictPath.FindStringSubmatch(path)
		if m == nil {
			return "", "", nil, malformed
		}
		if err := parseVersion(m[2], m[3]); err != nil {
			return m[1], "", nil, err
		}
		method := strings.ToLower(m[4])
		if method != "predict" {
			return m[1], method, nil, statusErr(codes.Unimplemented, "tfnids serve implements :predict only, not :%s (the models it exports have a predict signature)", method)
		}
		models := s.mg.get(m[1])
		if models == nil {
			return m[1], "", nil, unknownModel(m[1], spec)
		}
		stream, err := s.predict(w, r, models, spec, st)
		if err != nil {
			return m[1], method, nil, err
		}
		return m[1], method, nil, &streamed{stream}
	case http.MethodGet:
		m := statusPath.FindStringSubmatch(path)
		if m == nil {
			return "", "", nil, malformed
		}
		if m[1] == "" {
			return "", "", nil, badRequest("Missing model name in request.")
		}
		if err := parseVersion(m[2], m[3]); err != nil {
			return m[1], "", nil, err
		}
		models := s.mg.get(m[1])
		if m[4] != "" {
			if models == nil {
				return m[1], "", nil, unknownModel(m[1], spec)
			}
			out, err := s.metadata(models, spec)
			return m[1], "GetModelMetadata", out, err
		}
		if models == nil {
			return m[1], "", nil, notFoundf("Could not find any versions of model %s", m[1])
		}
		out, err := s.status(models, spec)
		return m[1], "GetModelStatus", out, err
	}
	return "", "", nil, malformed
}

// streamed is route's way to hand back a response to write in pieces.
type streamed struct{ write func(io.Writer) error }

func (*streamed) Error() string { return "streamed response" }

func unknownModel(name string, spec VersionSpec) error {
	if spec.Version != nil {
		return notFoundf("Servable not found for request: Specific(%s, %d)", name, *spec.Version)
	}
	return notFoundf("Servable not found for request: Latest(%s)", name)
}

// --- status and metadata ------------------------------------------------------

type statusJSON struct {
	Version string `json:"version"`
	State   string `json:"state"`
	Status  struct {
		ErrorCode    string `json:"error_code"`
		ErrorMessage string `json:"error_message"`
	} `json:"status"`
}

func (s *Server) status(models *Models, spec VersionSpec) ([]byte, error) {
	version, err := models.resolve(spec)
	if err != nil {
		return nil, err
	}
	sts, err := models.Status(version)
	if err != nil {
		return nil, err
	}
	out := struct {
		ModelVersionStatus []statusJSON `json:"model_version_status"`
	}{}
	for _, st := range sts {
		j := statusJSON{Version: strconv.FormatInt(st.Version, 10), State: st.State}
		j.Status.ErrorCode = "OK"
		if st.Err != nil {
			j.Status.ErrorCode, j.Status.ErrorMessage = codeName(CodeOf(st.Err)), st.Err.Error()
		}
		out.ModelVersionStatus = append(out.ModelVersionStatus, j)
	}
	b, err := json.MarshalIndent(out, "", " ")
	return append(b, '\n'), err
}

// Proto-JSON shapes of TensorFlow's SignatureDef, as TF Serving prints them
// (proto field names, primitive fields always present, int64 as strings).
type dimJSON struct {
	Size string `json:"size"`
	Name string `json:"name"`
}

type shapeJSON struct {
	Dim         []dimJSON `json:"dim"`
	UnknownRank bool      `json:"unknown_rank"`
}

type tensorInfoJSON struct {
	Dtype       string    `json:"dtype"`
	TensorShape shapeJSON `json:"tensor_shape"`
	Name        string    `json:"name"`
}

type signatureJSON struct {
	Inputs     map[string]tensorInfoJSON `json:"inputs"`
	Outputs    map[string]tensorInfoJSON `json:"outputs"`
	MethodName string                    `json:"method_name"`
	Defaults   map[string]any            `json:"defaults"`
}

func tensorInfo(ti *corepb.TensorInfo) tensorInfoJSON {
	j := tensorInfoJSON{Dtype: typespb.DataType(ti.GetDtype()).String(), Name: ti.GetName(),
		TensorShape: shapeJSON{Dim: []dimJSON{}, UnknownRank: ti.GetTensorShape().GetUnknownRank()}}
	for _, d := range ti.GetTensorShape().GetDim() {
		j.TensorShape.Dim = append(j.TensorShape.Dim, dimJSON{Size: strconv.FormatInt(d.GetSize(), 10), Name: d.GetName()})
	}
	return j
}

// SignatureDefJSON renders signature defs as TensorFlow Serving's metadata
// API does.
func SignatureDefJSON(defs map[string]*corepb.SignatureDef) map[string]signatureJSON {
	out := map[string]signatureJSON{}
	for key, sd := range defs {
		sj := signatureJSON{Inputs: map[string]tensorInfoJSON{}, Outputs: map[string]tensorInfoJSON{},
			MethodName: sd.GetMethodName(), Defaults: map[string]any{}}
		for k, ti := range sd.GetInputs() {
			sj.Inputs[k] = tensorInfo(ti)
		}
		for k, ti := range sd.GetOutputs() {
			sj.Outputs[k] = tensorInfo(ti)
		}
		out[key] = sj
	}
	return out
}

func (s *Server) metadata(models *Models, spec VersionSpec) ([]byte, error) {
	sv, err := models.acquire(spec)
	if err != nil {
		return nil, err
	}
	defer sv.release()
	type modelSpec struct {
		Name          string `json:"name"`
		SignatureName string `json:"signature_name"`
		Version       string `json:"version"`
	}
	out := struct {
		ModelSpec modelSpec `json:"model_spec"`
		Metadata  struct {
			SignatureDef struct {
				SignatureDef map[string]signatureJSON `json:"signature_def"`
			} `json:"signature_def"`
		} `json:"metadata"`
	}{ModelSpec: modelSpec{Name: models.Name, Version: strconv.FormatInt(sv.version, 10)}}
	out.Metadata.SignatureDef.SignatureDef = SignatureDefJSON(sv.pred.MetaGraph.GetSignatureDef())
	b, err := json.MarshalIndent(out, "", " ")
	return append(b, '\n'), err
}

// --- predict --------------------------------------------------------------------

func (s *Server) predict(w http.ResponseWriter, r *http.Request, models *Models, spec VersionSpec, st *stageTimes) (func(io.Writer) error, error) {
	if r.ContentLength > s.opts.MaxBodyBytes {
		return nil, &Error{Code: codes.ResourceExhausted, http: http.StatusRequestEntityTooLarge,
			Msg: fmt.Sprintf("request body larger than %d bytes; send fewer instances per request", s.opts.MaxBodyBytes)}
	}
	// A body of unknown length is charged the largest one allowed.
	charge := r.ContentLength
	if charge < 0 {
		charge = s.opts.MaxBodyBytes
	}
	if err := s.reserve(charge); err != nil {
		return nil, err
	}
	defer s.unreserve(charge)
	if s.opts.RequestTimeout > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes), r.ContentLength)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Error{Code: codes.ResourceExhausted, http: http.StatusRequestEntityTooLarge,
				Msg: fmt.Sprintf("request body larger than %d bytes; send fewer instances per request", s.opts.MaxBodyBytes)}
		}
		return nil, badRequest("reading the request body: %v", err)
	}
	if err := r.Context().Err(); err != nil {
		return nil, statusErr(codes.DeadlineExceeded, "request timed out after --rest_api_timeout_in_ms")
	}
	st.lap(stageRead)
	sv, err := models.acquire(spec)
	if err != nil {
		return nil, err
	}
	defer sv.release()
	return predictJSON(sv, body, st)
}

// readBody reads a body of the announced length (or unknown, -1) into one
// buffer of that size.
func readBody(r io.Reader, n int64) ([]byte, error) {
	if n < 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	// Anything past the announced length is an error, as in net/http.
	var one [1]byte
	if m, _ := r.Read(one[:]); m > 0 {
		return nil, badRequest("body longer than its Content-Length")
	}
	return buf, nil
}

// Predict answers a TF Serving :predict JSON body with p: it decodes the
// body against the named signature, checks dtypes and shapes, runs the
// signature and encodes the outputs. Client errors are reported as such
// (HTTP 400 in the server).
func Predict(p *tfgraph.Predictor, body []byte) ([]byte, error) {
	var b bytes.Buffer
	stream, err := predictJSON(&servable{pred: p}, body, nil)
	if err != nil {
		return nil, err
	}
	if err := stream(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// predictJSON decodes and runs a :predict body on sv and returns a
// function that writes the response (its errors are the writer's); the
// caller must call it once, which releases the outputs. It records the
// decode, batching and run stages in st (nil: none); writing is the
// caller's encode stage.
func predictJSON(sv *servable, body []byte, st *stageTimes) (func(io.Writer) error, error) {
	req, sig, err := parsePredict(body, func(name string) (*tfgraph.Signature, error) {
		key := name
		if key == "" {
			key = tfgraph.DefaultSignatureKey
		}
		if sig, ok := sv.pred.Signatures[key]; ok {
			return sig, nil
		}
		return nil, badRequest("Serving signature name: %q not found in signature def", key)
	})
	if err != nil {
		return nil, err
	}
	defer req.free()
	feeds := make(map[string]*tf.Tensor, len(req.inputs))
	defer func() {
		for _, t := range feeds {
			tfgraph.FreeTensors(t)
		}
	}()
	for _, in := range sig.Inputs {
		td := req.inputs[in.Key]
		if err := in.Check(td.dtype, td.shape); err != nil {
			return nil, badRequest("%v", err)
		}
		t, err := newTensor(td)
		if err != nil {
			return nil, err
		}
		feeds[in.Key] = t
	}
	st.lap(stageDecode)
	res, err := sv.run(sig, feeds, st)
	if err != nil {
		return nil, runError(err)
	}
	st.start()
	keys := res.keys()
	outs := make([]*outputTensor, 0, len(keys))
	for _, k := range keys {
		o, err := newOutput(k, res.views[k])
		if err != nil {
			res.free()
			return nil, err
		}
		outs = append(outs, o)
	}
	if err := checkPredictions(outs, req.row); err != nil {
		res.free()
		return nil, err
	}
	// The outputs are read in place while the response is written.
	return func(w io.Writer) error {
		defer res.free()
		return encodePredictions(w, outs, req.row)
	}, nil
}

// newTensor returns the tensor td was decoded into (handing it on: td no
// longer owns it), or copies td's values into a new one.
func newTensor(td *tensorData) (*tf.Tensor, error) {
	if td.inPlace() {
		t := td.t
		td.t = nil
		return t, nil
	}
	var raw []byte
	switch td.dtype {
	case tf.Float:
		return tfgraph.NewFloat32(td.f32, td.shape...)
	case tf.Double:
		raw = bytesOf(td.f64)
	case tf.Int32:
		raw = bytesOf(td.i32)
	case tf.Int64:
		raw = bytesOf(td.i64)
	case tf.Bool:
		raw = bytesOf(td.b)
	default:
		return nil, fmt.Errorf("cannot feed dtype %s", tfgraph.DTypeName(td.dtype))
	}
	return tf.ReadTensor(td.dtype, td.shape, bytes.NewReader(raw))
}

func bytesOf[T any](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*int(unsafe.Sizeof(z)))
}

// zeroData is a zero-valued tensor of dtype and shape.
func zeroData(dt tf.DataType, shape []int64) *tensorData {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	td := &tensorData{dtype: dt, shape: shape}
	switch dt {
	case tf.Float:
		td.f32 = make([]float32, n)
	case tf.Double:
		td.f64 = make([]float64, n)
	case tf.Int32:
		td.i32 = make([]int32, n)
	case tf.Int64:
		td.i64 = make([]int64, n)
	case tf.Bool:
		td.b = make([]bool, n)
	}
	return td
}

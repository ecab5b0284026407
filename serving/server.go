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
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

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
	ModelName string
	BasePath  string
	// PollInterval is how often BasePath is scanned for new versions
	// (default 1s, TensorFlow Serving's --file_system_poll_wait_seconds).
	PollInterval time.Duration
	// MaxBodyBytes limits a request body (default 32 MiB); larger bodies
	// get 413.
	MaxBodyBytes int64
	// ReadTimeout bounds reading a request, headers and body (default 30s);
	// ReadHeaderTimeout the headers alone (default 10s); WriteTimeout the
	// whole request from the end of the headers to the end of the response
	// (default 60s); IdleTimeout a keep-alive connection between requests
	// (default 120s).
	ReadTimeout, ReadHeaderTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds the wait for running requests on shutdown
	// (default 30s).
	ShutdownTimeout time.Duration
	// Session configures every loaded version's session.
	Session tfgraph.SessionConfig
	// Logf receives load/unload/failure messages (nil: silent).
	Logf func(format string, args ...any)
}

// Defaults of Options.
const (
	DefaultPollInterval = time.Second
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 60 * time.Second
	DefaultMaxBodyBytes = 32 << 20
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
}

// Server answers TensorFlow Serving's REST API for one model.
type Server struct {
	opts   Options
	models *Models
}

// NewServer checks the base path and loads the highest loadable version, if
// any (a base path without versions is served as "no versions yet", as
// TensorFlow Serving does, until one appears).
func NewServer(opts Options) (*Server, error) {
	opts.defaults()
	if opts.ModelName == "" || strings.ContainsAny(opts.ModelName, "/:") {
		return nil, fmt.Errorf("model name %q: want a non-empty name without '/' or ':'", opts.ModelName)
	}
	m, err := NewModels(opts.ModelName, opts.BasePath, opts.Session)
	if err != nil {
		return nil, err
	}
	m.Logf = opts.Logf
	if err := m.Poll(); err != nil {
		return nil, err
	}
	return &Server{opts: opts, models: m}, nil
}

// Models returns the server's version manager.
func (s *Server) Models() *Models { return s.models }

// Serve answers requests on ln until ctx is done, polling for new versions,
// then shuts down gracefully: it stops accepting, waits up to
// ShutdownTimeout for running requests and closes the sessions.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadTimeout:       s.opts.ReadTimeout,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    1 << 20,
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.models.Watch(watchCtx, s.opts.PollInterval)
	}()
	// closeModels stops the poller (waiting for a poll in progress, which
	// could otherwise load a version after the close) and unloads.
	closeModels := func() {
		stopWatch()
		<-watched
		s.models.Close()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		closeModels()
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	closeModels()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

var (
	predictPath = regexp.MustCompile(`(?i)^/v1/models/([^/:]+)(?:/versions/(\d+)|/labels/([^/:]+))?:(classify|regress|predict)$`)
	statusPath  = regexp.MustCompile(`(?i)^/v1/models(?:/([^/:]+))?(?:/versions/(\d+)|/labels/([^/:]+))?(?:/(metadata))?$`)
)

// httpError carries a status code.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

// ServeHTTP routes /v1/models/... requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, code, err := s.route(w, r)
	if err != nil {
		code = http.StatusInternalServerError
		var he *httpError
		var re *requestError
		switch {
		case errors.As(err, &he):
			code = he.code
		case errors.As(err, &re):
			code = http.StatusBadRequest
		case errors.Is(err, ErrNotFound):
			code = http.StatusNotFound
		}
		body = errorBody(err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write(body)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	path := r.URL.Path
	if !strings.HasPrefix(strings.ToLower(path), "/v1/") {
		return nil, 0, &httpError{http.StatusNotFound, fmt.Sprintf("no such endpoint: %s (the API is under /v1/models/%s)", path, s.opts.ModelName)}
	}
	malformed := &httpError{http.StatusBadRequest, fmt.Sprintf("Malformed request: %s %s", r.Method, path)}
	var version *int64
	parseVersion := func(v string) error {
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return badRequest("Failed to convert version: %s to numeric.", v)
		}
		version = &n
		return nil
	}
	switch r.Method {
	case http.MethodPost:
		m := predictPath.FindStringSubmatch(path)
		if m == nil {
			return nil, 0, malformed
		}
		if m[3] != "" {
			return nil, 0, badRequest("version labels are not supported by tfnids serve; use /versions/<number>")
		}
		if err := parseVersion(m[2]); err != nil {
			return nil, 0, err
		}
		if !strings.EqualFold(m[4], "predict") {
			return nil, 0, &httpError{http.StatusNotImplemented, fmt.Sprintf("tfnids serve implements :predict only, not :%s", strings.ToLower(m[4]))}
		}
		if m[1] != s.opts.ModelName {
			return nil, 0, s.unknownModel(m[1], version)
		}
		return s.predict(w, r, version)
	case http.MethodGet:
		m := statusPath.FindStringSubmatch(path)
		if m == nil {
			return nil, 0, malformed
		}
		if m[1] == "" {
			return nil, 0, badRequest("Missing model name in request.")
		}
		if m[3] != "" {
			return nil, 0, badRequest("version labels are not supported by tfnids serve; use /versions/<number>")
		}
		if err := parseVersion(m[2]); err != nil {
			return nil, 0, err
		}
		if m[1] != s.opts.ModelName {
			if m[4] == "" {
				return nil, 0, &notFound{fmt.Sprintf("Could not find any versions of model %s", m[1])}
			}
			return nil, 0, s.unknownModel(m[1], version)
		}
		if m[4] != "" {
			return s.metadata(version)
		}
		return s.status(version)
	}
	return nil, 0, malformed
}

func (s *Server) unknownModel(name string, version *int64) error {
	if version != nil {
		return &notFound{fmt.Sprintf("Servable not found for request: Specific(%s, %d)", name, *version)}
	}
	return &notFound{fmt.Sprintf("Servable not found for request: Latest(%s)", name)}
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

func (s *Server) status(version *int64) ([]byte, int, error) {
	sts, err := s.models.Status(version)
	if err != nil {
		return nil, 0, err
	}
	out := struct {
		ModelVersionStatus []statusJSON `json:"model_version_status"`
	}{}
	for _, st := range sts {
		j := statusJSON{Version: strconv.FormatInt(st.Version, 10), State: st.State}
		j.Status.ErrorCode = "OK"
		if st.Err != nil {
			j.Status.ErrorCode, j.Status.ErrorMessage = "UNKNOWN", st.Err.Error()
		}
		out.ModelVersionStatus = append(out.ModelVersionStatus, j)
	}
	b, err := json.MarshalIndent(out, "", " ")
	return append(b, '\n'), http.StatusOK, err
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

func (s *Server) metadata(version *int64) ([]byte, int, error) {
	sv, err := s.models.acquire(version)
	if err != nil {
		return nil, 0, err
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
	}{ModelSpec: modelSpec{Name: s.opts.ModelName, Version: strconv.FormatInt(sv.version, 10)}}
	out.Metadata.SignatureDef.SignatureDef = SignatureDefJSON(sv.pred.MetaGraph.GetSignatureDef())
	b, err := json.MarshalIndent(out, "", " ")
	return append(b, '\n'), http.StatusOK, err
}

// --- predict --------------------------------------------------------------------

func (s *Server) predict(w http.ResponseWriter, r *http.Request, version *int64) ([]byte, int, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, 0, &httpError{http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body larger than %d bytes; send fewer instances per request", s.opts.MaxBodyBytes)}
		}
		return nil, 0, badRequest("reading the request body: %v", err)
	}
	sv, err := s.models.acquire(version)
	if err != nil {
		return nil, 0, err
	}
	defer sv.release()
	out, err := Predict(sv.pred, body)
	if err != nil {
		return nil, 0, err
	}
	return out, http.StatusOK, nil
}

// Predict answers a TF Serving :predict JSON body with p: it decodes the
// body against the named signature, checks dtypes and shapes, runs the
// signature and encodes the outputs. Client errors are reported as such
// (HTTP 400 in the server).
func Predict(p *tfgraph.Predictor, body []byte) ([]byte, error) {
	req, sig, err := parsePredict(body, func(name string) (*tfgraph.Signature, error) {
		key := name
		if key == "" {
			key = tfgraph.DefaultSignatureKey
		}
		if sig, ok := p.Signatures[key]; ok {
			return sig, nil
		}
		return nil, badRequest("Serving signature name: %q not found in signature def", key)
	})
	if err != nil {
		return nil, err
	}
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
	res, err := p.Run(sig.Key, feeds)
	if err != nil {
		return nil, err
	}
	defer res.Free()
	keys := make([]string, 0, len(res))
	for k := range res {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	outs := make([]*outputTensor, 0, len(keys))
	for _, k := range keys {
		o, err := newOutput(k, res[k])
		if err != nil {
			return nil, err
		}
		outs = append(outs, o)
	}
	return encodePredictions(outs, req.row)
}

// newTensor copies decoded values into a TensorFlow tensor.
func newTensor(td *tensorData) (*tf.Tensor, error) {
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

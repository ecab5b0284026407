package serving

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/tfgraph"
)

// halfPlusThree exports TensorFlow Serving's documentation model, y = 0.5x
// + 3 on a float32 vector, with a and b as variables, into dir.
func halfPlusThree(t *testing.T, dir string) {
	t.Helper()
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{})
	x := b.Placeholder("x", tf.Float, -1)
	p := b.NewPass("infer", false)
	s := p.Scope
	a := p.Var("model", "a", nil, tfgraph.Constant(0.5), true)
	c := p.Var("model", "b", nil, tfgraph.Constant(3), true)
	y := b.AddOp(tf.OpSpec{Type: "Identity", Name: "y",
		Input: []tf.Input{op.AddV2(s.SubScope("add"), op.Mul(s.SubScope("mul"), a, x), c)}})
	saver, err := b.NewSaver()
	if err != nil {
		t.Fatal(err)
	}
	sess, err := tfgraph.NewSession(b.Graph, tfgraph.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := b.Initialize(sess); err != nil {
		t.Fatal(err)
	}
	err = b.WriteSavedModel(dir, tfgraph.SavedModelSpec{
		Signatures:    map[string]tfgraph.SignatureSpec{"serving_default": {Inputs: map[string]tf.Output{"x": x}, Outputs: map[string]tf.Output{"y": y.Output(0)}}},
		SaveVariables: func(prefix string) error { return saver.Save(sess, prefix) },
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sensorModel exports a model with the documentation's two named inputs,
// "signal" [-1, 5] and "sensor" [-1, 2, 2] (its string input "tag" left
// out), and outputs their per-example sum and maximum. It has no variables.
func sensorModel(t *testing.T, dir string) {
	t.Helper()
	b := tfgraph.NewBuilder(tfgraph.BuilderOptions{})
	signal := b.Placeholder("signal", tf.Float, -1, 5)
	sensor := b.Placeholder("sensor", tf.Float, -1, 2, 2)
	s := b.Root.SubScope("m")
	sum := op.Sum(s.SubScope("sum"), signal, op.Const(s.SubScope("a1"), []int32{1}))
	mx := op.Max(s.SubScope("max"), sensor, op.Const(s.SubScope("a2"), []int32{1, 2}))
	err := b.WriteSavedModel(dir, tfgraph.SavedModelSpec{
		Signatures: map[string]tfgraph.SignatureSpec{"serving_default": {
			Inputs:  map[string]tf.Output{"signal": signal, "sensor": sensor},
			Outputs: map[string]tf.Output{"signal_sum": sum, "sensor_max": mx}}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func startServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Models().Close()
	})
	return srv, ts
}

func do(t *testing.T, ts *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, string(b)
}

var nonFinite = regexp.MustCompile(`-?\b(NaN|Infinity)\b`)

// decode parses a response, reading NaN and ±Infinity tokens as null.
func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(nonFinite.ReplaceAllString(body, "null")), v); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
}

func TestDocsHalfPlusThree(t *testing.T) {
	base := filepath.Join(t.TempDir(), "half_plus_three")
	halfPlusThree(t, filepath.Join(base, "123"))
	_, ts := startServer(t, Options{ModelName: "half_plus_three", BasePath: base})

	code, body := do(t, ts, "GET", "/v1/models/half_plus_three", "")
	want := `{
 "model_version_status": [
  {
   "version": "123",
   "state": "AVAILABLE",
   "status": {
    "error_code": "OK",
    "error_message": ""
   }
  }
 ]
}
`
	if code != 200 || body != want {
		t.Errorf("status: %d\n%s\nwant (api_rest.md):\n%s", code, body, want)
	}
	code, body = do(t, ts, "POST", "/v1/models/half_plus_three:predict", `{"instances": [1.0,2.0,5.0]}`)
	if code != 200 || strings.Join(strings.Fields(body), "") != `{"predictions":[3.5,4.0,5.5]}` {
		t.Errorf("predict: %d %s; want the docs' {\"predictions\": [3.5, 4.0, 5.5]}", code, body)
	}
	code, body = do(t, ts, "POST", "/v1/models/half_plus_three/versions/123:predict", `{"inputs": [1, 2, 5]}`)
	if code != 200 || strings.Join(strings.Fields(body), "") != `{"outputs":[3.5,4.0,5.5]}` {
		t.Errorf("columnar predict: %d %s", code, body)
	}
	code, body = do(t, ts, "POST", "/v1/models/half:predict", `{"instances": [1.0,5.0]}`)
	if code != 404 || strings.TrimSpace(body) != `{ "error": "Servable not found for request: Latest(half)" }` {
		t.Errorf("unknown model: %d %s; want the docs' 404", code, body)
	}
	code, body = do(t, ts, "GET", "/v1/models/half_plus_three/metadata", "")
	var md struct {
		ModelSpec struct{ Name, Version string } `json:"model_spec"`
		Metadata  struct {
			SignatureDef struct {
				SignatureDef map[string]struct {
					Inputs, Outputs map[string]struct {
						Dtype       string
						Name        string
						TensorShape struct {
							Dim []struct{ Size string }
						} `json:"tensor_shape"`
					}
					MethodName string `json:"method_name"`
				} `json:"signature_def"`
			} `json:"signature_def"`
		}
	}
	decode(t, body, &md)
	sd := md.Metadata.SignatureDef.SignatureDef["serving_default"]
	if code != 200 || md.ModelSpec.Name != "half_plus_three" || md.ModelSpec.Version != "123" ||
		sd.Inputs["x"].Dtype != "DT_FLOAT" || sd.Inputs["x"].Name != "x:0" || len(sd.Inputs["x"].TensorShape.Dim) != 1 ||
		sd.Inputs["x"].TensorShape.Dim[0].Size != "-1" || sd.Outputs["y"].Name != "y:0" || sd.MethodName != "tensorflow/serving/predict" {
		t.Errorf("metadata: %d %s", code, body)
	}
}

func TestDocsNamedInputs(t *testing.T) {
	base := filepath.Join(t.TempDir(), "sensors")
	sensorModel(t, filepath.Join(base, "1"))
	_, ts := startServer(t, Options{ModelName: "sensors", BasePath: base})
	cases := []struct {
		body string
		code int
		want string
	}{
		{`{"instances": [{"signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]}, {"signal": [3, 4, 1, 2, 5], "sensor": [[4, 5], [6, 8]]}]}`, 200, // 0
			`{"predictions":[{"sensor_max":4.0,"signal_sum":15.0},{"sensor_max":8.0,"signal_sum":15.0}]}`},
		{`{"inputs": {"signal": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]], "sensor": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]}}`, 200, // 1
			`{"outputs":{"sensor_max":[4.0,8.0],"signal_sum":[15.0,15.0]}}`},
		{`{"instances": [{"signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]}, [1, 2]]}`, 400, "Expecting object but got list at item 1"},  // 2
		{`{"inputs": {"signal": [[1, 2, 3, 4, 5]]}}`, 400, "Missing named input: sensor"},                                                     // 3
		{`{"inputs": [[1, 2, 3, 4, 5]]}`, 400, "inputs is a plain value/list, but expecting an object"},                                       // 4
		{`{"inputs": {"signal": [[1, 2, 3, 4]], "sensor": [[[1, 2], [3, 4]]]}}`, 400, `input \"signal\": expected shape (-1, 5), got (1, 4)`}, // 5
	}
	for i, c := range cases {
		code, body := do(t, ts, "POST", "/v1/models/sensors:predict", c.body)
		got := strings.Join(strings.Fields(body), "")
		if code != c.code || (c.code == 200 && got != c.want) || (c.code != 200 && !strings.Contains(body, c.want)) {
			t.Errorf("%d: %d %s; want %d %s", i, code, body, c.code, c.want)
		}
	}
}

// idsServer serves the cnn fixture as version 1 of "ids".
func idsServer(t *testing.T, opts Options) (*fixture, *Server, *httptest.Server) {
	t.Helper()
	fx := newFixture(t, "cnn", false)
	base := filepath.Join(t.TempDir(), "ids")
	if err := Export(ExportOptions{Card: fx.card, Checkpoint: fx.ckpt, Dir: filepath.Join(base, "1")}); err != nil {
		t.Fatal(err)
	}
	opts.ModelName, opts.BasePath = "ids", base
	srv, ts := startServer(t, opts)
	return fx, srv, ts
}

func rowsJSON(x []float32, rows, f int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('[')
		for j := 0; j < f; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			// Decimals, as Python's json writes floats: TF Serving rejects
			// integer tokens above 2^24 for float inputs.
			b.WriteString(strconvFloat(x[i*f+j]))
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String()
}

func strconvFloat(v float32) string {
	s := string(appendFloat(nil, float64(v), 32))
	return s
}

type rowPrediction struct {
	Classes       int64      `json:"classes"`
	Probabilities []*float64 `json:"probabilities"`
}

func TestPredictIDSModel(t *testing.T) {
	fx, _, ts := idsServer(t, Options{})
	want := fx.want()
	n, f := fx.rows, 6
	rows := rowsJSON(fx.inputs, n, f)
	check := func(name string, probs [][]*float64, classes []int64) {
		t.Helper()
		if len(probs) != n {
			t.Fatalf("%s: %d predictions, want %d", name, len(probs), n)
		}
		worst := 0.0
		for i := range probs {
			for j, p := range probs[i] {
				worst = math.Max(worst, math.Abs(*p-float64(want[i*3+j])))
			}
		}
		if worst > 1e-6 {
			t.Errorf("%s: probabilities differ from in-process ones by %g", name, worst)
		}
		_ = classes
	}

	code, body := do(t, ts, "POST", "/v1/models/ids:predict", `{"instances": `+rows+`}`)
	var row struct{ Predictions []rowPrediction }
	decode(t, body, &row)
	if code != 200 {
		t.Fatalf("row predict: %d %s", code, body)
	}
	var probs [][]*float64
	var classes []int64
	for _, p := range row.Predictions {
		probs, classes = append(probs, p.Probabilities), append(classes, p.Classes)
	}
	check("instances", probs, classes)

	for i, body := range []string{`{"inputs": {"x": ` + rows + `}}`, `{"inputs": ` + rows + `, "signature_name": "serving_default"}`} {
		code, resp := do(t, ts, "POST", "/v1/models/ids/versions/1:predict", body)
		var col struct {
			Outputs struct {
				Classes       []int64
				Probabilities [][]*float64
			}
		}
		decode(t, resp, &col)
		if code != 200 {
			t.Fatalf("columnar %d: %d %s", i, code, resp)
		}
		check(fmt.Sprintf("inputs %d", i), col.Outputs.Probabilities, col.Outputs.Classes)
	}

	// Objects per instance, and NaN / Infinity tokens (TF Serving accepts
	// them): a row with a non-finite feature gets NaN probabilities and
	// class -1.
	code, body = do(t, ts, "POST", "/v1/models/ids:predict",
		`{"instances": [{"x": [NaN, 1, 2, 3, 0, 1]}, {"x": [1, -Infinity, 2, 3, 1, 1]}, {"x": [1.5e6, 10, 2.5e4, 100.25, 1, 8192]}]}`)
	row.Predictions = nil
	decode(t, body, &row)
	if code != 200 || len(row.Predictions) != 3 || row.Predictions[0].Classes != -1 || row.Predictions[1].Classes != -1 ||
		row.Predictions[2].Classes < 0 || row.Predictions[0].Probabilities[0] != nil || !strings.Contains(body, "NaN") {
		t.Errorf("NaN/Infinity request: %d %s", code, body)
	}

	errs := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/v1/models/ids:predict", `{"instances": [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]}`, 400, `input \"x\": expected shape (-1, 6), got (2, 5)`},              // 0
		{"POST", "/v1/models/ids:predict", `{"instances": [["1", 2, 3, 4, 5, 6]]}`, 400, `is not of expected type: float`},                                           // 1
		{"POST", "/v1/models/ids:predict", `{"instances": [[120000000, 2, 3, 4, 5, 6]]}`, 400, `to float without loss of precision`},                                 // 2
		{"POST", "/v1/models/ids:predict", `{"instances": [[1, 2, 3, 4, 5, 6]`, 400, `JSON Parse error`},                                                             // 3
		{"POST", "/v1/models/ids:predict", ``, 400, `The document is empty`},                                                                                         // 4
		{"POST", "/v1/models/other:predict", `{"instances": [[1, 2, 3, 4, 5, 6]]}`, 404, `Servable not found for request: Latest(other)`},                            // 5
		{"POST", "/v1/models/ids/versions/7:predict", `{"instances": [[1, 2, 3, 4, 5, 6]]}`, 404, `Servable not found for request: Specific(ids, 7)`},                // 6
		{"GET", "/v1/models/ids/versions/7", ``, 404, `Could not find version 7 of model ids`},                                                                       // 7
		{"GET", "/v1/models/other", ``, 404, `Could not find any versions of model other`},                                                                           // 8
		{"GET", "/v1/models/other/metadata", ``, 404, `Servable not found for request: Latest(other)`},                                                               // 9
		{"GET", "/v1/models/ids:predict", ``, 400, `Malformed request: GET /v1/models/ids:predict`},                                                                  // 10
		{"POST", "/v1/models/ids:classify", `{"examples": []}`, 501, `implements :predict only`},                                                                     // 11
		{"DELETE", "/v1/models/ids", ``, 400, `Malformed request`},                                                                                                   // 12
		{"GET", "/healthz", ``, 404, `no such endpoint`},                                                                                                             // 13
		{"POST", "/v1/models/ids:predict", `{"instances": [[1, 2, 3, 4, 5, 6]], "signature_name": "predict"}`, 400, `Serving signature name: \"predict\" not found`}, // 14
		{"POST", "/v1/models/ids:predict", `{"instances": [[[1, 2, 3, 4, 5, 6]]]}`, 400, `expected shape (-1, 6), got (1, 1, 6)`},                                    // 15
		{"GET", "/v1/models/ids/labels/stable", ``, 400, `Unrecognized servable version label: stable`},                                                              // 16
	}
	for i, e := range errs {
		code, body := do(t, ts, e.method, e.path, e.body)
		if code != e.code || !strings.Contains(body, e.want) || !strings.HasPrefix(body, `{ "error": "`) {
			t.Errorf("%d: %s %s: %d %s; want %d and %q", i, e.method, e.path, code, body, e.code, e.want)
		}
	}

	// 120000000.0 (a decimal) is fine where the integer token is not.
	if code, body := do(t, ts, "POST", "/v1/models/ids:predict", `{"instances": [[120000000.0, 2, 3, 4, 5, 6]]}`); code != 200 {
		t.Errorf("decimal 120000000.0: %d %s", code, body)
	}
}

func TestBodyLimit(t *testing.T) {
	_, _, ts := idsServer(t, Options{MaxBodyBytes: 1000})
	big := `{"instances": [` + strings.Repeat(`[1, 2, 3, 4, 5, 6], `, 100) + `[1, 2, 3, 4, 5, 6]]}`
	code, body := do(t, ts, "POST", "/v1/models/ids:predict", big)
	if code != 413 || !strings.Contains(body, "larger than 1000 bytes") {
		t.Errorf("oversized body: %d %s", code, body)
	}
	if code, body := do(t, ts, "POST", "/v1/models/ids:predict", `{"instances": [[1, 2, 3, 4, 5, 6]]}`); code != 200 {
		t.Errorf("small body after a rejected one: %d %s", code, body)
	}
}

// TestConcurrentRequests runs 32 clients at once on one session; every
// answer must be the one a lone request gets.
func TestConcurrentRequests(t *testing.T) {
	fx, _, ts := idsServer(t, Options{})
	bodies := make([]string, fx.rows)
	wants := make([]string, fx.rows)
	for i := range bodies {
		bodies[i] = `{"instances": ` + rowsJSON(fx.inputs[i*6:(i+1)*6], 1, 6) + `}`
		_, wants[i] = do(t, ts, "POST", "/v1/models/ids:predict", bodies[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 32*20)
	for c := 0; c < 32; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				i := (c*7 + k) % len(bodies)
				resp, err := ts.Client().Post(ts.URL+"/v1/models/ids:predict", "application/json", strings.NewReader(bodies[i]))
				if err != nil {
					errs <- err.Error()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(b) != wants[i] {
					errs <- fmt.Sprintf("client %d request %d: %d %s", c, k, resp.StatusCode, b)
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestNewVersionsArePickedUp: a new export is served after the next poll,
// the old version is unloaded (status END), a broken version is reported and
// skipped, and requests running across the swaps all succeed.
func TestNewVersionsArePickedUp(t *testing.T) {
	fx, srv, ts := idsServer(t, Options{})
	base := srv.Models().Base
	fx2 := newFixtureSeed(t, "cnn", false, 99)
	body := `{"instances": ` + rowsJSON(fx.inputs[:12], 2, 6) + `}`
	_, v1 := do(t, ts, "POST", "/v1/models/ids:predict", body)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	failures := make(chan string, 1000)
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := ts.Client().Post(ts.URL+"/v1/models/ids:predict", "application/json", strings.NewReader(body))
				if err != nil {
					failures <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failures <- fmt.Sprintf("%d %s", resp.StatusCode, b)
				}
			}
		}()
	}

	if err := Export(ExportOptions{Card: fx2.card, Checkpoint: fx2.ckpt, Dir: filepath.Join(base, "2")}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Models().Poll(); err != nil {
		t.Fatal(err)
	}
	if got := srv.Models().Current(); got != 2 {
		t.Fatalf("serving version %d after exporting 2", got)
	}
	// A version directory that is not a SavedModel: reported, skipped.
	if err := os.MkdirAll(filepath.Join(base, "3"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(base, "3", "saved_model.pb"), []byte("not a protobuf"), 0o644)
	if err := srv.Models().Poll(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Errorf("request during a version swap failed: %s", f)
	}

	code, st := do(t, ts, "GET", "/v1/models/ids", "")
	var status struct {
		ModelVersionStatus []struct {
			Version, State string
			Status         struct {
				ErrorCode    string `json:"error_code"`
				ErrorMessage string `json:"error_message"`
			}
		} `json:"model_version_status"`
	}
	decode(t, st, &status)
	got := ""
	for _, s := range status.ModelVersionStatus {
		got += fmt.Sprintf("%s:%s:%s ", s.Version, s.State, s.Status.ErrorCode)
	}
	if code != 200 || got != "1:END:OK 2:AVAILABLE:OK 3:END:UNKNOWN " || !strings.Contains(st, "saved_model.pb") {
		t.Errorf("status after swaps: %d %s", code, st)
	}
	_, v2 := do(t, ts, "POST", "/v1/models/ids:predict", body)
	if v1 == v2 {
		t.Error("version 2 answers like version 1")
	}
	if code, _ := do(t, ts, "POST", "/v1/models/ids/versions/1:predict", body); code != 404 {
		t.Errorf("unloaded version 1 answered %d", code)
	}
	if code, body := do(t, ts, "GET", "/v1/models/ids/versions/2/metadata", ""); code != 200 || !strings.Contains(body, `"version": "2"`) {
		t.Errorf("metadata of version 2: %d %s", code, body)
	}
}

// TestServeWatchesAndShutsDown runs Serve on a real loopback listener: a
// version exported while it runs is picked up by the poller, and cancelling
// the context stops it gracefully.
func TestServeWatchesAndShutsDown(t *testing.T) {
	base := filepath.Join(t.TempDir(), "half")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	var logMu sync.Mutex
	var logs []string
	srv, err := NewServer(Options{ModelName: "half", BasePath: base, PollInterval: 50 * time.Millisecond,
		Logf: func(f string, a ...any) { logMu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); logMu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	get := func(path string) (int, string) {
		resp, err := http.Get(url + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/v1/models/half"); code != 404 || !strings.Contains(body, "Could not find any versions of model half") {
		t.Errorf("before any version: %d %s", code, body)
	}
	halfPlusThree(t, filepath.Join(base, "1"))
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := get("/v1/models/half/versions/1")
		if code == 200 && strings.Contains(body, "AVAILABLE") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("version 1 not picked up: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Post(url+"/v1/models/half:predict", "application/json", strings.NewReader(`{"instances": [2.0]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "4.0") {
		t.Errorf("predict: %s", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v after cancel", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := http.Get(url + "/v1/models/half"); err == nil {
		t.Error("server still answers after shutdown")
	}
	logMu.Lock()
	defer logMu.Unlock()
	if len(logs) == 0 || !strings.Contains(strings.Join(logs, "\n"), "version 1 loaded") {
		t.Errorf("logs: %q", logs)
	}
}

func TestNewServerRejectsBadSetup(t *testing.T) {
	if _, err := NewServer(Options{ModelName: "m", BasePath: filepath.Join(t.TempDir(), "missing")}); err == nil ||
		!strings.Contains(err.Error(), "model base path") {
		t.Errorf("missing base path: %v", err)
	}
	if _, err := NewServer(Options{ModelName: "a/b", BasePath: t.TempDir()}); err == nil {
		t.Error("model name with a slash accepted")
	}
	version := filepath.Join(t.TempDir(), "half", "1")
	halfPlusThree(t, version)
	if _, err := NewServer(Options{ModelName: "half", BasePath: version}); err == nil || !strings.Contains(err.Error(), "give its parent") {
		t.Errorf("a version directory as base path: %v", err)
	}
}

// The card travels with the export, so the server knows the class names.
func TestServableCarriesCard(t *testing.T) {
	fx, srv, _ := idsServer(t, Options{})
	sv, err := srv.Models().acquire(VersionSpec{})
	if err != nil {
		t.Fatal(err)
	}
	defer sv.release()
	if sv.card == nil || strings.Join(sv.card.Schema.ClassNames, ",") != strings.Join(fx.card.Schema.ClassNames, ",") {
		t.Errorf("card %+v", sv.card)
	}
	_ = modelcard.AssetName
}

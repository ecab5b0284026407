package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tfnids/tfnids/internal/clitest"
	"github.com/tfnids/tfnids/internal/pyenv"
)

// serveChild is a `tfnids serve` child process on two loopback ports.
type serveChild struct {
	c        *clitest.Child
	t        *testing.T
	restURL  string
	grpcAddr string
	stopped  bool
}

// startServe starts `tfnids serve args... --port P --rest_api_port P+1` on
// random high ports, trying new ones when either is in use (the server
// binds both before it loads anything, so a busy port fails at once; port 0
// cannot be used: TensorFlow Serving's flags read it as "off").
func startServe(t *testing.T, args ...string) *serveChild {
	t.Helper()
	for attempt := 0; attempt < 20; attempt++ {
		g := 20000 + rand.IntN(40000)
		full := append([]string{"serve", "--port", strconv.Itoa(g), "--rest_api_port", strconv.Itoa(g + 1)}, args...)
		c := clitest.Start(t, "", full...)
		deadline := time.Now().Add(120 * time.Second)
		for !strings.Contains(c.Output(), "gRPC API at") {
			select {
			case <-c.Done():
				if strings.Contains(c.Output(), "address already in use") {
					goto retry
				}
				t.Fatalf("serve exited (%d):\n%s", c.Code(), c.Output())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve did not start:\n%s", c.Output())
			}
			time.Sleep(50 * time.Millisecond)
		}
		{
			s := &serveChild{c: c, t: t, restURL: fmt.Sprintf("http://127.0.0.1:%d", g+1), grpcAddr: fmt.Sprintf("127.0.0.1:%d", g)}
			t.Cleanup(s.stop)
			return s
		}
	retry:
	}
	t.Fatal("no free port pair found in 20 tries")
	return nil
}

// stop sends SIGTERM and expects a clean exit.
func (s *serveChild) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	if err := s.c.Signal(syscall.SIGTERM); err != nil {
		return // already gone
	}
	if code := s.c.Wait(s.t, 30*time.Second); code != 0 {
		s.t.Errorf("serve exited %d after SIGTERM:\n%s", code, s.c.Output())
	}
}

// output is what the server logged so far.
func (s *serveChild) output() string { return s.c.Output() }

func (c *serveChild) get(path string) (int, string) {
	resp, err := http.Get(c.restURL + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *serveChild) post(path, body string) (int, string) {
	resp, err := http.Post(c.restURL+path, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *serveChild) waitFor(what string, ok func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out waiting for %s:\n%s", what, c.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rowJSON renders a row of raw features as a JSON list of decimals.
func rowJSON(f *trainedFold, i int) (string, []float64) {
	row := make([]string, f.frame.Features)
	vals := make([]float64, f.frame.Features)
	for j, v := range f.frame.Row(i) {
		vals[j] = float64(v)
		row[j] = strconv.FormatFloat(float64(v), 'g', -1, 32)
		if !strings.ContainsAny(row[j], ".eEIN") {
			row[j] += ".0"
		}
	}
	return "[" + strings.Join(row, ", ") + "]", vals
}

const modelConfigTmpl = `# two models, a version policy and labels, as TensorFlow Serving reads them
model_config_list {
  config {
    name: "ids"
    base_path: "%s"
    model_platform: "tensorflow"
    model_version_policy { specific { versions: 1 versions: 2 } }
    version_labels { key: "stable" value: 1 }
    version_labels { key: "canary" value: 2 }
  }
  config {
    name: "other"
    base_path: "%s"
    model_platform: "tensorflow"
  }
  config {
    name: "empty"
    base_path: "%s"
    model_platform: "tensorflow"
    model_version_policy { latest { num_versions: 1 } }
  }
}
`

// TestServeGRPCWithTFServingClient drives `tfnids serve` with TensorFlow
// Serving's own Python client (tensorflow-serving-api's generated stubs and
// grpcio) on two models from a model config file with version labels, and
// with REST requests as TensorFlow Serving's documentation writes them.
func TestServeGRPCWithTFServingClient(t *testing.T) {
	py := pyenv.Require(t, "tensorflow_serving", "grpc")
	f := fold(t, "cnn")
	root := t.TempDir()
	ids, other, empty := filepath.Join(root, "ids"), filepath.Join(root, "other"), filepath.Join(root, "empty")
	for _, dir := range []string{filepath.Join(ids, "1"), filepath.Join(ids, "2"), filepath.Join(other, "3")} {
		if code, out, errOut := runCLI(t, "export", "--weights", f.dir, "--out", dir); code != 0 {
			t.Fatalf("export %s: %d %s %s", dir, code, out, errOut)
		}
	}
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "models.config")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(modelConfigTmpl, ids, other, empty)), 0o644); err != nil {
		t.Fatal(err)
	}
	mon := filepath.Join(root, "monitoring.config")
	if err := os.WriteFile(mon, []byte("prometheus_config {\n  enable: true,\n  path: \"/monitoring/prometheus/metrics\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, "--model_config_file", cfg, "--model_config_file_poll_wait_seconds", "1",
		"--monitoring_config_file", mon, "--poll", "100ms", "--threads", "1")

	row, vals := rowJSON(f, 0)
	var got struct {
		StatusIDs []struct {
			Version      int64
			State        string
			ErrorCode    int `json:"error_code"`
			ErrorMessage string
		} `json:"status_ids"`
		StatusOther    json.RawMessage `json:"status_other"`
		StatusEmpty    json.RawMessage `json:"status_empty"`
		StatusV9       json.RawMessage `json:"status_v9"`
		MetadataStable struct {
			Version int64
			Method  string
			Inputs  map[string][]any
			Outputs []string
		} `json:"metadata_stable"`
		PredictLatest       predictResult `json:"predict_latest"`
		PredictV1           predictResult `json:"predict_v1"`
		PredictCanary       predictResult `json:"predict_canary"`
		PredictOther        predictResult `json:"predict_other"`
		PredictTwoRows      predictResult `json:"predict_two_rows"`
		PredictEmpty        rpcErr        `json:"predict_empty"`
		PredictUnknownModel rpcErr        `json:"predict_unknown_model"`
		PredictUnknownLabel rpcErr        `json:"predict_unknown_label"`
		PredictV9           rpcErr        `json:"predict_v9"`
		PredictWrongDtype   rpcErr        `json:"predict_wrong_dtype"`
		PredictWrongShape   rpcErr        `json:"predict_wrong_shape"`
		PredictShortValues  rpcErr        `json:"predict_short_values"`
		Classify            rpcErr        `json:"classify"`
	}
	pyenv.RunJSON(t, py, filepath.Join("testdata", "grpc_client.py"),
		map[string]any{"grpc": srv.grpcAddr, "row": vals}, &got)

	if len(got.StatusIDs) != 2 || got.StatusIDs[0].Version != 1 || got.StatusIDs[1].Version != 2 ||
		got.StatusIDs[0].State != "AVAILABLE" || got.StatusIDs[1].State != "AVAILABLE" {
		t.Errorf("GetModelStatus(ids): %+v; want versions 1 and 2 AVAILABLE (specific policy)", got.StatusIDs)
	}
	if !strings.Contains(string(got.StatusOther), `"AVAILABLE"`) || !strings.Contains(string(got.StatusOther), `"version": 3`) {
		t.Errorf("GetModelStatus(other): %s", got.StatusOther)
	}
	if !strings.Contains(string(got.StatusEmpty), `"NOT_FOUND"`) || !strings.Contains(string(got.StatusEmpty), "Could not find any versions of model empty") {
		t.Errorf("GetModelStatus(empty): %s; want NOT_FOUND as TF Serving answers for a base path without versions", got.StatusEmpty)
	}
	if !strings.Contains(string(got.StatusV9), "Could not find version 9 of model ids") {
		t.Errorf("GetModelStatus(ids, 9): %s", got.StatusV9)
	}
	md := got.MetadataStable
	if md.Version != 1 || md.Method != "tensorflow/serving/predict" || fmt.Sprint(md.Inputs["x"]) != fmt.Sprintf("[DT_FLOAT [-1 %d]]", f.frame.Features) ||
		fmt.Sprint(md.Outputs) != "[classes probabilities]" {
		t.Errorf("GetModelMetadata(ids, label stable): %+v", md)
	}
	want := int64(f.classes[0])
	for name, p := range map[string]predictResult{"latest": got.PredictLatest, "v1": got.PredictV1, "canary": got.PredictCanary, "other": got.PredictOther} {
		if p.Code != "" || len(p.Classes) != 1 || p.Classes[0] != want || len(p.Probabilities) != len(f.card.Schema.ClassNames) {
			t.Errorf("Predict %s: %+v; want class %d", name, p, want)
		}
	}
	if got.PredictLatest.Version != 2 || got.PredictV1.Version != 1 || got.PredictCanary.Version != 2 || got.PredictOther.Version != 3 {
		t.Errorf("Predict answered versions latest %d, v1 %d, canary %d, other %d; want 2, 1, 2, 3",
			got.PredictLatest.Version, got.PredictV1.Version, got.PredictCanary.Version, got.PredictOther.Version)
	}
	if p := got.PredictTwoRows; len(p.Classes) != 2 || fmt.Sprint(p.ProbShape) != fmt.Sprintf("[2 %d]", len(f.card.Schema.ClassNames)) {
		t.Errorf("Predict two rows: %+v", p)
	}
	for _, c := range []struct {
		name string
		got  rpcErr
		code string
		msg  string
	}{
		{"empty", got.PredictEmpty, "NOT_FOUND", "Servable not found for request: Latest(empty)"},
		{"unknown model", got.PredictUnknownModel, "NOT_FOUND", "Servable not found for request: Latest(nope)"},
		{"unknown label", got.PredictUnknownLabel, "INVALID_ARGUMENT", "Unrecognized servable version label: nope"},
		{"version 9", got.PredictV9, "NOT_FOUND", "Servable not found for request: Specific(ids, 9)"},
		{"wrong dtype", got.PredictWrongDtype, "INVALID_ARGUMENT", `input "x": expected dtype float32, got float64`},
		{"wrong shape", got.PredictWrongShape, "INVALID_ARGUMENT", fmt.Sprintf(`input "x": expected shape (-1, %d), got (1, %d)`, f.frame.Features, f.frame.Features+1)},
		{"short values", got.PredictShortValues, "INVALID_ARGUMENT", `input "x": expected shape`},
		{"classify", got.Classify, "UNIMPLEMENTED", "Classify is not implemented"},
	} {
		if c.got.Code != c.code || !strings.Contains(c.got.Message, c.msg) {
			t.Errorf("%s: %s %q; want %s %q", c.name, c.got.Code, c.got.Message, c.code, c.msg)
		}
	}

	// REST, as TensorFlow Serving's documentation writes the requests.
	if code, body := srv.get("/v1/models/ids/labels/stable"); code != 200 || !strings.Contains(body, `"version": "1"`) || !strings.Contains(body, `"AVAILABLE"`) {
		t.Errorf("GET /v1/models/ids/labels/stable: %d %s", code, body)
	}
	if code, body := srv.get("/v1/models/ids/versions/2/metadata"); code != 200 || !strings.Contains(body, `"signature_def"`) {
		t.Errorf("GET metadata: %d %s", code, body)
	}
	for _, path := range []string{"/v1/models/ids:predict", "/v1/models/ids/versions/1:predict", "/v1/models/ids/labels/canary:predict", "/v1/models/other:predict"} {
		code, body := srv.post(path, `{"signature_name": "serving_default", "instances": [`+row+`]}`)
		if code != 200 || !strings.Contains(body, fmt.Sprintf(`"classes": %d`, want)) {
			t.Errorf("POST %s: %d %s", path, code, body)
		}
	}
	if code, body := srv.post("/v1/models/ids/labels/nope:predict", `{"instances": [`+row+`]}`); code != 400 || !strings.Contains(body, "Unrecognized servable version label: nope") {
		t.Errorf("POST unknown label: %d %s", code, body)
	}
	if code, body := srv.get("/v1/models/empty"); code != 404 || !strings.Contains(body, "Could not find any versions of model empty") {
		t.Errorf("GET empty model: %d %s", code, body)
	}
	// Metrics, under TensorFlow Serving's names.
	code, metrics := srv.get("/monitoring/prometheus/metrics")
	for _, w := range []string{
		`:tensorflow:serving:request_count{model_name="ids",status="OK"}`,
		`:tensorflow:serving:request_count{model_name="ids",status="INVALID_ARGUMENT"}`,
		`:tensorflow:serving:request_latency_bucket{API="Predict",entrypoint="GRPC",model_name="ids"`,
		`:tensorflow:serving:request_latency_bucket{API="predict",entrypoint="REST",model_name="other"`,
		`:tensorflow:cc:saved_model:load_attempt_count{model_path="ids/2",status="success"} 1`,
	} {
		if code != 200 || !strings.Contains(metrics, w) {
			t.Errorf("metrics lack %s (%d):\n%.3000s", w, code, metrics)
		}
	}
	if strings.Contains(metrics, root) {
		t.Errorf("metrics reveal the server path %s", root)
	}

	// A version appearing under the empty base path is served.
	if code, out, errOut := runCLI(t, "export", "--weights", f.dir, "--out", filepath.Join(empty, "1")); code != 0 {
		t.Fatalf("export: %d %s %s", code, out, errOut)
	}
	srv.waitFor("empty/1", func() bool {
		code, body := srv.get("/v1/models/empty")
		return code == 200 && strings.Contains(body, "AVAILABLE")
	})

	// The config file is re-read: "other" goes, "stable" moves to version 2.
	edited := strings.Replace(fmt.Sprintf(modelConfigTmpl, ids, other, empty), `key: "stable" value: 1`, `key: "stable" value: 2`, 1)
	edited = edited[:strings.Index(edited, "  config {\n    name: \"other\"")] + edited[strings.Index(edited, "  config {\n    name: \"empty\""):]
	if err := os.WriteFile(cfg, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	srv.waitFor("the config reload", func() bool {
		code, _ := srv.get("/v1/models/other")
		code2, body := srv.get("/v1/models/ids/labels/stable")
		return code == 404 && code2 == 200 && strings.Contains(body, `"version": "2"`)
	})
	srv.stop()
	log := srv.output()
	for _, w := range []string{"model ids version 1 loaded", "model other removed", "reloaded", "stopped"} {
		if !strings.Contains(log, w) {
			t.Errorf("serve log lacks %q:\n%s", w, log)
		}
	}
}

type predictResult struct {
	Version       int64
	Signature     string
	Classes       []int64
	Probabilities []float64
	ProbShape     []int64 `json:"prob_shape"`
	Code, Message string
}

type rpcErr struct{ Code, Message string }

// TestServeConfigErrors: a malformed model config names its line and
// field; a label at a version that is not loaded fails as TF Serving fails
// it; a busy port fails before anything loads.
func TestServeConfigErrors(t *testing.T) {
	root := t.TempDir()
	base := filepath.Join(root, "ids")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, text string
		want       []string
	}{
		{"unknown-field.config", "model_config_list {\n  config {\n    name: \"ids\"\n    base_pth: \"" + base + "\"\n  }\n}\n",
			[]string{"unknown-field.config:4:", "base_pth"}},
		{"bad-value.config", "model_config_list {\n  config {\n    name: \"ids\"\n    base_path: \"" + base + "\"\n    model_version_policy { latest { num_versions: many } }\n  }\n}\n",
			[]string{"bad-value.config:5:", "num_versions"}},
		{"no-base.config", "model_config_list {\n  config {\n    name: \"ids\"\n  }\n  config {\n    name: \"b\"\n    base_path: \"" + base + "\"\n  }\n}\n",
			[]string{"no-base.config:2", "model_config_list.config[0].base_path", `model "ids" has no base_path`}},
		{"twice.config", "model_config_list {\n  config {\n    name: \"ids\"\n    base_path: \"" + base + "\"\n  }\n  config {\n    name: \"ids\"\n    base_path: \"" + base + "\"\n  }\n}\n",
			[]string{"twice.config:7", "config[1].name", "configured twice"}},
		{"label.config", "model_config_list {\n  config {\n    name: \"ids\"\n    base_path: \"" + base + "\"\n    version_labels { key: \"stable\" value: 9 }\n  }\n}\n",
			[]string{"Request to assign label to version 9 of model ids, which is not currently available for inference"}},
	}
	for _, c := range cases[:4] {
		p := write(c.name, c.text)
		code, _, errOut := runCLI(t, "serve", "--model_config_file", p)
		for _, w := range c.want {
			if code != exitUsage || !strings.Contains(errOut, w) {
				t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", c.name, code, errOut, exitUsage, w)
			}
		}
	}
	// The label check needs the models loaded, so the ports are bound
	// first: a random REST port, another on "address already in use".
	label := write(cases[4].name, cases[4].text)
	for attempt := 0; ; attempt++ {
		port := strconv.Itoa(20000 + rand.IntN(40000))
		code, _, errOut := runCLI(t, "serve", "--model_config_file", label, "--port", "0", "--rest_api_port", port)
		if strings.Contains(errOut, "address already in use") && attempt < 20 {
			continue
		}
		if code != exitUsage || !strings.Contains(errOut, cases[4].want[0]) {
			t.Errorf("label at an unloaded version: exit %d, stderr %q; want %q", code, errOut, cases[4].want[0])
		}
		break
	}
	// A busy port fails at once, before any model is loaded.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	ok := write("ok.config", "model_config_list {\n  config {\n    name: \"ids\"\n    base_path: \""+base+"\"\n  }\n}\n")
	code, _, errOut := runCLI(t, "serve", "--model_config_file", ok, "--port", "0", "--rest_api_port", strconv.Itoa(busy.Addr().(*net.TCPAddr).Port))
	if code != exitUsage || !strings.Contains(errOut, "--rest_api_port") || !strings.Contains(errOut, "address already in use") || strings.Contains(errOut, "waiting") {
		t.Errorf("busy port: exit %d, stderr %q", code, errOut)
	}
}

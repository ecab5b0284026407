package serving

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
)

func TestParseModelConfig(t *testing.T) {
	text := `model_config_list {
  config {
    name: "a"
    base_path: "/m/a"
    model_platform: "tensorflow"
    model_version_policy { latest { num_versions: 2 } }
  }
  config {
    name: "b"
    base_path: "/m/b"
    model_version_policy { all {} }
  }
  config {
    name: "c"
    base_path: "/m/c"
    model_version_policy { specific { versions: 3 versions: 5 } }
    version_labels { key: "stable" value: 3 }
  }
}
`
	cfgs, err := ParseModelConfig("m.config", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(cfgs)
	want := "[{a /m/a latest 2 map[]} {b /m/b all map[]} {c /m/c specific [3 5] map[stable:3]}]"
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	bad := []struct{ text, want string }{
		{"model_config_list { config { name: \"a\" base_path: \"/x\" model_platform: \"pytorch\" } }", `m.config:1: field model_config_list.config[0].model_platform: model "a": platform "pytorch" is not supported`},
		{"model_config_list {\n config {\n name: \"a\"\n base_path: \"/x\"\n model_version_policy { specific { } }\n }\n}", "m.config:5: field model_config_list.config[0].specific"},
		{"model_config_list {\n config {\n name: \"a/b\"\n base_path: \"/x\"\n }\n}", `m.config:3: field model_config_list.config[0].name: want a non-empty model name`},
		{"model_config_list {\n config {\n name: \"a\"\n base_path: \"/x\"\n version_labels { key: \"s\" value: -1 }\n }\n}", `label "s" points at negative version -1`},
		{"model_config_list {\n config {\n nam: \"a\"\n }\n}", "m.config:3:2: field nam: unknown field: nam"},
		{"", "no model config { ... } entries"},
		{"model_config_list {\n config {\n name: \"a\"\n", "m.config: unexpected end of file"},
	}
	for i, c := range bad {
		_, err := ParseModelConfig("m.config", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d: %v; want %q", i, err, c.want)
		}
	}
}

func TestReadMonitoringAndBatchingFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m, err := ReadMonitoringConfig(write("mon", "prometheus_config {\n  enable: true,\n}\n"))
	if err != nil || m.PrometheusPath != DefaultPrometheusPath {
		t.Errorf("monitoring: %+v %v", m, err)
	}
	if m, err := ReadMonitoringConfig(write("off", "prometheus_config { enable: false }")); err != nil || m.PrometheusPath != "" {
		t.Errorf("monitoring off: %+v %v", m, err)
	}
	if _, err := ReadMonitoringConfig(write("badpath", "prometheus_config { enable: true path: \"/v1/models\" }")); err == nil || !strings.Contains(err.Error(), "prometheus_config.path") {
		t.Errorf("bad path: %v", err)
	}
	b, err := ReadBatchingParameters(write("b", "max_batch_size { value: 8 }\nbatch_timeout_micros { value: 500 }\nallowed_batch_sizes: 4\nallowed_batch_sizes: 8\n"), DefaultBatchingOptions(2))
	if err != nil || b.MaxBatchSize != 8 || b.BatchTimeout != 500*time.Microsecond || b.NumBatchThreads != 2 || b.MaxEnqueuedBatches != 10 || fmt.Sprint(b.AllowedBatchSizes) != "[4 8]" {
		t.Errorf("batching: %+v %v", b, err)
	}
	for _, c := range []struct{ text, want string }{
		{"max_batch_size { value: 0 }", "b2:1: field max_batch_size: must be >= 1"},
		{"max_batch_size { value: 8 }\nallowed_batch_sizes: 4", "the last entry (4) must equal max_batch_size (8)"},
		{"max_batch_size: 8", "b2:1:"},
	} {
		if _, err := ReadBatchingParameters(write("b2", c.text), DefaultBatchingOptions(2)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want %q", c.text, err, c.want)
		}
	}
}

// TestVersionPolicies: latest N, all and specific choose the versions a
// model serves; labels only point at available versions.
func TestVersionPolicies(t *testing.T) {
	base := filepath.Join(t.TempDir(), "half")
	for _, v := range []string{"1", "2", "3"} {
		halfPlusThree(t, filepath.Join(base, v))
	}
	cases := []struct {
		policy Policy
		want   string
	}{
		{Policy{}, "[3]"},
		{Policy{Latest: 2}, "[2 3]"},
		{Policy{All: true}, "[1 2 3]"},
		{Policy{Specific: []int64{1, 3, 7}}, "[1 3]"},
	}
	for _, c := range cases {
		srv, err := NewServer(Options{Models: []ModelConfig{{Name: "half", BasePath: base, Policy: c.policy}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(srv.Model("half").Available()); got != c.want {
			t.Errorf("%v: serves %s, want %s", c.policy, got, c.want)
		}
		srv.Close()
	}
	_, err := NewServer(Options{Models: []ModelConfig{{Name: "half", BasePath: base, Labels: map[string]int64{"old": 1}}}})
	if err == nil || CodeOf(err) != codes.FailedPrecondition ||
		!strings.Contains(err.Error(), "Request to assign label to version 1 of model half, which is not currently available for inference") {
		t.Errorf("label at an unloaded version: %v", err)
	}
}

// TestBatchingMergesConcurrentRequests: concurrent single-row requests are
// answered correctly and run in fewer session runs than requests.
func TestBatchingMergesConcurrentRequests(t *testing.T) {
	base := filepath.Join(t.TempDir(), "half")
	halfPlusThree(t, filepath.Join(base, "1"))
	srv, ts := startServer(t, Options{ModelName: "half", BasePath: base, Monitoring: &MonitoringOptions{PrometheusPath: DefaultPrometheusPath},
		Batching: &BatchingOptions{MaxBatchSize: 16, BatchTimeout: 20 * time.Millisecond, NumBatchThreads: 1, MaxEnqueuedBatches: 10, AllowedBatchSizes: []int{4, 16}}})
	_ = srv
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			code, body := do(t, ts, "POST", "/v1/models/half:predict", fmt.Sprintf(`{"instances": [%d.0]}`, i))
			want := fmt.Sprintf(`"predictions": [%g`, 0.5*float64(i)+3)
			if code != 200 || !strings.Contains(strings.ReplaceAll(body, "\n        ", ""), want) {
				errs <- fmt.Sprintf("request %d: %d %s; want %s", i, code, body, want)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	resp, err := http.Get(ts.URL + DefaultPrometheusPath)
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(mb)
	value := func(series string) float64 {
		for _, line := range strings.Split(metrics, "\n") {
			if rest, ok := strings.CutPrefix(line, series+" "); ok {
				v, err := strconv.ParseFloat(rest, 64)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				return v
			}
		}
		t.Fatalf("no series %s in the metrics:\n%.3000s", series, metrics)
		return 0
	}
	// One batch histogram entry per batch (TensorFlow Serving's
	// processed_batch_size), padded to 4 or 16 rows (the zero-example
	// warm-up runs outside the batcher).
	batches := value(`:tensorflow:serving:batching_session:processed_batch_size_count{model_name="half"}`)
	rows := value(`:tensorflow:serving:batching_session:processed_batch_size_sum{model_name="half"}`)
	runs := value(`:tensorflow:core:graph_run_time_usecs_histogram_count`)
	if batches >= n || batches < n/16 {
		t.Errorf("%v batches for %d requests: want fewer batches than requests, at most 16 rows each", batches, n)
	}
	if rows < n {
		t.Errorf("batches of %v rows in all, want at least %d", rows, n)
	}
	if runs != batches {
		t.Errorf("%v session runs for %v batches", runs, batches)
	}
	// Every request's stages were timed, the batching ones included.
	for _, stage := range []string{"read", "decode", "queue", "merge", "run", "split", "encode"} {
		series := fmt.Sprintf(`:tfnids:serving:request_stage_latency_count{entrypoint="REST",model_name="half",stage=%q}`, stage)
		if stage == "merge" {
			// A batch of one request runs without merging.
			if c := value(series); c < 2 || c > n {
				t.Errorf("%s = %v, want 2..%d", series, c, n)
			}
			continue
		}
		if c := value(series); c != n {
			t.Errorf("%s = %v, want %d", series, c, n)
		}
	}
	if value("process_cpu_seconds_total") <= 0 {
		t.Errorf("process_cpu_seconds_total is not positive")
	}
}

// TestBytesInFlightCap: a request that would pass the cap gets 429 at once.
func TestBytesInFlightCap(t *testing.T) {
	base := filepath.Join(t.TempDir(), "half")
	halfPlusThree(t, filepath.Join(base, "1"))
	srv, ts := startServer(t, Options{ModelName: "half", BasePath: base, MaxBytesInFlight: 100})
	if err := srv.reserve(90); err != nil {
		t.Fatal(err)
	}
	code, body := do(t, ts, "POST", "/v1/models/half:predict", `{"instances": [1.0, 2.0, 3.0]}`)
	if code != 429 || !strings.Contains(body, "in flight") {
		t.Errorf("over the cap: %d %s", code, body)
	}
	srv.unreserve(90)
	if code, body := do(t, ts, "POST", "/v1/models/half:predict", `{"instances": [1.0, 2.0, 3.0]}`); code != 200 {
		t.Errorf("under the cap: %d %s", code, body)
	}
}

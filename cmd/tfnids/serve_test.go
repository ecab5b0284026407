package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestServeCommand runs `tfnids serve` as a child process on loopback:
// it answers status and predict requests, picks up a version exported while
// it runs, and exits 0 on SIGTERM.
func TestServeCommand(t *testing.T) {
	f := fold(t, "cnn")
	base := exportFold(t, f)
	srv := startServe(t, "--model-base-path", base, "--poll", "100ms", "--threads", "1")
	url := srv.restURL + "/v1/models/ids"
	get := func(path string) (int, string) { return srv.get("/v1/models/ids" + path) }
	waitFor := srv.waitFor
	waitFor("version 1", func() bool { code, body := get(""); return code == 200 && strings.Contains(body, `"AVAILABLE"`) })

	// The first row, raw, as a JSON client would send it.
	row := make([]string, f.frame.Features)
	for j, v := range f.frame.Row(0) {
		row[j] = strconv.FormatFloat(float64(v), 'g', -1, 32)
		if !strings.ContainsAny(row[j], ".eEIN") {
			row[j] += ".0" // decimals: TF Serving rejects integer tokens above 2^24 for float inputs
		}
	}
	body := `{"instances": [[` + strings.Join(row, ", ") + `]]}`
	resp, err := http.Post(url+":predict", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var pred struct {
		Predictions []struct {
			Classes       int
			Probabilities []float64
		}
	}
	if err := json.Unmarshal(b, &pred); err != nil || resp.StatusCode != 200 || len(pred.Predictions) != 1 {
		t.Fatalf("predict: %d %v %s", resp.StatusCode, err, b)
	}
	if got := pred.Predictions[0].Classes; got != int(f.classes[0]) {
		t.Errorf("served class %d, in-process %d", got, f.classes[0])
	}

	if code, out, errOut := runCLI(t, "export", "--weights", f.dir, "--out", filepath.Join(base, "2")); code != 0 {
		t.Fatalf("export v2: %d %s %s", code, out, errOut)
	}
	waitFor("version 2", func() bool {
		code, body := get("/versions/2")
		return code == 200 && strings.Contains(body, `"AVAILABLE"`)
	})
	if code, body := get("/metadata"); code != 200 || !strings.Contains(body, `"version": "2"`) || !strings.Contains(body, `"DT_INT64"`) {
		t.Errorf("metadata: %d %s", code, body)
	}

	srv.stop()
	log := srv.output()
	for _, want := range []string{"serving model ids version 1 at http://127.0.0.1:", "model ids version 2 loaded", "model ids version 1 unloaded", "stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("serve log lacks %q:\n%s", want, log)
		}
	}
}

func TestServeUsageErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	base := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, "--model_base_path (the directory holding the integer version directories) or --model_config_file is required"},                     // 0
		{[]string{"--model-base-path", filepath.Join(base, "missing")}, "model base path"},                                                               // 1
		{[]string{"--model-base-path", base, "--port", "70000"}, "out of range"},                                                                         // 2
		{[]string{"--model-base-path", base, "--rest_api_port", "0", "--port", strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)}, "address already in use"}, // 3
		{[]string{"--model-base-path", base, "--model-name", "a:b"}, "model name"},                                                                       // 4
	}
	for i, c := range cases {
		code, _, errOut := runCLI(t, append([]string{"serve"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%d: serve %v: code %d, stderr %q; want exit %d and %q", i, c.args, code, errOut, exitUsage, c.want)
		}
	}
}

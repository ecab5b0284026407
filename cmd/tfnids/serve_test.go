package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestServeCommand runs `tfnids serve` as a child process on loopback:
// it answers status and predict requests, picks up a version exported while
// it runs, and exits 0 on SIGTERM.
func TestServeCommand(t *testing.T) {
	f := fold(t, "cnn")
	base := exportFold(t, f)
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d/v1/models/ids", port)
	var stderr syncBuffer
	cmd := exec.Command(os.Args[0], "serve", "--model-base-path", base, "--port", strconv.Itoa(port), "--poll", "100ms", "--threads", "1")
	cmd.Env = append(os.Environ(), "TFNIDS_TEST_MAIN=1", "TF_CPP_MIN_LOG_LEVEL=2")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()

	get := func(path string) (int, string) {
		resp, err := http.Get(url + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			select {
			case err := <-exited:
				t.Fatalf("serve exited (%v) while waiting for %s:\n%s", err, what, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s:\n%s", what, stderr.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
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

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop after SIGTERM:\n%s", stderr.String())
	}
	log := stderr.String()
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
		{[]string{}, "--model-base-path is required"},                                                                            // 0
		{[]string{"--model-base-path", filepath.Join(base, "missing")}, "model base path"},                                       // 1
		{[]string{"--model-base-path", base, "--port", "70000"}, "out of range"},                                                 // 2
		{[]string{"--model-base-path", base, "--port", strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)}, "address already in use"}, // 3
		{[]string{"--model-base-path", base, "--model-name", "a:b"}, "model name"},                                               // 4
	}
	for i, c := range cases {
		code, _, errOut := runCLI(t, append([]string{"serve"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%d: serve %v: code %d, stderr %q; want exit %d and %q", i, c.args, code, errOut, exitUsage, c.want)
		}
	}
}

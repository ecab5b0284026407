package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/tfgraph"
)

// The cluster tests run `tfnids worker` and `tfnids train` as child
// processes: the test binary re-executed with clusterCLIEnv set runs the
// CLI (see init), so a worker can be killed like a real one.
const clusterCLIEnv = "TFNIDS_TEST_CLUSTER_CLI"

func init() {
	if os.Getenv(clusterCLIEnv) == "1" {
		os.Exit(run(append([]string{"tfnids"}, os.Args[1:]...)))
	}
}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// child is a CLI process started by a test.
type child struct {
	cmd  *exec.Cmd
	out  *lockedBuffer // stdout and stderr
	done chan struct{}
	code int
}

// startChild runs the CLI with args in dir; it is killed when the test ends.
func startChild(t *testing.T, dir string, args ...string) *child {
	t.Helper()
	c := &child{out: &lockedBuffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], args...)
	c.cmd.Dir = dir
	c.cmd.Env = append(os.Environ(), clusterCLIEnv+"=1", "TF_CPP_MIN_LOG_LEVEL=2")
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := c.cmd.Wait()
		c.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			c.code = ee.ExitCode()
		} else if err != nil {
			c.code = -1
		}
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// wait returns the child's exit code, failing the test after timeout.
func (c *child) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
		return c.code
	case <-time.After(timeout):
		c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("%v did not finish in %v; output:\n%s", c.cmd.Args[1:], timeout, c.out)
		return -1
	}
}

// waitFor polls the child's output for s.
func (c *child) waitFor(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(c.out.String(), s) {
			return
		}
		select {
		case <-c.done:
			t.Fatalf("%v exited (%d) before printing %q:\n%s", c.cmd.Args[1:], c.code, s, c.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%v did not print %q in %v:\n%s", c.cmd.Args[1:], s, timeout, c.out)
}

func freeLoopbackAddrs(t *testing.T, n int) []string {
	t.Helper()
	var ls []net.Listener
	var out []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// startWorkers starts n `tfnids worker` processes (one thread each) in dir
// and waits until each is ready; it returns the cluster spec.
func startWorkers(t *testing.T, dir string, n int) (string, []*child) {
	t.Helper()
	spec := "worker=" + strings.Join(freeLoopbackAddrs(t, n), ",")
	var ws []*child
	for k := range n {
		ws = append(ws, startChild(t, dir, "worker", "--cluster", spec, "--job", "worker", "--task", fmt.Sprint(k), "--threads", "1"))
	}
	for _, w := range ws {
		w.waitFor(t, "ready", 60*time.Second)
	}
	return spec, ws
}

func clusterSlice(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "cicids2017-slice"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// clusterTrainArgs trains dense and gru on 2 stratified folds with one
// intra-op thread (bit-for-bit repeatable), writing to the relative
// directories w and r of the process's working directory.
func clusterTrainArgs(t *testing.T, extra ...string) []string {
	return append([]string{"train", "--data", clusterSlice(t), "--profile", "cicids2017_improved", "--name", "slice",
		"--models", "dense,gru", "--cv", "stratified", "--splits", "2", "--epochs", "2",
		"--threads", "1", "--inter-threads", "1", "--seed", "3", "-q", "--weights-dir", "w", "--results-dir", "r"}, extra...)
}

// readResults returns the single results file under dir/r as generic JSON.
func readResults(t *testing.T, dir string) map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "r", "slice", "*.json"))
	if len(files) != 1 {
		t.Fatalf("results files under %s: %v", dir, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// timing keys differ between any two runs; ran_on between local and
// cluster ones.
var notCompared = map[string]bool{"time": true, "train_seconds": true, "ran_on": true, "seconds": true,
	"average_time": true, "average_train_seconds": true,
	"samples_per_second": true, "samples_per_sec": true}

// strip removes the keys that are not compared, recursively.
func strip(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if !notCompared[k] {
				out[k] = strip(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = strip(e)
		}
		return out
	}
	return v
}

// ranOn lists where each model's folds trained.
func ranOn(r map[string]any) map[string][]string {
	out := map[string][]string{}
	for name, m := range r["models"].(map[string]any) {
		for _, s := range m.(map[string]any)["scores"].([]any) {
			where, _ := s.(map[string]any)["ran_on"].(string)
			out[name] = append(out[name], where)
		}
	}
	return out
}

// TestTrainOnClusterEqualsLocal starts two workers on loopback and trains
// with --strategy folds: the pairs run on both tasks (ran_on), the scores,
// confusion matrices and loss histories equal a local run's with the same
// seed, and the checkpoints are written by the client (the workers run in
// another directory, and the weights directory is relative). Then
// --strategy replicas trains on the same workers.
func TestTrainOnClusterEqualsLocal(t *testing.T) {
	workDir, clientDir, localDir := t.TempDir(), t.TempDir(), t.TempDir()
	spec, _ := startWorkers(t, workDir, 2)

	cl := startChild(t, clientDir, clusterTrainArgs(t, "--cluster", spec)...)
	if code := cl.wait(t, 120*time.Second); code != 0 {
		t.Fatalf("train --cluster exited %d:\n%s", code, cl.out)
	}
	local := startChild(t, localDir, clusterTrainArgs(t)...)
	if code := local.wait(t, 120*time.Second); code != 0 {
		t.Fatalf("local train exited %d:\n%s", code, local.out)
	}
	rc, rl := readResults(t, clientDir), readResults(t, localDir)
	tasks := map[string]bool{}
	for name, where := range ranOn(rc) {
		if len(where) != 2 {
			t.Errorf("%s: ran_on %v, want one per fold", name, where)
		}
		for _, w := range where {
			tasks[w] = true
		}
	}
	if !tasks["/job:worker/task:0"] || !tasks["/job:worker/task:1"] || len(tasks) != 2 {
		t.Errorf("pairs ran on %v, want both worker tasks", tasks)
	}
	for name, where := range ranOn(rl) {
		if where[0] != "" {
			t.Errorf("local run records ran_on %v for %s", where, name)
		}
	}
	for _, key := range []string{"models", "average", "splits", "label_names", "input_dim"} {
		if !reflect.DeepEqual(strip(rc[key]), strip(rl[key])) {
			t.Errorf("%q differs between the cluster run and the local run:\ncluster %v\nlocal   %v", key, strip(rc[key]), strip(rl[key]))
		}
	}
	if n := len(clIndexFiles(filepath.Join(clientDir, "w"))); n != 8 { // 2 models x 2 folds x 2 epochs
		t.Errorf("%d checkpoints in the client's weights directory, want 8", n)
	}
	if entries, _ := os.ReadDir(workDir); len(entries) != 0 {
		t.Errorf("the workers wrote into their own directory: %v", entries)
	}

	// Replicas: one tower per worker. The dense model has neither dropout
	// nor batch normalization, so its split-batch steps are the whole-batch
	// steps (builders' replicas tests check the weights to 1e-5).
	replDir := t.TempDir()
	rp := startChild(t, replDir, clusterTrainArgs(t, "--cluster", spec, "--strategy", "replicas", "--models", "dense")...)
	if code := rp.wait(t, 120*time.Second); code != 0 {
		t.Fatalf("train --strategy replicas exited %d:\n%s", code, rp.out)
	}
	rr := readResults(t, replDir)
	for name, where := range ranOn(rr) {
		for _, w := range where {
			if w != "replicas /job:worker/task:0,/job:worker/task:1" {
				t.Errorf("%s: ran_on %q", name, w)
			}
		}
	}
	dense := "dense mc  dense-64"
	got := rr["average"].(map[string]any)[dense].(map[string]any)["average_acc"].(float64)
	want := rl["average"].(map[string]any)[dense].(map[string]any)["average_acc"].(float64)
	if d := got - want; d > 0.01 || d < -0.01 {
		t.Errorf("replicas: dense mean accuracy %v, local %v", got, want)
	}
	if n := len(clIndexFiles(filepath.Join(replDir, "w"))); n != 4 {
		t.Errorf("replicas: %d checkpoints, want 4", n)
	}
}

func clIndexFiles(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".index") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// runState is the part of run-state.json the kill test watches.
type runState struct {
	Running []struct {
		Fold   int   `json:"fold"`
		Epochs []any `json:"epochs"`
	} `json:"running"`
	Finished bool `json:"finished"`
}

// TestTrainSurvivesKilledWorker kills one of two workers (SIGKILL) while
// both are training: the pair it was running is retried on the other worker
// from its last checkpoint and the run finishes (or, if it could not, stops
// resumable and --resume finishes it); every checkpoint is complete and
// restores.
func TestTrainSurvivesKilledWorker(t *testing.T) {
	workDir, clientDir := t.TempDir(), t.TempDir()
	spec, workers := startWorkers(t, workDir, 2)
	args := clusterTrainArgs(t, "--cluster", spec, "--cluster-timeout", "5s", "--models", "dense",
		"--epochs", "20", "--batch-size", "8", "--patience", "0")
	tr := startChild(t, clientDir, args...)

	// Wait until both pairs are past their first epoch, then kill task 1.
	statePath := filepath.Join(clientDir, "w", "slice", "run-state.json")
	deadline := time.Now().Add(90 * time.Second)
	for {
		var st runState
		b, err := os.ReadFile(statePath)
		if err == nil && json.Unmarshal(b, &st) == nil && len(st.Running) == 2 &&
			len(st.Running[0].Epochs) >= 1 && len(st.Running[1].Epochs) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the two pairs never ran at once:\n%s", tr.out)
		}
		select {
		case <-tr.done:
			t.Fatalf("train finished before a worker could be killed (%d):\n%s", tr.code, tr.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	workers[1].cmd.Process.Signal(syscall.SIGKILL)

	code := tr.wait(t, 120*time.Second)
	out := tr.out.String()
	t.Logf("train exited %d after task 1 was killed", code)
	switch code {
	case 0:
		if !strings.Contains(out, "retrying fold") || !strings.Contains(out, "/job:worker/task:1") {
			t.Errorf("no retry reported:\n%s", out)
		}
	case 1:
		// Stopped resumable: --resume on the surviving worker finishes it.
		alive := strings.Split(strings.TrimPrefix(spec, "worker="), ",")[0]
		for i, a := range args {
			if a == spec {
				args[i] = "worker=" + alive
			}
		}
		re := startChild(t, clientDir, append(args, "--resume")...)
		if c := re.wait(t, 120*time.Second); c != 0 {
			t.Fatalf("--resume exited %d:\n%s\nfirst run:\n%s", c, re.out, out)
		}
	default:
		t.Fatalf("train exited %d after a worker was killed:\n%s", code, out)
	}
	r := readResults(t, clientDir)
	for name, where := range ranOn(r) {
		if len(where) != 2 {
			t.Fatalf("%s: %d folds scored, want 2", name, len(where))
		}
	}

	// No half-written checkpoint: every index has its data file and the
	// other way round, no temporary leftovers, and every checkpoint restores.
	root := filepath.Join(clientDir, "w", "slice", "dense mc  dense-64")
	var prefixes []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(p, atomicfile.TempMarker) {
			t.Errorf("temporary file left: %s", p)
		}
		switch {
		case strings.HasSuffix(p, ".index"):
			prefix := strings.TrimSuffix(p, ".index")
			if _, err := os.Stat(prefix + ".data-00000-of-00001"); err != nil {
				t.Errorf("%s has no data file", p)
			}
			prefixes = append(prefixes, prefix)
		case strings.HasSuffix(p, ".data-00000-of-00001"):
			if _, err := os.Stat(strings.TrimSuffix(p, ".data-00000-of-00001") + ".index"); err != nil {
				t.Errorf("%s has no index file", p)
			}
		}
		return nil
	})
	if len(prefixes) < 40 { // 2 folds x 20 epochs
		t.Errorf("%d checkpoints, want at least 40", len(prefixes))
	}
	m, err := builders.Build(builders.Config{Model: "dense", Features: int(r["input_dim"].(float64)), Classes: int(r["num_classes"].(float64))})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Open(tfgraph.SessionConfig{}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, p := range prefixes {
		if err := m.Restore(p); err != nil {
			t.Errorf("checkpoint does not restore: %v", err)
		}
	}
}

// TestTrainClusterUnreachableWorker: a worker that is not there is a clear
// error naming it, exit code 2, before any data is read; so are bad specs.
func TestTrainClusterUnreachableWorker(t *testing.T) {
	addrs := freeLoopbackAddrs(t, 2)
	base := []string{"train", "--data", clusterSlice(t), "--weights-dir", t.TempDir(), "--results-dir", t.TempDir()}
	code, _, stderr := runCLI(t, append(base, "--cluster", "worker="+strings.Join(addrs, ","))...)
	if code != exitUsage {
		t.Errorf("unreachable workers: exit %d, want %d", code, exitUsage)
	}
	for k, a := range addrs {
		if want := fmt.Sprintf("/job:worker/task:%d at %s is unreachable", k, a); !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cluster", "worker=127.0.0.1"}, `"127.0.0.1" (/job:worker/task:0): not HOST:PORT`},
		{[]string{"--cluster", "127.0.0.1:1"}, "comes before any job name"},
		{[]string{"--cluster", "ps=127.0.0.1:1"}, `no job "worker"`},
		{[]string{"--strategy", "replicas"}, "need --cluster"},
		{[]string{"--cluster", "worker=" + addrs[0], "--strategy", "mirrored"}, `unknown value "mirrored"`},
	} {
		code, _, stderr := runCLI(t, append(base, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}

// TestWorkerCommand: the worker logs its target and devices, listens on
// loopback only for a loopback spec, and exits 0 on SIGTERM; bad flags are
// exit code 2.
func TestWorkerCommand(t *testing.T) {
	addr := freeLoopbackAddrs(t, 1)[0]
	w := startChild(t, t.TempDir(), "worker", "--cluster", "worker="+addr, "--task", "0")
	w.waitFor(t, "ready", 60*time.Second)
	out := w.out.String()
	for _, want := range []string{
		"worker /job:worker/task:0: serving at grpc://" + addr + " (listening on " + addr + " only)",
		"device /job:worker/replica:0/task:0/device:CPU:0 (CPU)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("worker output lacks %q:\n%s", want, out)
		}
	}
	// Reachable through loopback, not through another address of this
	// machine (when it has one).
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	_, port, _ := net.SplitHostPort(addr)
	if ip := otherLocalIP(); ip != "" {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, port), 2*time.Second); err == nil {
			c.Close()
			t.Errorf("the worker is reachable at %s:%s", ip, port)
		}
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	if code := w.wait(t, 30*time.Second); code != 0 {
		t.Errorf("worker exited %d on SIGTERM:\n%s", code, w.out)
	}
	if !strings.Contains(w.out.String(), "stopping on a signal") {
		t.Errorf("no stop message:\n%s", w.out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cluster", "worker=" + addr, "--task", "1"}, "there is no task 1"},
		{[]string{"--cluster", "worker=" + addr, "--job", "ps", "--task", "0"}, `no job "ps"`},
		{[]string{"--cluster", "worker=", "--task", "0"}, "has no address"},
		{[]string{"--cluster", "worker=" + addr, "--task", "0", "--listen", "nowhere"}, "not an IP address"},
	} {
		code, _, stderr := runCLI(t, append([]string{"worker"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("worker %v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}

// otherLocalIP returns a non-loopback IPv4 address of this machine, or "".
func otherLocalIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

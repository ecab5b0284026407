package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The REST load can come from Debian's wrk (apt-get install wrk): a C
// event loop spends a fraction of the CPU per request that Go's net/http
// client does, which matters when the load generator shares the server's
// cores. Each wrk connection is one closed-loop client (keep-alive, the
// next request when the response is in), as with the Go generator.

// wrkScript posts the bodies round-robin, each as TensorFlow Serving's
// REST :predict request, and prints the phase's counts and latency
// percentiles (µs) on one line for wrkPhase.
const wrkScript = `-- written by bench/serve (wrk.go)
local bodies = {
%s}
local reqs = {}
local n = 0
init = function(args)
  for k, b in ipairs(bodies) do
    reqs[k] = wrk.format("POST", nil, {["Content-Type"] = "application/json"}, b)
  end
end
request = function()
  n = n %% #reqs + 1
  return reqs[n]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("TFNIDS-WRK requests=%%d duration_us=%%d errors=%%d status_errors=%%d p50=%%d p90=%%d p99=%%d max=%%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`

// writeWrkScript writes the Lua script for bodies to a temporary file.
func writeWrkScript(bodies [][]byte) (string, error) {
	var list strings.Builder
	for _, b := range bodies {
		if bytes.Contains(b, []byte("]==]")) {
			return "", fmt.Errorf("a body contains ]==]")
		}
		fmt.Fprintf(&list, "  [==[%s]==],\n", b)
	}
	f, err := os.CreateTemp("", "tfnids-wrk-*.lua")
	if err != nil {
		return "", err
	}
	if _, err := fmt.Fprintf(f, wrkScript, list.String()); err != nil {
		f.Close()
		return "", err
	}
	return f.Name(), f.Close()
}

// runWrk runs wrk for d with clients connections and returns its summary
// line's fields and its CPU time.
func runWrk(url, script string, clients, threads int, d time.Duration) (map[string]int64, time.Duration, error) {
	threads = max(1, min(threads, clients))
	// wrk takes whole seconds.
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(clients),
		"-d", strconv.Itoa(secs)+"s", "--timeout", "30s", "-s", script, url)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, 0, fmt.Errorf("wrk: %v: %s%s", err, out.Bytes(), errb.Bytes())
	}
	var cpu time.Duration
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		rest, ok := strings.CutPrefix(line, "TFNIDS-WRK ")
		if !ok {
			continue
		}
		f := map[string]int64{}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, 0, fmt.Errorf("wrk summary %q: %v", line, err)
			}
			f[k] = n
		}
		return f, cpu, nil
	}
	return nil, 0, fmt.Errorf("wrk printed no summary: %s%s", out.Bytes(), errb.Bytes())
}

// wrkPhase warms up with one wrk run, calls mark, and measures a second.
func wrkPhase(url, script string, clients, threads int, warmup, d time.Duration, mark func() error) (loadResult, error) {
	if warmup > 0 {
		if _, _, err := runWrk(url, script, clients, threads, warmup); err != nil {
			return loadResult{}, err
		}
	}
	if err := mark(); err != nil {
		return loadResult{}, err
	}
	f, cpu, err := runWrk(url, script, clients, threads, d)
	if err != nil {
		return loadResult{}, err
	}
	secs := float64(f["duration_us"]) / 1e6
	ok := f["requests"] - f["status_errors"]
	r := loadResult{Clients: clients, Requests: int(ok), Errors: int(f["errors"]), Seconds: secs,
		ReqPerSec: float64(ok) / secs,
		P50ms:     float64(f["p50"]) / 1e3, P90ms: float64(f["p90"]) / 1e3, P99ms: float64(f["p99"]) / 1e3, MaxMs: float64(f["max"]) / 1e3}
	if f["errors"] > 0 {
		r.FirstError = fmt.Sprintf("wrk counted %d errors (%d non-2xx statuses)", f["errors"], f["status_errors"])
	}
	if f["requests"] > 0 {
		r.ClientCPUus = float64(cpu.Microseconds()) / float64(f["requests"])
	}
	return r, nil
}

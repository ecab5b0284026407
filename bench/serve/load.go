package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tfnids/tfnids/internal/npy"
)

// loadResult is one (rows per request, clients) phase.
type loadResult struct {
	API        string  `json:"api"`    // rest or grpc
	Client     string  `json:"client"` // the load generator: go, wrk, grpc
	Label      string  `json:"label,omitempty"`
	Clients    int     `json:"clients"`
	RowsPerReq int     `json:"rows_per_request"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	ReqPerSec  float64 `json:"requests_per_second"`
	RowsPerSec float64 `json:"rows_per_second"`
	P50ms      float64 `json:"p50_ms"`
	P90ms      float64 `json:"p90_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
	BodyBytes  int     `json:"mean_body_bytes"`
	// ClientCPUus is the load generator's CPU time (user+system) per
	// request over the measured window.
	ClientCPUus float64 `json:"client_cpu_us_per_request"`
	// Server is what the server's metrics say about the window (absent
	// without --metrics).
	Server *serverStats `json:"server,omitempty"`
	Uptime string       `json:"uptime"` // load average before the phase
}

// jsonFloat writes v as a JSON decimal TensorFlow Serving accepts for a
// float32 input (an integer token above 2^24 would be rejected as lossy).
func jsonFloat(b []byte, v float32) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
	if !bytes.ContainsAny(b[start:], ".eEN") {
		b = append(b, ".0"...)
	}
	return b
}

// bodies builds row-format requests of rows examples each, round-robin over
// the inputs.
func bodies(x []float32, shape []int, rows, count int) [][]byte {
	per := 1
	for _, d := range shape[1:] {
		per *= d
	}
	n := shape[0]
	var out [][]byte
	for k := 0; k < count; k++ {
		b := []byte(`{"instances": [`)
		for r := 0; r < rows; r++ {
			i := (k*rows + r) % n
			if r > 0 {
				b = append(b, ", "...)
			}
			b = appendTensor(b, x[i*per:(i+1)*per], shape[1:])
		}
		out = append(out, append(b, "]}"...))
	}
	return out
}

func appendTensor(b []byte, x []float32, shape []int) []byte {
	b = append(b, '[')
	if len(shape) == 1 {
		for j, v := range x {
			if j > 0 {
				b = append(b, ',')
			}
			b = jsonFloat(b, v)
		}
		return append(b, ']')
	}
	step := len(x) / shape[0]
	for i := 0; i < shape[0]; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTensor(b, x[i*step:(i+1)*step], shape[1:])
	}
	return append(b, ']')
}

// uptime is the load-average part of `uptime`.
func uptime() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return "load average: " + strings.Join(f[:3], ", ")
}

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:8501/v1/models/ids", "model URL (without :predict)")
	inputs := fs.String("inputs", "", "inputs.npy from prepare (raw examples)")
	clients := fs.String("clients", "1,8,32", "concurrent clients per phase")
	rowsList := fs.String("rows", "1,64", "examples per request, per phase")
	duration := fs.Duration("duration", 10*time.Second, "measured time per phase")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured time before each phase")
	out := fs.String("out", "", "also write the results as JSON here")
	grpcAddr := fs.String("grpc", "", "drive the gRPC Predict API at this host:port instead of REST (model name: the last element of --url)")
	grpcConns := fs.Int("grpc-conns", 2, "gRPC: HTTP/2 connections the clients share (each client's calls are streams on one of them)")
	client := fs.String("client", "go", "REST load generator: go (net/http, one goroutine per client) or wrk (Debian's wrk, one connection per client)")
	wrkThreads := fs.Int("wrk-threads", 1, "wrk: threads (event loops)")
	metricsURL := fs.String("metrics", "", "the server's Prometheus metrics URL: report its CPU time, session runs, batch sizes and per-stage latency over each phase")
	label := fs.String("label", "", "label stored with each result (e.g. batching on)")
	fs.Parse(args)
	x, shape, err := npy.ReadFile(*inputs)
	if err != nil {
		return err
	}
	predictURL := *url + ":predict"
	model := (*url)[strings.LastIndex(*url, "/")+1:]
	var results []loadResult
	fmt.Printf("%-8s %-8s %10s %12s %9s %9s %9s %9s %7s %9s %9s\n", "rows/req", "clients", "req/s", "rows/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "srv µs", "cli µs")
	for _, rs := range strings.Split(*rowsList, ",") {
		rows, err := strconv.Atoi(strings.TrimSpace(rs))
		if err != nil || rows < 1 {
			return fmt.Errorf("--rows: %q", rs)
		}
		bs := bodies(x, shape, rows, 512)
		api, gen := "rest", *client
		var gs *grpcSender
		var wrkScript string
		switch {
		case *grpcAddr != "":
			api, gen = "grpc", "grpc"
			if gs, err = newGRPCSender(*grpcAddr, model, x, shape, rows, 512, *grpcConns); err != nil {
				return err
			}
			bs = gs.bodies
		case gen == "wrk":
			if wrkScript, err = writeWrkScript(bs[:64]); err != nil {
				return err
			}
			defer os.Remove(wrkScript)
		case gen != "go":
			return fmt.Errorf("--client %q: want go or wrk", gen)
		}
		mean := 0
		for _, b := range bs {
			mean += len(b)
		}
		mean /= len(bs)
		for _, cs := range strings.Split(*clients, ",") {
			c, err := strconv.Atoi(strings.TrimSpace(cs))
			if err != nil || c < 1 {
				return fmt.Errorf("--clients: %q", cs)
			}
			up := uptime()
			var before map[string]float64
			scrape := func() (map[string]float64, error) {
				if *metricsURL == "" {
					return nil, nil
				}
				return scrapeMetrics(*metricsURL)
			}
			// The server's counters are read at the edges of the measured
			// window: after the warm-up, before the window's first request
			// and after its last.
			mark := func() error {
				var err error
				before, err = scrape()
				return err
			}
			var r loadResult
			switch {
			case gs != nil:
				r, err = phase(c, *warmup, *duration, gs.worker, mark)
			case gen == "wrk":
				r, err = wrkPhase(predictURL, wrkScript, c, *wrkThreads, *warmup, *duration, mark)
			default:
				r, err = phase(c, *warmup, *duration, httpWorker(predictURL, bs, c), mark)
			}
			if err != nil {
				return err
			}
			after, err := scrape()
			if err != nil {
				return err
			}
			r.API, r.Client, r.Label, r.Uptime = api, gen, *label, up
			r.RowsPerReq, r.BodyBytes = rows, mean
			r.RowsPerSec = r.ReqPerSec * float64(rows)
			if before != nil {
				r.Server = serverDelta(before, after, model, r.Requests+r.Errors)
			}
			results = append(results, r)
			srv := math.NaN()
			if r.Server != nil {
				srv = r.Server.CPUus
			}
			fmt.Printf("%-8d %-8d %10.0f %12.0f %9.2f %9.2f %9.2f %9.2f %7d %9.0f %9.0f\n", rows, c, r.ReqPerSec, r.RowsPerSec, r.P50ms, r.P90ms, r.P99ms, r.MaxMs, r.Errors, srv, r.ClientCPUus)
			if r.Server != nil {
				fmt.Printf("  %s\n", r.Server)
			}
			if r.FirstError != "" {
				fmt.Printf("  first error: %s\n", r.FirstError)
			}
		}
		if gs != nil {
			gs.close()
		}
	}
	if *out != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		return os.WriteFile(*out, b, 0o644)
	}
	return nil
}

// worker makes one client's loop body: call sends one request and reports
// its failure. Each client goroutine gets its own (no shared state on the
// hot path).
type worker func(client int) (call func() error)

// httpWorker posts the bodies round-robin with net/http (keep-alive).
func httpWorker(url string, bs [][]byte, clients int) worker {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	var next atomic.Int64
	return func(int) func() error {
		return func() error {
			b := bs[int(next.Add(1))%len(bs)]
			resp, err := hc.Post(url, "application/json", bytes.NewReader(b))
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("%d %s", resp.StatusCode, body)
			}
			return nil
		}
	}
}

// phase runs clients goroutines calling back to back: warmup unmeasured,
// then mark, then duration measured (latency of each call, the process's
// CPU time over the window).
func phase(clients int, warmup, duration time.Duration, w worker, mark func() error) (loadResult, error) {
	var measuring atomic.Bool
	stop := make(chan struct{})
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var firstErr string
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		call := w(c)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 1<<14)
			myErrs := 0
			var myFirst string
			for {
				select {
				case <-stop:
					mu.Lock()
					lat = append(lat, mine...)
					errs += myErrs
					if firstErr == "" {
						firstErr = myFirst
					}
					mu.Unlock()
					return
				default:
				}
				t0 := time.Now()
				err := call()
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if err == nil {
					mine = append(mine, d)
				} else {
					myErrs++
					if myFirst == "" {
						myFirst = err.Error()
					}
				}
			}
		}()
	}
	time.Sleep(warmup)
	if err := mark(); err != nil {
		close(stop)
		wg.Wait()
		return loadResult{}, err
	}
	cpu0 := cpuTime()
	measuring.Store(true)
	start := time.Now()
	time.Sleep(duration)
	measuring.Store(false)
	secs := time.Since(start).Seconds()
	cpu := cpuTime() - cpu0
	close(stop)
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return math.NaN()
		}
		i := int(math.Ceil(p*float64(len(lat)))) - 1
		return float64(lat[max(0, min(i, len(lat)-1))]) / 1e6
	}
	r := loadResult{Clients: clients, Requests: len(lat), Errors: errs, Seconds: secs,
		ReqPerSec: float64(len(lat)) / secs, P50ms: q(0.50), P90ms: q(0.90), P99ms: q(0.99), MaxMs: q(1), FirstError: firstErr}
	if n := len(lat) + errs; n > 0 {
		r.ClientCPUus = float64(cpu.Microseconds()) / float64(n)
	}
	return r, nil
}

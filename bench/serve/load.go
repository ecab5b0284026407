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
	fs.Parse(args)
	x, shape, err := npy.ReadFile(*inputs)
	if err != nil {
		return err
	}
	predictURL := *url + ":predict"
	var results []loadResult
	fmt.Printf("%-8s %-8s %10s %12s %9s %9s %9s %9s %7s\n", "rows/req", "clients", "req/s", "rows/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors")
	for _, rs := range strings.Split(*rowsList, ",") {
		rows, err := strconv.Atoi(strings.TrimSpace(rs))
		if err != nil || rows < 1 {
			return fmt.Errorf("--rows: %q", rs)
		}
		bs := bodies(x, shape, rows, 512)
		var send sender
		if *grpcAddr != "" {
			model := (*url)[strings.LastIndex(*url, "/")+1:]
			gs, err := newGRPCSender(*grpcAddr, model, x, shape, rows, 512)
			if err != nil {
				return err
			}
			send, bs = gs.send, gs.bodies
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
			r := phase(predictURL, bs, c, *warmup, *duration, send)
			r.RowsPerReq, r.BodyBytes = rows, mean
			r.RowsPerSec = r.ReqPerSec * float64(rows)
			results = append(results, r)
			fmt.Printf("%-8d %-8d %10.0f %12.0f %9.2f %9.2f %9.2f %9.2f %7d\n", rows, c, r.ReqPerSec, r.RowsPerSec, r.P50ms, r.P90ms, r.P99ms, r.MaxMs, r.Errors)
			if r.FirstError != "" {
				fmt.Printf("  first error: %s\n", r.FirstError)
			}
		}
	}
	if *out != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		return os.WriteFile(*out, b, 0o644)
	}
	return nil
}

// sender sends request i (an index into the bodies) and reports failure.
type sender func(i int) error

// phase runs clients goroutines posting bodies back to back (or calling
// send, for gRPC).
func phase(url string, bs [][]byte, clients int, warmup, duration time.Duration, send sender) loadResult {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	defer tr.CloseIdleConnections()
	var next atomic.Int64
	var measuring atomic.Bool
	stop := make(chan struct{})
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var firstErr string
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
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
				i := int(next.Add(1)) % len(bs)
				b := bs[i]
				t0 := time.Now()
				var resp *http.Response
				var err error
				if send != nil {
					err = send(i)
				} else {
					resp, err = client.Post(url, "application/json", bytes.NewReader(b))
				}
				ok := err == nil
				if err == nil && resp != nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						ok, err = false, fmt.Errorf("%d %s", resp.StatusCode, body)
					}
				}
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if ok {
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
	measuring.Store(true)
	start := time.Now()
	time.Sleep(duration)
	measuring.Store(false)
	secs := time.Since(start).Seconds()
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
	return loadResult{Clients: clients, Requests: len(lat), Errors: errs, Seconds: secs,
		ReqPerSec: float64(len(lat)) / secs, P50ms: q(0.50), P90ms: q(0.90), P99ms: q(0.99), MaxMs: q(1), FirstError: firstErr}
}

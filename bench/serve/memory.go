package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tfnids/tfnids/internal/npy"
)

// memResult is one memory measurement of a running `tfnids serve`.
type memResult struct {
	Clients      int     `json:"clients"`
	BodyMiB      float64 `json:"body_mib"`
	Rows         int     `json:"rows_per_body"`
	IdleRSSMiB   float64 `json:"idle_rss_mib"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	OverIdleMiB  float64 `json:"peak_over_idle_mib"`
	BodiesMiB    float64 `json:"bodies_total_mib"`
	Ratio        float64 `json:"peak_over_idle_per_bodies"`
	Statuses     []int   `json:"statuses"`
	Seconds      float64 `json:"seconds"`
	FirstFailure string  `json:"first_failure,omitempty"`
}

// server returns the process serving for pid: `tfnids serve` re-executes
// itself under a supervisor that filters TensorFlow's log lines, so the
// process started is the supervisor and its only child does the work.
func server(pid int) int {
	// Any of the supervisor's threads may have started the child.
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var kids []string
	for _, t := range tasks {
		if b, err := os.ReadFile(t); err == nil {
			kids = append(kids, strings.Fields(string(b))...)
		}
	}
	if len(kids) != 1 {
		return pid
	}
	if child, err := strconv.Atoi(kids[0]); err == nil {
		return child
	}
	return pid
}

// rssKiB reads VmRSS of pid.
func rssKiB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// memory posts clients concurrent bodies of about mib MiB each (valid
// row-format requests) to a running server and samples its RSS every 5 ms:
// the peak over the idle RSS, against the bodies' total size.
func memory(args []string) error {
	fs := flag.NewFlagSet("memory", flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:8501/v1/models/ids", "model URL (without :predict)")
	inputs := fs.String("inputs", "", "inputs.npy from prepare (raw examples)")
	pid := fs.Int("pid", 0, "the server's process id")
	clients := fs.Int("clients", 8, "concurrent requests")
	mib := fs.Float64("mib", 21, "size of each body in MiB")
	out := fs.String("out", "", "also write the result as JSON here")
	fs.Parse(args)
	x, shape, err := npy.ReadFile(*inputs)
	if err != nil {
		return err
	}
	// Size the row count from the mean row of a 1,000-row body.
	sample := bodies(x, shape, 1000, 1)[0]
	rows := int(*mib * (1 << 20) * 1000 / float64(len(sample)))
	body := bodies(x, shape, rows, 1)[0]
	time.Sleep(time.Second)
	*pid = server(*pid)
	idle, err := rssKiB(*pid)
	if err != nil {
		return err
	}
	peak := idle
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if r, err := rssKiB(*pid); err == nil && r > peak {
					peak = r
				}
			}
		}
	}()
	res := memResult{Clients: *clients, BodyMiB: float64(len(body)) / (1 << 20), Rows: rows, Statuses: make([]int, *clients)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := time.Now()
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			resp, err := http.Post(*url+":predict", "application/json", bytes.NewReader(body))
			if err != nil {
				mu.Lock()
				res.FirstFailure = err.Error()
				mu.Unlock()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			res.Statuses[c] = resp.StatusCode
			if resp.StatusCode != 200 {
				mu.Lock()
				if res.FirstFailure == "" {
					res.FirstFailure = fmt.Sprintf("%d %.200s", resp.StatusCode, b)
				}
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	time.Sleep(100 * time.Millisecond)
	close(stop)
	<-sampled
	res.IdleRSSMiB, res.PeakRSSMiB = float64(idle)/1024, float64(peak)/1024
	res.OverIdleMiB = res.PeakRSSMiB - res.IdleRSSMiB
	res.BodiesMiB = res.BodyMiB * float64(*clients)
	res.Ratio = res.OverIdleMiB / res.BodiesMiB
	fmt.Printf("%d x %.1f MiB bodies (%d rows each): idle RSS %.0f MiB, peak %.0f MiB, +%.0f MiB = %.2f x the bodies (%.0f MiB); statuses %v; %.1f s\n",
		*clients, res.BodyMiB, rows, res.IdleRSSMiB, res.PeakRSSMiB, res.OverIdleMiB, res.Ratio, res.BodiesMiB, res.Statuses, res.Seconds)
	if res.FirstFailure != "" {
		fmt.Printf("  first failure: %s\n", res.FirstFailure)
	}
	if *out != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		return os.WriteFile(*out, b, 0o644)
	}
	return nil
}

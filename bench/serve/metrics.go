package main

import (
	"bufio"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// serverStats is what a server's Prometheus metrics say about one measured
// window (the difference of two scrapes).
type serverStats struct {
	// Requests the server answered OK in the window.
	Requests int `json:"requests"`
	// CPUus is the server process's CPU time (process_cpu_seconds_total)
	// per request.
	CPUus float64 `json:"cpu_us_per_request"`
	// Runs is the session runs per request; RunUs a run's mean wall time.
	Runs  float64 `json:"session_runs_per_request"`
	RunUs float64 `json:"mean_session_run_us"`
	// Batches merged by the batcher, their mean size (rows, padded) and
	// the share of batches per size bucket (upper bound → fraction).
	Batches   int             `json:"batches"`
	BatchMean float64         `json:"mean_batch_size"`
	BatchHist map[int]float64 `json:"batch_size_histogram,omitempty"`
	// Stages is the mean wall time (µs) per request of each stage the
	// server timed (:tfnids:serving:request_stage_latency), over the
	// requests that went through it.
	Stages map[string]float64 `json:"stage_us"`
}

var stageOrder = []string{"read", "decode", "queue", "merge", "run", "split", "encode", "marshal"}

func (s *serverStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "server: %d requests, %.0f µs CPU/request, %.2f session runs/request of %.0f µs", s.Requests, s.CPUus, s.Runs, s.RunUs)
	if s.Batches > 0 {
		fmt.Fprintf(&b, "; %d batches, mean %.1f rows:", s.Batches, s.BatchMean)
		var ks []int
		for k := range s.BatchHist {
			ks = append(ks, k)
		}
		sort.Ints(ks)
		for _, k := range ks {
			if s.BatchHist[k] >= 0.005 {
				fmt.Fprintf(&b, " ≤%d %.0f%%", k, 100*s.BatchHist[k])
			}
		}
	}
	b.WriteString("\n  stages (mean µs/request):")
	for _, k := range stageOrder {
		if v, ok := s.Stages[k]; ok {
			fmt.Fprintf(&b, " %s %.0f", k, v)
		}
	}
	return b.String()
}

// scrapeMetrics reads a Prometheus text exposition into series → value.
func scrapeMetrics(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// labelValue returns the value of label in a series name, or "".
func labelValue(series, label string) string {
	i := strings.Index(series, label+`="`)
	if i < 0 {
		return ""
	}
	rest := series[i+len(label)+2:]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// serverDelta summarizes the window between two scrapes for model.
func serverDelta(before, after map[string]float64, model string, clientRequests int) *serverStats {
	d := func(k string) float64 { return after[k] - before[k] }
	s := &serverStats{Stages: map[string]float64{}, BatchHist: map[int]float64{}}
	s.Requests = int(d(fmt.Sprintf(`:tensorflow:serving:request_count{model_name=%q,status="OK"}`, model)))
	n := float64(s.Requests)
	if n == 0 {
		n = float64(clientRequests)
	}
	if n == 0 {
		return s
	}
	s.CPUus = d("process_cpu_seconds_total") * 1e6 / n
	runs := d(":tensorflow:core:graph_run_time_usecs_histogram_count")
	s.Runs = runs / n
	if runs > 0 {
		s.RunUs = d(":tensorflow:core:graph_run_time_usecs_histogram_sum") / runs
	}
	bs := fmt.Sprintf(`{model_name=%q}`, model)
	s.Batches = int(d(":tensorflow:serving:batching_session:processed_batch_size_count" + bs))
	if s.Batches > 0 {
		s.BatchMean = d(":tensorflow:serving:batching_session:processed_batch_size_sum"+bs) / float64(s.Batches)
		prefix := ":tensorflow:serving:batching_session:processed_batch_size_bucket{"
		type bucket struct {
			le  int
			cum float64
		}
		var bk []bucket
		for k := range after {
			if !strings.HasPrefix(k, prefix) || labelValue(k, "model_name") != model {
				continue
			}
			le, err := strconv.Atoi(labelValue(k, "le"))
			if err != nil {
				continue // +Inf
			}
			bk = append(bk, bucket{le, d(k)})
		}
		sort.Slice(bk, func(i, j int) bool { return bk[i].le < bk[j].le })
		prev := 0.0
		for _, b := range bk {
			if b.cum > prev {
				s.BatchHist[b.le] = (b.cum - prev) / float64(s.Batches)
			}
			prev = b.cum
		}
	}
	for k := range after {
		if !strings.HasPrefix(k, ":tfnids:serving:request_stage_latency_sum{") || labelValue(k, "model_name") != model {
			continue
		}
		count := d(strings.Replace(k, "_latency_sum{", "_latency_count{", 1))
		if count > 0 {
			s.Stages[labelValue(k, "stage")] = d(k) / count
		}
	}
	return s
}

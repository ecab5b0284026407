package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
)

// table prints the Markdown tables of RESULTS.md from `load --out` files:
// one row per (clients, API, batching label), the mean over its runs;
// then the batching ratio per client count and API against issue 14's
// goal (>= 3x the requests/s of unbatched at 32 clients, p99 no worse).
func table(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("table: give load --out JSON files")
	}
	type key struct {
		clients int
		api     string
		label   string
	}
	groups := map[key][]loadResult{}
	for _, path := range args {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var rs []loadResult
		if err := json.Unmarshal(b, &rs); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		for _, r := range rs {
			k := key{r.Clients, r.API, r.Label}
			groups[k] = append(groups[k], r)
		}
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.clients != b.clients {
			return a.clients < b.clients
		}
		if a.api != b.api {
			return a.api > b.api // rest before grpc
		}
		return a.label < b.label // off before on
	})
	mean := func(rs []loadResult, f func(loadResult) float64) float64 {
		s, n := 0.0, 0
		for _, r := range rs {
			if v := f(r); !math.IsNaN(v) {
				s += v
				n++
			}
		}
		if n == 0 {
			return math.NaN()
		}
		return s / float64(n)
	}
	srv := func(f func(*serverStats) float64) func(loadResult) float64 {
		return func(r loadResult) float64 {
			if r.Server == nil {
				return math.NaN()
			}
			return f(r.Server)
		}
	}
	apiName := map[string]string{"rest": "REST", "grpc": "gRPC"}
	fmt.Println("| clients | API | batching | runs | req/s | p50 ms | p99 ms | server CPU µs/req | client CPU µs/req | session runs/req | mean batch | errors |")
	fmt.Println("|--------:|-----|----------|-----:|------:|-------:|-------:|------------------:|------------------:|-----------------:|-----------:|-------:|")
	for _, k := range keys {
		rs := groups[k]
		errs := 0
		for _, r := range rs {
			errs += r.Errors
		}
		batch := "–"
		if m := mean(rs, srv(func(s *serverStats) float64 {
			if s.Batches == 0 {
				return math.NaN()
			}
			return s.BatchMean
		})); !math.IsNaN(m) {
			batch = fmt.Sprintf("%.1f", m)
		}
		fmt.Printf("| %d | %s | %s | %d | %s | %.2f | %.2f | %.0f | %.0f | %.3f | %s | %d |\n", k.clients, apiName[k.api], k.label, len(rs),
			thousands(mean(rs, func(r loadResult) float64 { return r.ReqPerSec })),
			mean(rs, func(r loadResult) float64 { return r.P50ms }), mean(rs, func(r loadResult) float64 { return r.P99ms }),
			mean(rs, srv(func(s *serverStats) float64 { return s.CPUus })), mean(rs, func(r loadResult) float64 { return r.ClientCPUus }),
			mean(rs, srv(func(s *serverStats) float64 { return s.Runs })), batch, errs)
	}
	fmt.Println()
	fmt.Println("Server wall time per request by stage (µs, mean over the requests that went through the stage):")
	fmt.Println()
	fmt.Printf("| clients | API | batching |")
	for _, s := range stageOrder {
		fmt.Printf(" %s |", s)
	}
	fmt.Printf("\n|--------:|-----|----------|%s\n", strings.Repeat("-----:|", len(stageOrder)))
	for _, k := range keys {
		rs := groups[k]
		fmt.Printf("| %d | %s | %s |", k.clients, apiName[k.api], k.label)
		for _, st := range stageOrder {
			v := mean(rs, srv(func(s *serverStats) float64 {
				if v, ok := s.Stages[st]; ok {
					return v
				}
				return math.NaN()
			}))
			if math.IsNaN(v) {
				fmt.Printf(" – |")
			} else {
				fmt.Printf(" %.0f |", v)
			}
		}
		fmt.Println()
	}
	fmt.Println()
	fmt.Println("Batching on vs off (mean req/s ratio; p99 off → on):")
	fmt.Println()
	for _, k := range keys {
		if k.label != "off" {
			continue
		}
		on, ok := groups[key{k.clients, k.api, "on"}]
		if !ok {
			continue
		}
		off := groups[k]
		rOff, rOn := mean(off, func(r loadResult) float64 { return r.ReqPerSec }), mean(on, func(r loadResult) float64 { return r.ReqPerSec })
		pOff, pOn := mean(off, func(r loadResult) float64 { return r.P99ms }), mean(on, func(r loadResult) float64 { return r.P99ms })
		line := fmt.Sprintf("- %d clients, %s: %.2f× (%s vs %s req/s), p99 %.2f → %.2f ms", k.clients, apiName[k.api], rOn/rOff, thousands(rOn), thousands(rOff), pOff, pOn)
		if k.clients == 32 {
			met := rOn >= 3*rOff && pOn <= pOff
			verdict := "not met"
			if met {
				verdict = "met"
			}
			line += fmt.Sprintf(" — goal (≥3×, p99 no worse): **%s**", verdict)
		}
		fmt.Println(line)
	}
	return nil
}

// thousands formats v rounded, with thousands separators.
func thousands(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Command graph benchmarks netgraph on a synthetic IP graph of the GDLC
// study's CIC-ToN-IoT shape (142,669 nodes, 352,453 edges, one hub of
// degree ≈58k, heavy-tailed degrees elsewhere). Run by bench/graph/run.sh.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tfnids/tfnids/netgraph"
)

func main() {
	nodes := flag.Int("nodes", 142669, "nodes")
	edges := flag.Int("edges", 352453, "distinct directed edges")
	hub := flag.Int("hub", 58036, "degree of the largest hub")
	seed := flag.Uint64("seed", 1, "generator and measure seed")
	measures := flag.String("measures", "type1", "measures (netgraph.ParseMeasures)")
	betw := flag.String("betweenness", "approx", "exact, approx, or sample:K (time K exact sources and extrapolate)")
	out := flag.String("edgelist", "", "also write the edge list here (for bench/graph/nx_time.py)")
	prof := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fail(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	t0 := time.Now()
	g := synth(*nodes, *edges, *hub, *seed)
	s := g.Summarize()
	fmt.Printf("graph: %d nodes, %d edges, max degree %d, %d self-loops, built in %.2fs\n",
		s.Nodes, s.Edges, s.MaxDegree, s.SelfLoops, time.Since(t0).Seconds())
	if *out != "" {
		writeEdges(g, *out)
	}
	ms, err := netgraph.ParseMeasures(*measures)
	if err != nil {
		fail(err)
	}
	o := netgraph.Options{Measures: ms, Seed: *seed}
	began := time.Now()
	o.Progress = func(m string) { fmt.Fprintf(os.Stderr, "%7.1fs %s\n", time.Since(began).Seconds(), m) }
	switch {
	case *betw == "approx":
		o.ApproxBetweenness = true
	case strings.HasPrefix(*betw, "sample:"):
		var k int
		fmt.Sscanf(*betw, "sample:%d", &k)
		cpu0 := cpuTime()
		per, err := netgraph.TimeExactSources(g, k, *seed)
		if err != nil {
			fail(err)
		}
		cpuPer := (cpuTime() - cpu0) / time.Duration(k)
		cores := time.Duration(runtime.GOMAXPROCS(0))
		fmt.Printf("exact betweenness: %v wall, %v CPU per source over %d sources (one goroutine)\n", per, cpuPer, k)
		fmt.Printf("  all %d sources on %d cores: %v by wall time, %v by CPU time\n", g.Nodes(), cores,
			(per * time.Duration(g.Nodes()) / cores).Round(time.Second), (cpuPer * time.Duration(g.Nodes()) / cores).Round(time.Second))
		return
	}
	start := time.Now()
	cpuStart := cpuTime()
	res, err := g.Compute(context.Background(), o)
	if err != nil {
		fail(err)
	}
	total := time.Since(start)
	keys := make([]string, 0, len(res.Timings))
	for k := range res.Timings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Printf("  %-20s %8.2fs\n", k, res.Timings[k].Seconds())
	}
	fmt.Printf("total %.1fs wall, %.1fs CPU on GOMAXPROCS=%d, peak RSS %s, betweenness %s (%d samples), %d communities\n",
		total.Seconds(), (cpuTime() - cpuStart).Seconds(), runtime.GOMAXPROCS(0), peakRSS(), *betw, res.Samples,
		slices.Max(append(res.Membership, -1))+1)
	j, _ := json.Marshal(map[string]any{"seconds": total.Seconds(), "peak_rss": peakRSS()})
	fmt.Println(string(j))
}

// synth draws distinct directed edges between Chung–Lu weighted endpoints:
// node 0 is the hub, the others have Pareto(2.1) weights; one endpoint of
// every edge is a high-weight node as in flow data (hosts talk to servers).
func synth(n, m, hub int, seed uint64) *netgraph.Graph {
	r := rand.New(rand.NewPCG(seed, 2))
	w := make([]float64, n)
	sum := 0.0
	for i := 1; i < n; i++ {
		w[i] = math.Pow(1-r.Float64(), -1/1.1) // Pareto, tail exponent 2.1
		sum += w[i]
	}
	// the hub's share of the endpoint draws: n−1 draws in the first pass,
	// two per edge after it; 1.68 makes up for draws lost to duplicates
	draws := float64(n-1) + 2*float64(m-(n-1))
	f := min(0.9, 1.68*float64(hub)/draws)
	w[0] = sum * f / (1 - f)
	cum := make([]float64, n)
	acc := 0.0
	for i, x := range w {
		acc += x
		cum[i] = acc
	}
	pick := func() int32 {
		u := r.Float64() * acc
		i, _ := slices.BinarySearch(cum, u)
		return int32(min(i, n-1))
	}
	seen := make(map[uint64]struct{}, m)
	us := make([]int32, 0, m)
	vs := make([]int32, 0, m)
	touched := make([]bool, n)
	// first make every node appear once (no isolated nodes), then fill
	for i := 1; i < n && len(us) < m; i++ {
		a, b := int32(i), pick()
		if a == b {
			continue
		}
		if r.IntN(2) == 0 {
			a, b = b, a
		}
		k := uint64(a)<<32 | uint64(b)
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		us, vs = append(us, a), append(vs, b)
		touched[a], touched[b] = true, true
	}
	for len(us) < m {
		a, b := pick(), pick()
		if a == b && r.IntN(50) != 0 { // a few self-loops, as real data has
			continue
		}
		k := uint64(a)<<32 | uint64(b)
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		us, vs = append(us, a), append(vs, b)
	}
	return netgraph.FromEdges(n, us, vs)
}

func writeEdges(g *netgraph.Graph, path string) {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	bw := bufio.NewWriter(f)
	for u := range g.Nodes() {
		for _, v := range g.Successors(u) {
			fmt.Fprintf(bw, "%d %d\n", u, v)
		}
	}
	bw.Flush()
	f.Close()
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/graph:", err)
	os.Exit(1)
}

// Command profile measures where the time of a tfnids training step goes:
// the Go side (gathering the batch, making the input tensors, graft's
// Session.Run wrapper, reading the fetched loss and accuracy, freeing) against
// TensorFlow's own time (the TF_SessionRun call, and inside it the kernels,
// from the RunMetadata step stats that tfgraph.RunTraced returns).
//
// For each model it loads the data as `tfnids train` does, takes the first
// stratified fold, scales it, builds and opens the model with the given
// thread counts, warms up, then over the same batches of one epoch measures:
//
//	fit      one Model.Fit epoch (the production loop), wall time per step
//	parts    the same per-step work taken apart: Gather, input tensors,
//	         Session.Run, reading the outputs
//	call     TF_SessionRun alone (tfgraph.RunTraced, NoTrace): TensorFlow's
//	         time for the step, cgo crossing included
//	trace    step stats (SoftwareTrace, or FullTrace with -full): the
//	         executor's span (first node start to last node end) and the sum
//	         of kernel times, per op type
//
// Go-side overhead per step = gather + input tensors + graft's wrapper
// (Session.Run − TF_SessionRun on a step that computes nothing, see
// wrapperUS) + reading and freeing the outputs. It prints a table and, with -json, writes the numbers for
// bench/results.py.
//
// For a sampling profile of the Go side use perf (bench/profile.sh), not
// runtime/pprof: Go's SIGPROF timer also interrupts libtensorflow's Eigen
// worker threads, and with it running this program died with glibc heap
// corruption ("munmap_chunk(): invalid pointer" in an Eigen tiled evaluator)
// three times out of three; perf samples without signals.
//
//	go run ./bench/profile -data /work/shared/data/cicids2017-improved -models cnn,lstm,gru
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/experiment"
	"github.com/tfnids/tfnids/tfgraph"
)

type modelResult struct {
	Model      string  `json:"model"`
	Steps      int     `json:"steps"`
	BatchSize  int     `json:"batch_size"`
	FitStepUS  float64 `json:"fit_step_us"` // Model.Fit wall time per step
	GatherUS   float64 `json:"gather_us"`   // parts: Examples.Gather
	TensorsUS  float64 `json:"tensors_us"`  // parts: NewFloat32 + NewInt32
	RunUS      float64 `json:"run_us"`      // parts: graft Session.Run
	OutputsUS  float64 `json:"outputs_us"`  // parts: Scalar32 x2 + FreeTensors
	CallUS     float64 `json:"call_us"`     // TF_SessionRun alone, untraced (interleaved with RunUS steps)
	SpanUS     float64 `json:"span_us"`     // traced: executor span
	KernelsUS  float64 `json:"kernels_us"`  // traced: sum of kernel times
	TracedCall float64 `json:"traced_call_us"`
	WrapperUS  float64 `json:"graft_wrapper_us"` // graft Run - TF_SessionRun on a step that computes nothing
	GoUS       float64 `json:"go_overhead_us"`   // gather + tensors + wrapper + outputs
	GoPctSpan  float64 `json:"go_pct_of_span"`
	GoPctKern  float64 `json:"go_pct_of_kernels"`
	SamplesPS  float64 `json:"fit_samples_per_sec"`
	TopOps     []opt   `json:"top_ops"`
	TopNodes   []opt   `json:"top_nodes"`
	Nodes      int     `json:"nodes"`
}

type opt struct {
	Op string  `json:"op"`
	US float64 `json:"us"`
}

func main() {
	data := flag.String("data", "/work/shared/data/cicids2017-improved", "training CSVs (file, directory or glob)")
	profile := flag.String("profile", "cicids2017_improved", "dataset profile")
	models := flag.String("models", "cnn,lstm,gru", "models to profile")
	batch := flag.Int("batch-size", 256, "batch size")
	threads := flag.Int("threads", 2, "TensorFlow intra-op threads")
	inter := flag.Int("inter-threads", 2, "TensorFlow inter-op threads")
	epochs := flag.Int("epochs", 2, "Fit epochs to time (the first is a warm-up when > 1)")
	traced := flag.Int("traced-steps", 60, "steps to trace")
	full := flag.Bool("full", false, "FULL_TRACE instead of SOFTWARE_TRACE")
	jsonOut := flag.String("json", "", "write the results as JSON here")
	seed := flag.Int64("seed", 42, "seed")
	nodes := flag.Bool("nodes", false, "also print the slowest nodes")
	xla := flag.Bool("xla", false, "XLA auto-clustering (global_jit_level ON_1; on a CPU also set TF_XLA_FLAGS=--tf_xla_cpu_global_jit)")
	flag.Parse()

	cfg := experiment.Defaults()
	cfg.Data, cfg.CV, cfg.Seed = strings.Split(*data, ","), "stratified", *seed
	prof, _, err := dataset.ProfileFor(*profile, cfg.Data)
	check(err)
	frame, _, err := dataset.Load(cfg.Data, dataset.LoadOptions{Profile: prof, SortByTimestamp: true, MultiClass: true})
	check(err)
	folds, err := cfg.Splitter().Split(frame.Rows, frame.Labels)
	check(err)
	trainF := frame.Subset(folds[0].Train)
	sc := dataset.FitMinMax(trainF.X, trainF.Rows, trainF.Features)
	sc.Transform(trainF.X, trainF.Rows)

	level := tfgraph.SoftwareTrace
	if *full {
		level = tfgraph.FullTrace
	}
	var results []modelResult
	for _, kind := range strings.Split(*models, ",") {
		var ex builders.Examples = dataset.NewRows(trainF.X, trainF.Rows, trainF.Features, trainF.Labels)
		if kind == "lstm" || kind == "gru" {
			ex, err = dataset.NewWindows(trainF.X, trainF.Rows, trainF.Features, trainF.Labels, 3)
			check(err)
		}
		mc := builders.Config{Model: kind, Features: frame.Features, Classes: len(frame.ClassNames), Seed: *seed + 1}
		m, err := builders.Build(mc)
		check(err)
		check(m.Open(tfgraph.SessionConfig{IntraOpThreads: *threads, InterOpThreads: *inter, XLA: *xla}))
		r := profileModel(m, ex, kind, *batch, *epochs, *traced, level)
		m.Close()
		results = append(results, r)
		runtime.GC()
	}

	fmt.Printf("\nper training step, µs (batch %d, %d intra / %d inter threads, %s)\n", *batch, *threads, *inter, level)
	fmt.Printf("%-5s %7s %7s %7s %7s %7s | %7s %7s %7s %7s %7s | %7s %7s\n", "model", "fit", "Run", "call", "span",
		"kernels", "gather", "tensors", "wrapper", "outputs", "Go", "Go/span", "Go/kern")
	for _, r := range results {
		fmt.Printf("%-5s %7.0f %7.0f %7.0f %7.0f %7.0f | %7.1f %7.1f %7.1f %7.1f %7.1f | %6.2f%% %6.2f%%\n", r.Model,
			r.FitStepUS, r.RunUS, r.CallUS, r.SpanUS, r.KernelsUS, r.GatherUS, r.TensorsUS, r.WrapperUS, r.OutputsUS,
			r.GoUS, r.GoPctSpan, r.GoPctKern)
	}
	for _, r := range results {
		fmt.Printf("\n%s: top kernels per step (µs):", r.Model)
		for _, o := range r.TopOps {
			fmt.Printf(" %s %.0f;", o.Op, o.US)
		}
		fmt.Println()
		if *nodes {
			fmt.Printf("%s: top nodes per step (µs):", r.Model)
			for _, o := range r.TopNodes {
				fmt.Printf(" %s %.0f;", o.Op, o.US)
			}
			fmt.Println()
		}
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(map[string]any{"tensorflow": tf.Version(), "threads": *threads,
			"inter_threads": *inter, "trace_level": level.String(), "models": results}, "", " ")
		check(err)
		check(os.WriteFile(*jsonOut, b, 0o644))
	}
}

func profileModel(m *builders.Model, ex builders.Examples, kind string, bs, epochs, tracedSteps int, level tfgraph.TraceLevel) modelResult {
	n := ex.Len()
	batches := (n + bs - 1) / bs
	res := modelResult{Model: kind, Steps: batches, BatchSize: bs}

	// 1. The production loop: Fit. The first epoch warms up (executor
	// creation, allocator pools) when more than one is asked for.
	if epochs > 1 {
		_, err := m.Fit(ex, builders.FitOptions{Epochs: 1, BatchSize: bs, Shuffle: true, Seed: 1})
		check(err)
		epochs--
	}
	h, err := m.Fit(ex, builders.FitOptions{Epochs: epochs, BatchSize: bs, Shuffle: true, Seed: 2})
	check(err)
	var secs float64
	for _, e := range h.Epochs {
		secs += e.Seconds
	}
	res.FitStepUS = secs * 1e6 / float64(batches*len(h.Epochs))
	res.SamplesPS = float64(n*len(h.Epochs)) / secs

	// The batches of one shuffled epoch, reused by every measurement below.
	per := 1
	for _, d := range ex.Shape() {
		per *= d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	rand.New(rand.NewPCG(3, 3)).Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	x, y := make([]float32, bs*per), make([]int32, bs)
	shape := func(k int) []int64 {
		s := []int64{int64(k)}
		for _, d := range ex.Shape() {
			s = append(s, int64(d))
		}
		return s
	}
	fetches := []tf.Output{m.Loss, m.Accuracy}
	targets := []*tf.Operation{m.Step}
	sess := m.Session()

	// 2. The same work taken apart (what builders' runBatch does), every
	// other step through tfgraph.RunTraced(NoTrace) instead of graft's Run:
	// the difference of the two means is graft's wrapper, measured under
	// the same load.
	var tGather, tTensors, tRun, tCall, tOut time.Duration
	var nRun, nCall int
	step := func(b int, raw bool) {
		bb := b % batches
		lo, hi := bb*bs, min((bb+1)*bs, n)
		k := hi - lo
		t0 := time.Now()
		ex.Gather(idx[lo:hi], x[:k*per], y[:k])
		t1 := time.Now()
		xt, err := tfgraph.NewFloat32(x[:k*per], shape(k)...)
		check(err)
		yt, err := tfgraph.NewInt32(y[:k], int64(k))
		check(err)
		t2 := time.Now()
		var out []*tf.Tensor
		if raw {
			r, err := tfgraph.RunTraced(sess, map[tf.Output]*tf.Tensor{m.X: xt, m.Y: yt}, fetches, targets, tfgraph.NoTrace)
			check(err)
			out = r.Outputs
			tCall += r.Call
			nCall++
		} else {
			out, err = sess.Run(map[tf.Output]*tf.Tensor{m.X: xt, m.Y: yt}, fetches, targets)
			check(err)
		}
		t3 := time.Now()
		tfgraph.FreeTensors(xt, yt)
		_, err = tfgraph.Scalar32(out[0])
		check(err)
		_, err = tfgraph.Scalar32(out[1])
		check(err)
		tfgraph.FreeTensors(out...)
		t4 := time.Now()
		if !raw {
			tGather += t1.Sub(t0)
			tTensors += t2.Sub(t1)
			tRun += t3.Sub(t2)
			tOut += t4.Sub(t3)
			nRun++
		}
	}
	for b := 0; b < 6; b++ { // a new feed order may build a new executor: warm it
		step(b, true)
	}
	for b := 0; b < 2*batches; b++ {
		step(b, b%2 == 1)
	}
	us := func(d time.Duration, steps int) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(steps) }
	res.GatherUS, res.TensorsUS, res.RunUS, res.OutputsUS = us(tGather, nRun), us(tTensors, nRun), us(tRun, nRun), us(tOut, nRun)
	res.CallUS = us(tCall, nCall)

	// 3. Traced steps: the executor's span and the kernel times.
	runC := func(steps int, lvl tfgraph.TraceLevel, each func(*tfgraph.TracedRun)) time.Duration {
		var call time.Duration
		for b := 0; b < steps; b++ {
			bb := b % batches
			lo, hi := bb*bs, min((bb+1)*bs, n)
			k := hi - lo
			ex.Gather(idx[lo:hi], x[:k*per], y[:k])
			xt, err := tfgraph.NewFloat32(x[:k*per], shape(k)...)
			check(err)
			yt, err := tfgraph.NewInt32(y[:k], int64(k))
			check(err)
			r, err := tfgraph.RunTraced(sess, map[tf.Output]*tf.Tensor{m.X: xt, m.Y: yt}, fetches, targets, lvl)
			check(err)
			tfgraph.FreeTensors(xt, yt)
			tfgraph.FreeTensors(r.Outputs...)
			call += r.Call
			if each != nil {
				each(r)
			}
		}
		return call
	}

	var span, kern time.Duration
	byOp, byNode := map[string]time.Duration{}, map[string]time.Duration{}
	runC(3, level, nil)
	tracedCall := runC(tracedSteps, level, func(r *tfgraph.TracedRun) {
		st := tfgraph.SummarizeStepStats(r.Metadata.GetStepStats())
		span += st.Span
		kern += st.Kernels
		res.Nodes = st.Nodes
		for k, v := range st.ByOp {
			byOp[k] += v
		}
		for k, v := range st.ByNode {
			byNode[k] += v
		}
	})
	res.SpanUS, res.KernelsUS, res.TracedCall = us(span, tracedSteps), us(kern, tracedSteps), us(tracedCall, tracedSteps)
	for k, v := range byOp {
		res.TopOps = append(res.TopOps, opt{k, us(v, tracedSteps)})
	}
	for k, v := range byNode {
		res.TopNodes = append(res.TopNodes, opt{k, us(v, tracedSteps)})
	}
	for _, l := range []*[]opt{&res.TopOps, &res.TopNodes} {
		sort.Slice(*l, func(i, j int) bool { return (*l)[i].US > (*l)[j].US })
		if len(*l) > 20 {
			*l = (*l)[:20]
		}
	}
	// Go-side overhead: everything of a production step but TensorFlow's
	// call — batch gather, input tensors, graft's wrapper around the call,
	// reading and freeing the outputs.
	res.WrapperUS = wrapperUS(m, x[:bs*per], y[:bs], shape(bs))
	res.GoUS = res.GatherUS + res.TensorsUS + res.WrapperUS + res.OutputsUS
	res.GoPctSpan = 100 * res.GoUS / res.SpanUS
	res.GoPctKern = 100 * res.GoUS / res.KernelsUS
	return res
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

// wrapperUS measures what graft's Session.Run adds around TF_SessionRun
// (argument conversion, feed sorting, result wrapping) for a step with the
// training step's feeds (a full batch of x and y) and two fetches. The
// fetches are two Identity ops of the fed y added for the purpose, so
// TensorFlow computes next to nothing and the difference between graft's Run and the bare C call (tfgraph.RunTraced's
// Call) is the wrapper alone, free of the noise of kernel times; the two are
// interleaved over many calls.
func wrapperUS(m *builders.Model, x []float32, y []int32, shape []int64) float64 {
	xt, err := tfgraph.NewFloat32(x, shape...)
	check(err)
	yt, err := tfgraph.NewInt32(y, int64(len(y)))
	check(err)
	defer tfgraph.FreeTensors(xt, yt)
	feeds := map[tf.Output]*tf.Tensor{m.X: xt, m.Y: yt}
	var fetches []tf.Output
	for _, name := range []string{"bench_wrapper_a", "bench_wrapper_b"} {
		o := m.Builder.Graph.Operation(name)
		if o == nil {
			o = m.Builder.AddOp(tf.OpSpec{Type: "Identity", Name: name, Input: []tf.Input{m.Y}})
		}
		if o == nil {
			check(m.Builder.Err())
		}
		fetches = append(fetches, o.Output(0))
	}
	sess := m.Session()
	const n = 3000
	var run, call time.Duration
	for i := 0; i < n+100; i++ {
		t0 := time.Now()
		out, err := sess.Run(feeds, fetches, nil)
		d := time.Since(t0)
		check(err)
		tfgraph.FreeTensors(out...)
		r, err := tfgraph.RunTraced(sess, feeds, fetches, nil, tfgraph.NoTrace)
		check(err)
		tfgraph.FreeTensors(r.Outputs...)
		if i >= 100 { // warm-up: executor creation for both feed orders
			run += d
			call += r.Call
		}
	}
	return float64((run - call).Nanoseconds()) / 1e3 / n
}

package main

import (
	"flag"
	"fmt"
	"sync"
	"syscall"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/internal/npy"
	"github.com/tfnids/tfnids/tfgraph"
)

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runcost times session runs of the serving signature in-process, without
// HTTP, JSON or gRPC: for each rows-per-run size, callers goroutines call
// Run back to back for the duration. Single-row runs from 32 callers
// against 32-row runs from 2 are what the server does at 32 clients with
// batching off and on, so their rows/s ratio bounds what batching can give.
func runcost(args []string) error {
	fs := flag.NewFlagSet("runcost", flag.ExitOnError)
	model := fs.String("model", "", "SavedModel version directory")
	inputs := fs.String("inputs", "", "inputs.npy (raw examples)")
	sizes := fs.String("rows", "1,8,32,64", "rows per run (comma-separated)")
	callersList := fs.String("callers", "1", "concurrent callers per size (comma-separated, one per size or one for all)")
	dur := fs.Duration("duration", 2*time.Second, "measured time per size")
	threads := fs.Int("threads", 0, "TensorFlow intra-op threads")
	inter := fs.Int("inter", 0, "TensorFlow inter-op threads")
	fs.Parse(args)
	x, shape, err := npy.ReadFile(*inputs)
	if err != nil {
		return err
	}
	p, err := tfgraph.LoadPredictor(*model, nil, tfgraph.SessionConfig{IntraOpThreads: *threads, InterOpThreads: *inter})
	if err != nil {
		return err
	}
	defer p.Close()
	per := len(x) / shape[0]
	rowsList, callers := splitInts(*sizes), splitInts(*callersList)
	fmt.Printf("intra-op threads %d, inter-op threads %d\n", *threads, *inter)
	fmt.Printf("%-6s %-7s %8s %10s %12s %12s %12s\n", "rows", "callers", "runs", "rows/s", "wall µs/run", "CPU µs/run", "CPU µs/row")
	for k, rows := range rowsList {
		c := callers[min(k, len(callers)-1)]
		sh := []int64{int64(rows)}
		for _, d := range shape[1:] {
			sh = append(sh, int64(d))
		}
		xt, err := tfgraph.NewFloat32(x[:rows*per], sh...)
		if err != nil {
			return err
		}
		feeds := map[string]*tf.Tensor{"x": xt}
		var mu sync.Mutex
		var firstErr error
		loop := func(until time.Time, count *int) {
			for time.Now().Before(until) {
				out, err := p.Run("", feeds)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				out.Free()
				*count++
			}
		}
		spread := func(d time.Duration) int {
			var wg sync.WaitGroup
			counts := make([]int, c)
			until := time.Now().Add(d)
			for i := range c {
				wg.Add(1)
				go func() { defer wg.Done(); loop(until, &counts[i]) }()
			}
			wg.Wait()
			n := 0
			for _, v := range counts {
				n += v
			}
			return n
		}
		spread(*dur / 4) // warm up
		c0, t0 := cpuTime(), time.Now()
		n := spread(*dur)
		wall, cpu := time.Since(t0), cpuTime()-c0
		tfgraph.FreeTensors(xt)
		if firstErr != nil {
			return firstErr
		}
		fmt.Printf("%-6d %-7d %8d %10.0f %12.1f %12.1f %12.2f\n", rows, c, n, float64(n*rows)/wall.Seconds(),
			float64(wall.Microseconds())*float64(c)/float64(n), float64(cpu.Microseconds())/float64(n), float64(cpu.Microseconds())/float64(n*rows))
	}
	return nil
}

// Command load is the Go side of the dataset benchmark: tfnids' load, clean
// (drop rows with ±Infinity/NaN/empty cells, drop duplicates ignoring
// Timestamp and Flow ID), stable time sort, factorize, and MinMax scaling
// of one CSV, timed step by step. pandas_bench.py does the same with pandas
// and scikit-learn.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/tfnids/tfnids/dataset"
)

func main() {
	profile := flag.String("profile", "bench/dataset/profile.yaml", "profile name or file")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err)
		}
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: load [-profile P] FILE.csv")
		os.Exit(2)
	}
	t0 := time.Now()
	prof, _, err := dataset.ProfileFor(*profile, flag.Args())
	if err != nil {
		fail(err)
	}
	f, rep, err := dataset.Load([]string{flag.Arg(0)}, dataset.LoadOptions{
		Profile: prof, Dedupe: true, SortByTimestamp: true, MultiClass: true,
	})
	if err != nil {
		fail(err)
	}
	t1 := time.Now()
	s := dataset.FitMinMax(f.X, f.Rows, f.Features)
	s.Transform(f.X, f.Rows)
	t2 := time.Now()
	fmt.Printf("go:     read %d rows, dropped %d bad + %d duplicates, kept %d x %d features, %d classes\n",
		rep.RowsRead, rep.DroppedBadValues, rep.DroppedDuplicates, f.Rows, f.Features, len(f.ClassNames))
	fmt.Printf("go:     load+clean+sort+factorize %.2fs, minmax fit+transform %.2fs, total %.2fs\n",
		t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t2.Sub(t0).Seconds())
	fmt.Printf("go:     checksum first row %v, labels[0..4] %v\n", f.X[:3], f.Labels[:5])
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

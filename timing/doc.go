// Package timing records where a run's time goes: named stages (reading the
// data, scaling a fold, fitting a model, ...), each optionally tied to a fold
// and a model, and their totals per name.
//
// A Recorder collects stages from any goroutine; the train command stores
// them in the results file ("timings") and prints their totals at the end,
// predict prints its own. A nil *Recorder records nothing, so code that
// times its steps needs no check.
//
//	var rec timing.Recorder
//	t0 := time.Now()
//	frame, rep, err := dataset.Load(paths, opts)
//	rec.Since("load", t0)
//	...
//	fmt.Println(timing.Format(timing.Totals(rec.Stages())))
package timing

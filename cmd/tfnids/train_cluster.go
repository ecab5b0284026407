package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/cluster"
	"github.com/tfnids/tfnids/experiment"
)

// trainCluster applies train's --cluster, --strategy and --cluster-timeout
// to cfg: the slots (and towers) of the strategy, after checking that every
// task the run needs answers. A bad spec and an unreachable worker are
// exit code 2, the caller's to fix, before any data is read.
func trainCluster(c *cli.Context, cfg *experiment.Config) error {
	text := c.String("cluster")
	strategy := strings.ToLower(strings.TrimSpace(c.String("strategy")))
	if text == "" {
		if c.IsSet("strategy") || c.IsSet("cluster-timeout") {
			return usageErr("--strategy and --cluster-timeout need --cluster")
		}
		return nil
	}
	if strategy != cluster.Folds && strategy != cluster.Replicas {
		return usageErr("--strategy: unknown value %q (folds or replicas)", c.String("strategy"))
	}
	if c.Duration("cluster-timeout") <= 0 {
		return usageErr("--cluster-timeout: %v; must be > 0", c.Duration("cluster-timeout"))
	}
	spec, err := cluster.Parse(text)
	if err != nil {
		return usageErr("--cluster: %v", err)
	}
	opts := cluster.Options{Timeout: c.Duration("cluster-timeout"), Threads: cfg.Threads, InterThreads: cfg.InterThreads}
	if err := cluster.Configure(cfg, spec, strategy, opts); err != nil {
		return usageErr("--cluster: %v", err)
	}
	devs, err := cluster.Check(c.Context, cluster.TrainTasks(spec, strategy), opts.Timeout)
	var unreachable *cluster.UnreachableError
	switch {
	case errors.As(err, &unreachable):
		return usageErr("--cluster: %v", err)
	case errors.Is(err, context.Canceled):
		return cli.Exit("interrupted", exitInterrupt)
	case err != nil:
		return err
	}
	if !c.Bool("quiet") {
		for _, t := range cluster.TrainTasks(spec, strategy) {
			fmt.Fprintf(c.App.ErrWriter, "cluster: %s at %s: %d device(s)\n", t.Name(), t.Addr, len(devs[t.Name()]))
		}
		fmt.Fprintf(c.App.ErrWriter, "cluster: strategy %s over %d worker(s)\n", strategy, len(spec.JobTasks("worker")))
	}
	return nil
}

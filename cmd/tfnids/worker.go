package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/cluster"
	"github.com/tfnids/tfnids/tfserver"
)

func init() {
	register(&cli.Command{
		Name:      "worker",
		Usage:     "serve one task of a TensorFlow cluster for `tfnids train --cluster`",
		UsageText: "tfnids worker --cluster " + cluster.Usage + " --job worker --task N [--threads N] [--listen ADDR]",
		Description: `Starts TensorFlow's own distributed runtime in this process: a gRPC server (master and
worker service) for task N of the job, from a ServerDef built from --cluster. Start one
worker per address in --cluster, every one with the same --cluster, then run
` + "`tfnids train --cluster <same spec>`" + ` from any machine that reaches them (see docs/cluster.md).

The worker logs its target and the devices it exposes, then serves until SIGTERM or
SIGINT. TensorFlow's gRPC server cannot be shut down inside a process, so on either
signal the worker exits (status 0); a train client retries the pairs that were running
on it on its other workers, from their last checkpoints.

--threads N sizes the task's thread pools (intra-op and inter-op) to N; with
` + "`taskset -c K`" + ` it pins a worker to one core. The server listens on the loopback
address when the task's host in --cluster is loopback (localhost, 127.x.x.x, ::1), else
on every interface; --listen ADDR picks the address (an IP, or "all").

Exit codes: 0 stopped by a signal, 1 the server failed (port in use, ...), 2 bad flags.

Example (two machines):
  h1$ tfnids worker --cluster worker=h1:2222,h2:2222 --job worker --task 0
  h2$ tfnids worker --cluster worker=h1:2222,h2:2222 --job worker --task 1`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cluster", Required: true, Usage: "the cluster: " + cluster.Usage + " (the same on every task and the client)"},
			&cli.StringFlag{Name: "job", Value: "worker", Usage: "this task's job: worker, or ps for a parameter server"},
			&cli.IntFlag{Name: "task", Required: true, Usage: "this task's index in its job (0 for the first address)"},
			&cli.IntFlag{Name: "threads", Usage: "intra-op and inter-op threads of this task (0: TensorFlow's default, one per core)"},
			&cli.StringFlag{Name: "listen", Usage: "address to listen on: an IP address, or all (default: loopback for a loopback host in --cluster, else all)"},
		},
		Action: workerAction,
	})
}

func workerAction(c *cli.Context) error {
	spec, err := cluster.Parse(c.String("cluster"))
	if err != nil {
		return usageErr("--cluster: %v", err)
	}
	task, err := spec.Task(c.String("job"), c.Int("task"))
	if err != nil {
		return usageErr("--job/--task: %v", err)
	}
	if c.Int("threads") < 0 {
		return usageErr("--threads: %d; must be >= 0", c.Int("threads"))
	}
	listen := cluster.ListenAddress(task.Addr)
	switch l := c.String("listen"); {
	case l == "all":
		listen = ""
	case l != "":
		if net.ParseIP(l) == nil {
			return usageErr("--listen: %q is not an IP address (or all)", l)
		}
		listen = l
	}
	def, err := spec.ServerDef(task.Job, task.Index, c.Int("threads"))
	if err != nil {
		return usageErr("%v", err)
	}
	srv, err := tfserver.NewServer(def, tfserver.ServerOptions{Listen: listen})
	if err != nil {
		return fmt.Errorf("%s: %w", task.Name(), err)
	}
	if err := srv.Start(); err != nil {
		srv.Close()
		return fmt.Errorf("%s: %w", task.Name(), err)
	}
	// From here on the server cannot be deleted (TensorFlow's gRPC server
	// aborts the process when destroyed while running): it ends with the
	// process.
	where := "every interface"
	if listen != "" {
		_, port, _ := net.SplitHostPort(task.Addr)
		where = net.JoinHostPort(listen, port) + " only"
	}
	w := c.App.Writer
	fmt.Fprintf(w, "worker %s: serving at %s (listening on %s)\n", task.Name(), srv.Target(), where)

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	devs, err := cluster.ListDevices(ctx, task, 30*time.Second)
	switch {
	case errors.Is(err, context.Canceled):
	case err != nil:
		fmt.Fprintf(c.App.ErrWriter, "worker %s: warning: could not list its own devices: %v\n", task.Name(), err)
	default:
		for _, d := range devs {
			fmt.Fprintf(w, "worker %s: device %s (%s)\n", task.Name(), d.Name, d.Type)
		}
	}
	fmt.Fprintf(w, "worker %s: ready; stop with SIGTERM or Ctrl-C\n", task.Name())
	<-ctx.Done()
	fmt.Fprintf(w, "worker %s: stopping on a signal; sessions still running on this task fail and their clients retry elsewhere\n", task.Name())
	return nil
}

package cluster

import (
	"fmt"
	"strings"
	"time"

	"github.com/tfnids/tfnids/experiment"
	"github.com/tfnids/tfnids/tfgraph"
)

// Strategies `tfnids train --strategy` accepts.
const (
	// Folds trains whole (fold, model) pairs in parallel, one per worker
	// task at a time.
	Folds = "folds"
	// Replicas trains one pair at a time with in-graph replication: a
	// tower per worker task, variables on task 0 of job ps (or of job
	// worker without one).
	Replicas = "replicas"
)

// Options are the client's settings for its sessions on the cluster.
type Options struct {
	// Timeout bounds every call to a worker (DefaultTimeout if 0).
	Timeout time.Duration
	// Threads and InterThreads are passed on in the sessions' ConfigProto;
	// the workers' own --threads size their thread pools.
	Threads, InterThreads int
}

func (o Options) session(t Task) tfgraph.SessionConfig {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return tfgraph.SessionConfig{
		Target: t.Target(), OperationTimeout: timeout, IsolateSessionState: true,
		IntraOpThreads: o.Threads, InterOpThreads: o.InterThreads,
	}
}

// Slots returns one slot per task of job "worker" for --strategy folds: the
// pair's model is pinned to the task's CPU and its session runs on the
// task's own server, limited to that task (so one worker's death does not
// stall the others' sessions).
func Slots(s *Spec, o Options) ([]experiment.Slot, error) {
	workers := s.JobTasks("worker")
	if len(workers) == 0 {
		return nil, fmt.Errorf("the cluster has no job \"worker\"; want %s", Usage)
	}
	out := make([]experiment.Slot, len(workers))
	for i, t := range workers {
		sc := o.session(t)
		sc.DeviceFilters = []string{t.Name()}
		out[i] = experiment.Slot{Name: t.Name(), Device: t.Device(), Session: sc}
	}
	return out, nil
}

// ReplicaSlot returns the single slot of --strategy replicas and the tower
// devices, one per task of job "worker". The variables, the Adam update and
// the inference pass live on task 0 of job "ps" if the spec has one, else
// on worker task 0; the client's session runs on worker task 0's server,
// which drives the others.
func ReplicaSlot(s *Spec, o Options) (experiment.Slot, []string, error) {
	workers := s.JobTasks("worker")
	if len(workers) == 0 {
		return experiment.Slot{}, nil, fmt.Errorf("the cluster has no job \"worker\"; want %s", Usage)
	}
	vars := workers[0]
	if ps := s.JobTasks("ps"); len(ps) > 0 {
		vars = ps[0]
	}
	towers := make([]string, len(workers))
	names := make([]string, len(workers))
	for i, t := range workers {
		towers[i], names[i] = t.Device(), t.Name()
	}
	name := "replicas " + strings.Join(names, ",")
	if vars.Job != "worker" {
		name += ", variables " + vars.Name()
	}
	return experiment.Slot{Name: name, Device: vars.Device(), Session: o.session(workers[0])}, towers, nil
}

// Configure sets cfg up to train on the cluster with strategy (Folds or
// Replicas): cfg.Slots, and cfg.Towers for Replicas.
func Configure(cfg *experiment.Config, s *Spec, strategy string, o Options) error {
	switch strategy {
	case Folds, "":
		slots, err := Slots(s, o)
		if err != nil {
			return err
		}
		cfg.Slots, cfg.Towers = slots, nil
	case Replicas:
		slot, towers, err := ReplicaSlot(s, o)
		if err != nil {
			return err
		}
		cfg.Slots, cfg.Towers = []experiment.Slot{slot}, towers
	default:
		return fmt.Errorf("unknown strategy %q (folds or replicas)", strategy)
	}
	return nil
}

// TrainTasks are the tasks a training run with strategy talks to, which
// Check must find answering: every worker, and for Replicas the ps tasks.
func TrainTasks(s *Spec, strategy string) []Task {
	tasks := s.JobTasks("worker")
	if strategy == Replicas {
		tasks = append(tasks, s.JobTasks("ps")...)
	}
	return tasks
}

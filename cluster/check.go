package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/tfgraph"
)

// DefaultTimeout bounds the start-up check of each task and, in training,
// every call a client makes to a worker: a call to a worker that died
// fails after this long instead of waiting for it forever.
const DefaultTimeout = time.Minute

// UnreachableError reports the tasks that did not answer at start.
type UnreachableError struct {
	Tasks []TaskError
}

// TaskError is one task's failure.
type TaskError struct {
	Task Task
	Err  error
}

func (e *UnreachableError) Error() string {
	parts := make([]string, len(e.Tasks))
	for i, t := range e.Tasks {
		parts[i] = fmt.Sprintf("%s at %s is unreachable: %v", t.Task.Name(), t.Task.Addr, t.Err)
	}
	hint := "; start it with `tfnids worker --cluster SPEC --job JOB --task N` (the same SPEC everywhere) or fix --cluster"
	return strings.Join(parts, "; ") + hint
}

// Check makes sure every task answers: a TCP connection to its address
// (within a few seconds), then a TensorFlow session on the task that lists
// its devices (within timeout; 0 means DefaultTimeout). A task that answers
// as another task (started with another spec or --task) counts as
// unreachable. It returns each task's devices, by task name.
func Check(ctx context.Context, tasks []Task, timeout time.Duration) (map[string][]tf.Device, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		devices = map[string][]tf.Device{}
		failed  []TaskError
	)
	for _, t := range tasks {
		wg.Add(1)
		go func(t Task) {
			defer wg.Done()
			devs, err := checkTask(ctx, t, timeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, TaskError{Task: t, Err: err})
				return
			}
			devices[t.Name()] = devs
		}(t)
	}
	wg.Wait()
	if len(failed) > 0 {
		sort.Slice(failed, func(i, j int) bool {
			a, b := failed[i].Task, failed[j].Task
			return a.Job < b.Job || (a.Job == b.Job && a.Index < b.Index)
		})
		return devices, &UnreachableError{Tasks: failed}
	}
	return devices, nil
}

func checkTask(ctx context.Context, t Task, timeout time.Duration) ([]tf.Device, error) {
	dial := min(timeout, 5*time.Second)
	d := net.Dialer{Timeout: dial}
	dctx, cancel := context.WithTimeout(ctx, dial)
	defer cancel()
	c, err := d.DialContext(dctx, "tcp", t.Addr)
	if err != nil {
		return nil, err
	}
	c.Close()
	devs, err := ListDevices(ctx, t, timeout)
	if err != nil {
		return nil, err
	}
	want := t.Device()
	prefix := want[:strings.LastIndex(want, "/device:")+1]
	var names []string
	for _, dv := range devs {
		if strings.HasPrefix(dv.Name, prefix) {
			return devs, nil
		}
		names = append(names, dv.Name)
	}
	return nil, fmt.Errorf("it answers, but not as %s (its devices: %s); was it started with this --cluster spec and --task %d?",
		t.Name(), strings.Join(names, ", "), t.Index)
}

// ErrTimeout is returned by ListDevices when the task does not answer in
// time.
var ErrTimeout = errors.New("no answer in time")

// ListDevices lists the devices of one task through a session on its
// server, limited to that task, within timeout.
func ListDevices(ctx context.Context, t Task, timeout time.Duration) ([]tf.Device, error) {
	type result struct {
		devs []tf.Device
		err  error
	}
	done := make(chan result, 1)
	go func() {
		sess, err := tfgraph.NewSession(tf.NewGraph(), tfgraph.SessionConfig{
			Target: t.Target(), DeviceFilters: []string{t.Name()}, OperationTimeout: timeout, IsolateSessionState: true,
		})
		if err != nil {
			done <- result{err: err}
			return
		}
		devs, err := sess.ListDevices()
		// Closing does not wait for the answer: a task that hangs would
		// hold the check for another timeout.
		go sess.Close()
		done <- result{devs, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			msg := r.err.Error()
			if i := strings.Index(msg, "\n"); i > 0 {
				msg = msg[:i]
			}
			return nil, fmt.Errorf("listing its TensorFlow devices: %s", msg)
		}
		return r.devs, nil
	case <-time.After(timeout + time.Second):
		return nil, fmt.Errorf("listing its TensorFlow devices: %w after %v", ErrTimeout, timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

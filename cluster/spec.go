// Package cluster describes a TensorFlow cluster for tfnids: the
// `--cluster worker=h1:2222,h2:2222[,ps=h3:2222]` spec, the ServerDef a
// `tfnids worker` task starts its in-process server from, a reachability
// check of every task, and the slots `tfnids train --cluster` spreads its
// (fold, model) pairs over.
//
// Tasks are TensorFlow's: task k of job "worker" is "/job:worker/task:k",
// its CPU is "/job:worker/replica:0/task:k/device:CPU:0" and a session
// reaches it at "grpc://host:port". Every task must be started with the same
// spec.
package cluster

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
)

// Spec is a parsed cluster spec: jobs in the order given, each a list of
// task addresses (task k is the k-th address).
type Spec struct {
	Jobs []Job
}

// Job is one job of the cluster.
type Job struct {
	Name  string
	Addrs []string // "host:port", task index order
}

// Task is one task of the cluster.
type Task struct {
	Job   string
	Index int
	Addr  string // host:port
}

// Name is TensorFlow's name of the task, "/job:worker/task:1".
func (t Task) Name() string { return fmt.Sprintf("/job:%s/task:%d", t.Job, t.Index) }

// Device is the task's CPU device, "/job:worker/replica:0/task:1/device:CPU:0".
func (t Task) Device() string {
	return fmt.Sprintf("/job:%s/replica:0/task:%d/device:CPU:0", t.Job, t.Index)
}

// Target is the session target of the task's server, "grpc://host:port".
func (t Task) Target() string { return "grpc://" + t.Addr }

// String names the task with its address: "/job:worker/task:1 (h2:2222)".
func (t Task) String() string { return fmt.Sprintf("%s (%s)", t.Name(), t.Addr) }

var jobName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Usage is the spec's syntax, for error messages and help texts.
const Usage = "worker=HOST:PORT[,HOST:PORT...][,ps=HOST:PORT...]"

// Parse reads a spec such as "worker=h1:2222,h2:2222,ps=h3:2222": a job
// name, "=", its first task's address, then further addresses of the same
// job, until the next "name=". Errors name the part that is wrong.
func Parse(text string) (*Spec, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("empty cluster spec; want %s", Usage)
	}
	s := &Spec{}
	var cur *Job
	seen := map[string]string{} // address -> task name
	for i, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("empty entry %d in %q (two commas in a row?); want %s", i+1, text, Usage)
		}
		if name, addr, ok := strings.Cut(item, "="); ok {
			name, addr = strings.TrimSpace(name), strings.TrimSpace(addr)
			if !jobName.MatchString(name) {
				return nil, fmt.Errorf("job name %q in %q: use a letter, then letters, digits or _ (e.g. worker, ps)", name, item)
			}
			if s.Job(name) != nil {
				return nil, fmt.Errorf("job %q appears twice; list all of its addresses after one %s=", name, name)
			}
			s.Jobs = append(s.Jobs, Job{Name: name})
			cur = &s.Jobs[len(s.Jobs)-1]
			if addr == "" {
				return nil, fmt.Errorf("job %q has no address after %q; want %s=HOST:PORT", name, item, name)
			}
			item = addr
		} else if cur == nil {
			return nil, fmt.Errorf("%q comes before any job name; write worker=%s", item, item)
		}
		task := fmt.Sprintf("/job:%s/task:%d", cur.Name, len(cur.Addrs))
		if err := checkAddr(item); err != nil {
			return nil, fmt.Errorf("%q (%s): %v", item, task, err)
		}
		if other, dup := seen[item]; dup {
			return nil, fmt.Errorf("address %q is given twice (%s and %s); every task needs a port of its own", item, other, task)
		}
		seen[item] = task
		cur.Addrs = append(cur.Addrs, item)
	}
	return s, nil
}

func checkAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("not HOST:PORT")
	}
	if host == "" {
		return fmt.Errorf("no host before the port")
	}
	if strings.ContainsAny(host, " /=") {
		return fmt.Errorf("host %q is not a host name or IP address", host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}

// Job returns the named job, or nil.
func (s *Spec) Job(name string) *Job {
	for i := range s.Jobs {
		if s.Jobs[i].Name == name {
			return &s.Jobs[i]
		}
	}
	return nil
}

// Tasks returns every task, job by job.
func (s *Spec) Tasks() []Task {
	var out []Task
	for _, j := range s.Jobs {
		out = append(out, j.tasks()...)
	}
	return out
}

func (j Job) tasks() []Task {
	out := make([]Task, len(j.Addrs))
	for i, a := range j.Addrs {
		out[i] = Task{Job: j.Name, Index: i, Addr: a}
	}
	return out
}

// JobTasks returns the tasks of job name (nil if there is no such job).
func (s *Spec) JobTasks(name string) []Task {
	if j := s.Job(name); j != nil {
		return j.tasks()
	}
	return nil
}

// Task returns task index of job, or an error naming what exists.
func (s *Spec) Task(job string, index int) (Task, error) {
	j := s.Job(job)
	if j == nil {
		names := make([]string, len(s.Jobs))
		for i, jj := range s.Jobs {
			names[i] = jj.Name
		}
		return Task{}, fmt.Errorf("the cluster has no job %q (it has: %s)", job, strings.Join(names, ", "))
	}
	if index < 0 || index >= len(j.Addrs) {
		return Task{}, fmt.Errorf("job %q has tasks 0 to %d; there is no task %d", job, len(j.Addrs)-1, index)
	}
	return Task{Job: job, Index: index, Addr: j.Addrs[index]}, nil
}

// String returns the spec in the syntax Parse reads.
func (s *Spec) String() string {
	parts := make([]string, len(s.Jobs))
	for i, j := range s.Jobs {
		parts[i] = j.Name + "=" + strings.Join(j.Addrs, ",")
	}
	return strings.Join(parts, ",")
}

// ClusterDef is the spec as TensorFlow's ClusterDef proto.
func (s *Spec) ClusterDef() *corepb.ClusterDef {
	c := &corepb.ClusterDef{}
	for _, j := range s.Jobs {
		tasks := map[int32]string{}
		for i, a := range j.Addrs {
			tasks[int32(i)] = a
		}
		c.Job = append(c.Job, &corepb.JobDef{Name: j.Name, Tasks: tasks})
	}
	return c
}

// ServerDef is the ServerDef of one task's server: the whole cluster, the
// task's job and index, the gRPC protocol, and (threads > 0) thread pools of
// that size for the task's devices and executor, so `--threads 1` makes a
// worker use one core.
func (s *Spec) ServerDef(job string, index, threads int) (*corepb.ServerDef, error) {
	if _, err := s.Task(job, index); err != nil {
		return nil, err
	}
	if threads < 0 {
		return nil, fmt.Errorf("threads must be >= 0 (got %d)", threads)
	}
	def := &corepb.ServerDef{Cluster: s.ClusterDef(), JobName: job, TaskIndex: int32(index), Protocol: "grpc"}
	if threads > 0 {
		def.DefaultSessionConfig = &corepb.ConfigProto{
			IntraOpParallelismThreads: int32(threads),
			InterOpParallelismThreads: int32(threads),
		}
	}
	return def, nil
}

// ListenAddress is the address a task's server listens on by default: the
// loopback address when the task's host is a loopback name or address
// (localhost, 127.x.x.x, ::1), so a single-machine cluster is reachable from
// this machine only; "" (every interface, TensorFlow's own choice) for any
// other host, which other machines must reach.
func ListenAddress(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if strings.EqualFold(host, "localhost") {
		return "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return ip.String()
	}
	return ""
}

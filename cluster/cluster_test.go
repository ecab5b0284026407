package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tfnids/tfnids/experiment"
	"github.com/tfnids/tfnids/internal/freeport"
	"github.com/tfnids/tfnids/tfserver"
)

func TestParse(t *testing.T) {
	s, err := Parse(" worker=h1:2222, h2:2222 ,ps=h3:2222")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != "worker=h1:2222,h2:2222,ps=h3:2222" {
		t.Errorf("String() = %q", got)
	}
	tasks := s.Tasks()
	if len(tasks) != 3 || tasks[1] != (Task{Job: "worker", Index: 1, Addr: "h2:2222"}) || tasks[2].Name() != "/job:ps/task:0" {
		t.Errorf("tasks %v", tasks)
	}
	if d := tasks[1].Device(); d != "/job:worker/replica:0/task:1/device:CPU:0" {
		t.Errorf("device %q", d)
	}
	if tg := tasks[1].Target(); tg != "grpc://h2:2222" {
		t.Errorf("target %q", tg)
	}
	if _, err := Parse("worker=[::1]:2222,localhost:2223"); err != nil {
		t.Errorf("IPv6 literal: %v", err)
	}

	for _, tc := range []struct{ spec, want string }{
		{"", "empty cluster spec"},
		{"h1:2222", `"h1:2222" comes before any job name`},
		{"worker=h1:2222,,h2:2222", "empty entry 2"},
		{"worker=", `job "worker" has no address`},
		{"wor ker=h1:2222", `job name "wor ker"`},
		{"worker=h1", `"h1" (/job:worker/task:0): not HOST:PORT`},
		{"worker=h1:2222,h2", `"h2" (/job:worker/task:1): not HOST:PORT`},
		{"worker=h1:0", `port "0"`},
		{"worker=h1:http", `port "http"`},
		{"worker=:2222", "no host"},
		{"worker=h1:2222,ps=h1:2222", `address "h1:2222" is given twice (/job:worker/task:0 and /job:ps/task:0)`},
		{"worker=h1:2222,worker=h2:2222", `job "worker" appears twice`},
	} {
		_, err := Parse(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q): %v; want an error containing %q", tc.spec, err, tc.want)
		}
	}
}

func TestServerDef(t *testing.T) {
	s, err := Parse("worker=127.0.0.1:2222,127.0.0.1:2223,ps=127.0.0.1:2224")
	if err != nil {
		t.Fatal(err)
	}
	def, err := s.ServerDef("worker", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if def.JobName != "worker" || def.TaskIndex != 1 || def.Protocol != "grpc" || len(def.Cluster.Job) != 2 ||
		def.Cluster.Job[0].Tasks[1] != "127.0.0.1:2223" || def.Cluster.Job[1].Tasks[0] != "127.0.0.1:2224" {
		t.Errorf("ServerDef %v", def)
	}
	if c := def.DefaultSessionConfig; c == nil || c.IntraOpParallelismThreads != 1 || c.InterOpParallelismThreads != 1 {
		t.Errorf("threads not set: %v", c)
	}
	if def, _ := s.ServerDef("ps", 0, 0); def.DefaultSessionConfig != nil {
		t.Error("threads 0 should leave TensorFlow's defaults")
	}
	if _, err := s.ServerDef("worker", 2, 0); err == nil || !strings.Contains(err.Error(), "tasks 0 to 1; there is no task 2") {
		t.Errorf("task out of range: %v", err)
	}
	if _, err := s.ServerDef("chief", 0, 0); err == nil || !strings.Contains(err.Error(), `no job "chief" (it has: worker, ps)`) {
		t.Errorf("unknown job: %v", err)
	}
}

func TestListenAddress(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:2222": "127.0.0.1", "localhost:2222": "127.0.0.1", "[::1]:2222": "::1",
		"127.0.0.2:1": "127.0.0.2", "h1:2222": "", "10.0.0.5:2222": "", "worker-0.tfnids:2222": "",
	} {
		if got := ListenAddress(addr); got != want {
			t.Errorf("ListenAddress(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestSlotsAndReplicas(t *testing.T) {
	s, _ := Parse("worker=h1:1,h2:2")
	o := Options{Timeout: 7 * time.Second, Threads: 1}
	slots, err := Slots(s, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) != 2 || slots[1].Name != "/job:worker/task:1" || slots[1].Device != "/job:worker/replica:0/task:1/device:CPU:0" ||
		slots[1].Session.Target != "grpc://h2:2" || slots[1].Session.OperationTimeout != 7*time.Second ||
		len(slots[1].Session.DeviceFilters) != 1 || slots[1].Session.DeviceFilters[0] != "/job:worker/task:1" ||
		!slots[1].Session.IsolateSessionState || slots[1].Session.IntraOpThreads != 1 {
		t.Errorf("slots %+v", slots)
	}
	cfg := experiment.Defaults()
	if err := Configure(&cfg, s, Replicas, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Slots) != 1 || len(cfg.Towers) != 2 || cfg.Towers[1] != "/job:worker/replica:0/task:1/device:CPU:0" ||
		cfg.Slots[0].Device != "/job:worker/replica:0/task:0/device:CPU:0" || cfg.Slots[0].Session.Target != "grpc://h1:1" ||
		cfg.Slots[0].Session.OperationTimeout != DefaultTimeout {
		t.Errorf("replicas: slots %+v towers %v", cfg.Slots, cfg.Towers)
	}
	ps, _ := Parse("worker=h1:1,h2:2,ps=h3:3")
	slot, _, err := ReplicaSlot(ps, Options{})
	if err != nil || slot.Device != "/job:ps/replica:0/task:0/device:CPU:0" || !strings.Contains(slot.Name, "variables /job:ps/task:0") {
		t.Errorf("replicas with ps: %+v %v", slot, err)
	}
	if n := len(TrainTasks(ps, Replicas)); n != 3 {
		t.Errorf("replicas need %d tasks, want 3", n)
	}
	if n := len(TrainTasks(ps, Folds)); n != 2 {
		t.Errorf("folds need %d tasks, want 2", n)
	}
	if err := Configure(&cfg, s, "bogus", Options{}); err == nil {
		t.Error("unknown strategy accepted")
	}
	noWorkers, _ := Parse("ps=h3:3")
	if _, err := Slots(noWorkers, Options{}); err == nil || !strings.Contains(err.Error(), `no job "worker"`) {
		t.Errorf("no workers: %v", err)
	}
}

// TestCheck: a task that is not there is named with its address; a live
// task lists its devices; a live server answering for another task index is
// not taken for the task.
func TestCheck(t *testing.T) {
	// dead refuses connections for the whole test; live is bound by
	// TensorFlow itself, so a port taken before it binds is retried.
	dead := freeport.Refused(t)
	var s *Spec
	var srv *tfserver.Server
	addrs, err := freeport.Retry(5, 1, func(addrs []string) error {
		var err error
		if s, err = Parse("worker=" + addrs[0] + "," + dead); err != nil {
			return err
		}
		def, _ := s.ServerDef("worker", 0, 1)
		srv, err = tfserver.NewServer(def, tfserver.ServerOptions{Listen: ListenAddress(addrs[0])})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	live := addrs[0]
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	devs, err := Check(context.Background(), s.Tasks(), 20*time.Second)
	var ue *UnreachableError
	if !errors.As(err, &ue) || len(ue.Tasks) != 1 || ue.Tasks[0].Task.Index != 1 {
		t.Fatalf("Check: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "/job:worker/task:1 at "+dead+" is unreachable") || !strings.Contains(msg, "connection refused") {
		t.Errorf("error %q does not name the unreachable worker", msg)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("the check took %v", time.Since(start))
	}
	if d := devs["/job:worker/task:0"]; len(d) != 1 || d[0].Name != "/job:worker/replica:0/task:0/device:CPU:0" {
		t.Errorf("devices of task 0: %v", d)
	}
	// The same server, addressed as task 1 of a spec that puts it there: it
	// either answers as task 0 or (looking for task 1 at the dead address)
	// not at all.
	swapped, _ := Parse("worker=" + dead + "," + live)
	_, err = Check(context.Background(), swapped.JobTasks("worker")[1:], 2*time.Second)
	if err == nil || !(strings.Contains(err.Error(), "not as /job:worker/task:1") || strings.Contains(err.Error(), "no answer in time")) {
		t.Errorf("a server of another task index passed the check: %v", err)
	}
}

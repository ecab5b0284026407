package experiment

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
)

// This file is what a pair needs to train on a TensorFlow cluster slot
// (Slot.Session.Target set): checkpoints written and read by this process
// rather than by the worker (whose SaveV2 would write to its own file
// system), exports from such a checkpoint, data-parallel models
// (Config.Towers), and telling a dead worker from a failed step.

// remote reports whether the pair's session runs on a cluster task.
func (p *pair) remote() bool { return p.sess.Target != "" }

// build makes the pair's model: replicated over Config.Towers, or Build's.
func (p *pair) build() (*builders.Model, error) {
	if len(p.cfg.Towers) > 0 {
		return builders.BuildReplicas(p.mc, p.cfg.Towers)
	}
	return builders.Build(p.mc)
}

// clientSavers holds the client-side saver of each open remote model.
var clientSavers = struct {
	sync.Mutex
	m map[*builders.Model]*tfgraph.ClientSaver
}{m: map[*builders.Model]*tfgraph.ClientSaver{}}

func clientSaver(m *builders.Model) (*tfgraph.ClientSaver, error) {
	clientSavers.Lock()
	defer clientSavers.Unlock()
	if c := clientSavers.m[m]; c != nil {
		return c, nil
	}
	c, err := m.Builder.NewClientSaver()
	if err != nil {
		return nil, err
	}
	clientSavers.m[m] = c
	return c, nil
}

// save writes a checkpoint of every variable at prefix on this machine.
func (p *pair) save(m *builders.Model, prefix string) error {
	if !p.remote() {
		return m.Save(prefix)
	}
	if m.Session() == nil {
		return builders.ErrNotOpen
	}
	c, err := clientSaver(m)
	if err != nil {
		return err
	}
	return c.Save(m.Session(), prefix)
}

// restore loads every variable from the checkpoint at prefix on this
// machine.
func (p *pair) restore(m *builders.Model, prefix string) error {
	if !p.remote() {
		return m.Restore(prefix)
	}
	if m.Session() == nil {
		return builders.ErrNotOpen
	}
	c, err := clientSaver(m)
	if err != nil {
		return err
	}
	return c.Restore(m.Session(), prefix)
}

// close releases the model. Closing a remote session tells its worker to
// free the session's state; when the worker does not accept connections any
// more that would wait for the cluster timeout, which must not hold up the
// retry of the pair, so the close then happens in the background.
func (p *pair) close(m *builders.Model) {
	clientSavers.Lock()
	c := clientSavers.m[m]
	delete(clientSavers.m, m)
	clientSavers.Unlock()
	if c != nil {
		c.Close()
	}
	if p.remote() {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(p.sess.Target, "grpc://"), 3*time.Second)
		if err != nil {
			go m.Close()
			return
		}
		conn.Close()
	}
	m.Close()
}

// exportOptions adapts the export of a model trained on a cluster slot:
// the SavedModel is assembled in this process from a checkpoint the client
// writes (a temporary one, removed by done), in a local session. Local
// pairs export as they are.
func (p *pair) exportOptions(m *builders.Model, o serving.ExportOptions) (_ serving.ExportOptions, done func(), err error) {
	if !p.remote() {
		return o, func() {}, nil
	}
	if err := os.MkdirAll(p.dir(), 0o755); err != nil {
		return o, nil, err
	}
	tmp, err := os.MkdirTemp(p.dir(), atomicfile.TempMarker+"export-")
	if err != nil {
		return o, nil, err
	}
	done = func() { os.RemoveAll(tmp) }
	prefix := filepath.Join(tmp, "weights")
	if err := p.save(m, prefix); err != nil {
		done()
		return o, nil, fmt.Errorf("export: %w", err)
	}
	o.Model, o.Checkpoint = nil, prefix
	o.Session = tfgraph.SessionConfig{IntraOpThreads: p.cfg.Threads, InterOpThreads: p.cfg.InterThreads}
	return o, done, nil
}

// slotError classifies the error of a pair that ran on slot. When the
// slot's worker no longer accepts connections, or the cluster reports a
// lost gRPC connection to one of its tasks (status UNAVAILABLE, 14), the
// error is marked as a worker being unavailable (IsUnavailable), so the
// scheduler retries the pair on another worker from its last checkpoint,
// or stops the run resumable when none is left. A call to a worker that
// died fails with "Deadline Exceeded" after the cluster timeout, which
// alone does not say why; hence the connection probe.
func slotError(slot Slot, err error) error {
	if err == nil || slot.Session.Target == "" || errors.Is(err, ErrInterrupted) || IsUnavailable(err) {
		return err
	}
	addr := strings.TrimPrefix(slot.Session.Target, "grpc://")
	c, derr := net.DialTimeout("tcp", addr, 3*time.Second)
	if derr != nil {
		return &workerLostError{slot: slot.Name, addr: addr, probe: derr, err: err}
	}
	c.Close()
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, `"grpc_status":14`) || strings.Contains(msg, "connection reset by peer") {
		return &workerLostError{slot: slot.Name, err: err}
	}
	return err
}

// workerLostError is a pair's failure on a worker that stopped answering.
type workerLostError struct {
	slot, addr string
	probe, err error // probe is nil when the cluster reported the loss
}

func (e *workerLostError) Error() string {
	if e.probe == nil {
		return fmt.Sprintf("%s: a worker is unavailable (the cluster lost its connection to it); the step failed with: %v", e.slot, e.err)
	}
	return fmt.Sprintf("worker %s at %s is unavailable (%v); the step failed with: %v", e.slot, e.addr, e.probe, e.err)
}

func (e *workerLostError) Unwrap() error { return e.err }

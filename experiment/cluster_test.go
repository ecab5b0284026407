package experiment

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/freeport"
	"github.com/tfnids/tfnids/tfgraph"
)

// TestSlotError: a failed step on a cluster slot counts as the worker being
// unavailable (retry elsewhere) only when the worker does not accept
// connections or the cluster reports a lost gRPC connection.
func TestSlotError(t *testing.T) {
	live, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	deadAddr := freeport.Refused(t) // refuses connections; no one else can listen there
	slot := func(addr string) Slot {
		return Slot{Name: "/job:worker/task:1", Session: tfgraph.SessionConfig{Target: "grpc://" + addr}}
	}
	step := errors.New("builders: fit: epoch 3, batch 2: Deadline Exceeded")

	if err := slotError(slot(deadAddr), step); !IsUnavailable(err) || !errors.Is(err, step) ||
		!strings.Contains(err.Error(), "worker /job:worker/task:1 at "+deadAddr+" is unavailable") {
		t.Errorf("dead worker: %v", err)
	}
	if err := slotError(slot(live.Addr().String()), step); err != step {
		t.Errorf("live worker: %v, want the step's error unchanged", err)
	}
	reset := errors.New("From /job:worker/replica:0/task:1:\nConnection reset by peer {\"grpc_status\":14}")
	if err := slotError(slot(live.Addr().String()), reset); !IsUnavailable(err) {
		t.Errorf("lost connection to a tower: %v", err)
	}
	if err := slotError(Slot{Name: "local"}, step); err != step {
		t.Errorf("local slot: %v", err)
	}
	if err := slotError(slot(deadAddr), ErrInterrupted); err != ErrInterrupted {
		t.Errorf("interrupt: %v", err)
	}
	if err := slotError(slot(deadAddr), nil); err != nil {
		t.Errorf("no error: %v", err)
	}
}

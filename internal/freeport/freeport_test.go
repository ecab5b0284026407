package freeport_test

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tfnids/tfnids/internal/freeport"
)

func TestRefusedIsRefusedAndHeld(t *testing.T) {
	addr := freeport.Refused(t)
	if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
		c.Close()
		t.Fatalf("%s accepted a connection", addr)
	} else if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("dial %s: %v, want connection refused", addr, err)
	}
	if l, err := net.Listen("tcp", addr); err == nil {
		l.Close()
		t.Fatalf("another listener bound the held port %s", addr)
	}
}

func TestRetry(t *testing.T) {
	calls := 0
	// A port another process holds: the first attempt binds it and fails.
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var kept []net.Listener
	defer func() {
		for _, l := range kept {
			l.Close()
		}
	}()
	addrs, err := freeport.Retry(3, 2, func(addrs []string) error {
		calls++
		if len(addrs) != 2 || addrs[0] == addrs[1] {
			t.Fatalf("addresses %v", addrs)
		}
		if calls == 1 {
			addrs[1] = held.Addr().String()
		}
		for _, a := range addrs {
			l, err := net.Listen("tcp", a)
			if err != nil {
				return err
			}
			kept = append(kept, l)
		}
		return nil
	})
	if err != nil || calls != 2 || len(addrs) != 2 {
		t.Errorf("Retry: %v %v after %d calls", addrs, err, calls)
	}

	other := errors.New("model not found")
	if _, err := freeport.Retry(3, 1, func([]string) error { return other }); !errors.Is(err, other) {
		t.Errorf("another error: %v", err)
	}
	calls = 0
	_, err = freeport.Retry(3, 1, func([]string) error {
		calls++
		return fmt.Errorf("worker exited: %w", freeport.ErrInUse)
	})
	if calls != 3 || !errors.Is(err, freeport.ErrInUse) {
		t.Errorf("always in use: %d calls, %v", calls, err)
	}
}

func TestInUse(t *testing.T) {
	for msg, want := range map[string]bool{
		"listen tcp 127.0.0.1:80: bind: address already in use":                true,
		"tfgraph: new server: Could not start gRPC server":                     true,
		"/job:worker/task:1 at 127.0.0.1:9 is unreachable: connection refused": false,
	} {
		if freeport.InUse(msg) != want {
			t.Errorf("InUse(%q) = %v", msg, !want)
		}
	}
}

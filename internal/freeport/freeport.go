// Package freeport gives tests loopback TCP ports without the race of
// "listen on :0, close, reuse the number" silently picking a port another
// process took in between.
//
// A server the test itself runs in Go keeps the listener it got from
// net.Listen("tcp", "127.0.0.1:0"); nothing here is needed for it. An
// address where nothing may answer comes from Refused, which holds the
// port for the test's lifetime. A server that binds its own port
// (TensorFlow's gRPC server: it turns SO_REUSEPORT off, so no reservation
// can be shared with it) is started through Retry, which starts it again
// on other ports when the bind fails.
package freeport

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
)

// Refused returns "127.0.0.1:PORT" for a port held by a bound socket that
// never listens, closed when t ends: connections to it are refused, and
// no other socket can bind it meanwhile (the socket sets neither
// SO_REUSEADDR nor SO_REUSEPORT).
func Refused(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("freeport: socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("freeport: bind 127.0.0.1:0: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("freeport: getsockname: %v", err)
	}
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}

// InUse reports whether msg (an error or a child process's output) says a
// server could not bind its address: the kernel's "address already in
// use", or TensorFlow's "Could not start gRPC server", which is all the C
// API reports of that.
func InUse(msg string) bool {
	return strings.Contains(msg, "address already in use") || strings.Contains(msg, "Could not start gRPC server")
}

// ErrInUse may be wrapped by a start function of Retry to ask for another
// attempt when its own error text does not say InUse.
var ErrInUse = errors.New("address already in use")

// Retry calls start with n distinct loopback addresses nothing listened on
// a moment before, and again with new ones, up to attempts times, while
// start's error is ErrInUse or InUse: another process took a port between
// the choice and the bind. It returns the addresses of the successful
// attempt or the last error.
func Retry(attempts, n int, start func(addrs []string) error) ([]string, error) {
	var err error
	for range attempts {
		var addrs []string
		if addrs, err = unused(n); err != nil {
			return nil, err
		}
		err = start(addrs)
		if err == nil {
			return addrs, nil
		}
		if !errors.Is(err, ErrInUse) && !InUse(err.Error()) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("freeport: %d attempts: %w", attempts, err)
}

// unused returns n distinct loopback addresses, all listened on at once
// (so distinct) and released.
func unused(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	out := make([]string, n)
	for i := range out {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("freeport: %w", err)
		}
		ls = append(ls, l)
		out[i] = l.Addr().String()
	}
	return out, nil
}

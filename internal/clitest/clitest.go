// Package clitest runs a command's CLI as a child process in its tests, so
// that a test can signal it, kill it like a crashed process, or run
// several at once (a server and its clients, workers and a trainer). The
// child is the test binary itself, re-executed with ChildEnv set: the
// package's TestMain calls Main first, which runs the CLI instead of the
// tests in that case.
package clitest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ChildEnv is set to "1" in a child's environment.
const ChildEnv = "TFNIDS_TEST_CLI_CHILD"

// Main runs the CLI and exits when this process is a child started by
// Start; otherwise it returns at once. run receives the program name
// followed by the child's arguments, as os.Args.
func Main(program string, run func(args []string) int) {
	if os.Getenv(ChildEnv) == "1" {
		os.Exit(run(append([]string{program}, os.Args[1:]...)))
	}
}

// Child is a CLI process started by a test.
type Child struct {
	Cmd  *exec.Cmd
	out  buffer // stdout and stderr, interleaved
	done chan struct{}
	code int
}

// buffer collects a child's output while the test reads it.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Start runs the CLI with args in dir (the test's directory when dir is
// empty). A child still running when the test ends is killed.
func Start(t testing.TB, dir string, args ...string) *Child {
	t.Helper()
	return StartEnv(t, dir, nil, args...)
}

// StartEnv is Start with env ("KEY=value") added to the child's
// environment.
func StartEnv(t testing.TB, dir string, env []string, args ...string) *Child {
	t.Helper()
	c := &Child{done: make(chan struct{})}
	c.Cmd = exec.Command(os.Args[0], args...)
	c.Cmd.Dir = dir
	c.Cmd.Env = append(append(os.Environ(), ChildEnv+"=1", "TF_CPP_MIN_LOG_LEVEL=2"), env...)
	c.Cmd.Stdout, c.Cmd.Stderr = &c.out, &c.out
	if err := c.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := c.Cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			c.code = ee.ExitCode()
		} else if err != nil {
			c.code = -1
		}
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			c.Cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// Output returns what the child printed so far (stdout and stderr).
func (c *Child) Output() string { return c.out.String() }

// Done is closed when the child has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// Code is the child's exit code (-1 when killed by a signal); valid after
// Done is closed.
func (c *Child) Code() int {
	<-c.done
	return c.code
}

// Signal sends sig to the child.
func (c *Child) Signal(sig syscall.Signal) error { return c.Cmd.Process.Signal(sig) }

// Wait returns the child's exit code, killing it and failing the test
// after timeout.
func (c *Child) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
		return c.code
	case <-time.After(timeout):
		c.Cmd.Process.Kill()
		<-c.done
		t.Fatalf("%v did not finish in %v; output:\n%s", c.Cmd.Args[1:], timeout, c.Output())
		return -1
	}
}

// WaitFor polls the child's output until it contains s, failing the test
// when the child exits first or after timeout.
func (c *Child) WaitFor(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	if err := c.Await(s, timeout); err != nil {
		t.Fatal(err)
	}
}

// Await is WaitFor returning an error, for callers that retry (a server
// that could not bind its port exits with the reason in its output).
func (c *Child) Await(s string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if strings.Contains(c.Output(), s) {
			return nil
		}
		select {
		case <-c.done:
			if strings.Contains(c.Output(), s) {
				return nil
			}
			return &ExitError{Args: c.Cmd.Args[1:], Code: c.code, Waiting: s, Output: c.Output()}
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return &ExitError{Args: c.Cmd.Args[1:], Code: -2, Waiting: s, Output: c.Output()}
		}
	}
}

// ExitError says a child exited (or, with Code -2, timed out) before
// printing what a test waited for.
type ExitError struct {
	Args    []string
	Code    int
	Waiting string
	Output  string
}

// Error names the command, its exit code and its output.
func (e *ExitError) Error() string {
	what := fmt.Sprintf("exited (%d)", e.Code)
	if e.Code == -2 {
		what = "timed out"
	}
	return fmt.Sprintf("clitest: %s %s before printing %q; output:\n%s", strings.Join(e.Args, " "), what, e.Waiting, e.Output)
}

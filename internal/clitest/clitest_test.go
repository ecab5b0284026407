package clitest_test

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tfnids/tfnids/internal/clitest"
)

// fake is the CLI the children run: "echo WORDS", "exit N", "sleep".
func fake(args []string) int {
	switch args[1] {
	case "echo":
		fmt.Println(args[2:])
		return 0
	case "exit":
		n, _ := strconv.Atoi(args[2])
		fmt.Fprintln(os.Stderr, "exiting with", n)
		return n
	case "sleep":
		fmt.Println("ready")
		time.Sleep(time.Minute)
	}
	return 2
}

func TestMain(m *testing.M) {
	clitest.Main("fake", fake)
	os.Exit(m.Run())
}

func TestChild(t *testing.T) {
	c := clitest.Start(t, "", "echo", "a", "b")
	if code := c.Wait(t, 30*time.Second); code != 0 || c.Output() != "[a b]\n" {
		t.Errorf("echo: %d %q", code, c.Output())
	}
	c = clitest.Start(t, t.TempDir(), "exit", "3")
	err := c.Await("never printed", 30*time.Second)
	var ee *clitest.ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || ee.Output != "exiting with 3\n" || c.Code() != 3 {
		t.Errorf("exit 3: %v", err)
	}
	c = clitest.Start(t, "", "sleep")
	c.WaitFor(t, "ready", 30*time.Second)
	if err := c.Await("never printed", 100*time.Millisecond); !errors.As(err, &ee) || ee.Code != -2 {
		t.Errorf("timeout: %v", err)
	}
	c.Signal(syscall.SIGKILL)
	if code := c.Wait(t, 30*time.Second); code != -1 {
		t.Errorf("killed child exited %d, want -1", code)
	}
}

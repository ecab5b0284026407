package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/clitest"
)

// TestMain lets tests run the CLI as a child process (clitest.Start), so
// that they can signal or kill it, or run workers beside a trainer.
func TestMain(m *testing.M) {
	clitest.Main("tfnids", run)
	os.Exit(m.Run())
}

// runCLI runs the app in-process and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	oldOut, oldErr := os.Stdout, os.Stderr
	rOut, wOut, _ := os.Pipe()
	rErr, wErr, _ := os.Pipe()
	os.Stdout, os.Stderr = wOut, wErr
	var outBuf, errBuf bytes.Buffer
	done := make(chan struct{}, 2)
	go func() { io.Copy(&outBuf, rOut); done <- struct{}{} }()
	go func() { io.Copy(&errBuf, rErr); done <- struct{}{} }()
	code := run(append([]string{"tfnids"}, args...))
	wOut.Close()
	wErr.Close()
	<-done
	<-done
	os.Stdout, os.Stderr = oldOut, oldErr
	return code, outBuf.String(), errBuf.String()
}

func TestVersionPrintsTensorFlow218(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.Contains(out, "TensorFlow 2.18.") || !strings.Contains(out, "tfnids ") {
		t.Fatalf("version: code %d, output %q", code, out)
	}
}

func TestDevicesListsCPU(t *testing.T) {
	code, out, _ := runCLI(t, "devices")
	if code != 0 || !strings.Contains(out, "/device:CPU:0") {
		t.Fatalf("devices: code %d, output %q", code, out)
	}
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	code, _, _ := runCLI(t, "no-such-command")
	if code != exitUsage {
		t.Fatalf("unknown command exited %d, want %d", code, exitUsage)
	}
}

func TestFlagErrorsAreUsageErrors(t *testing.T) {
	cases := [][]string{
		{"train"},                   // 0: --data is required
		{"train", "--no-such-flag"}, // 1
		{"train", "--data", "x", "--epochs", "many"}, // 2
	}
	for i, args := range cases {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%d: %v exited %d, want %d", i, args, code, exitUsage)
		}
	}
}

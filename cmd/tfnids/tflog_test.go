package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/clitest"
)

// TestLibraryInitLogHidden runs the CLI as a fresh process without
// TF_CPP_MIN_LOG_LEVEL: libtensorflow's initializer prints its oneDNN
// notice before main, and tflog_preinit.go must hold it back by default
// and let -v show it.
func TestLibraryInitLogHidden(t *testing.T) {
	const notice = "oneDNN custom operations"
	cases := []struct {
		args []string
		want bool
	}{
		{[]string{"summary", "--model", "cnn", "--features", "5", "--classes", "3"}, false},      // 0
		{[]string{"-v", "summary", "--model", "cnn", "--features", "5", "--classes", "3"}, true}, // 1
	}
	for i, c := range cases {
		cmd := exec.Command(os.Args[0], c.args...)
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "TF_CPP_MIN_LOG_LEVEL=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, clitest.ChildEnv+"=1", "TF_ENABLE_ONEDNN_OPTS=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%d: %v: %v\n%s", i, c.args, err, out)
		}
		if !strings.Contains(string(out), "Total params") {
			t.Errorf("%d: %v printed no summary:\n%s", i, c.args, out)
		}
		if got := strings.Contains(string(out), notice); got != c.want {
			t.Errorf("%d: %v: notice shown %v, want %v:\n%s", i, c.args, got, c.want, out)
		}
	}
}

package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// defaultTFLogLevel hides TensorFlow's info and warning lines (oneDNN,
// cpu_feature_guard, MLIR passes, SavedModel loader) unless asked for.
const defaultTFLogLevel = 2

// tfLogEnv is TensorFlow's own knob; tfLogMarker records that tfnids set
// it, so a re-executed process does not take it for the user's choice.
const (
	tfLogEnv    = "TF_CPP_MIN_LOG_LEVEL"
	tfLogMarker = "TFNIDS_TF_LOG_LEVEL_SET"
)

// tfLogLevel is the TensorFlow log level a command line asks for: -v or
// --verbose mean 0, --tf-log-level N means N, else the environment's
// TF_CPP_MIN_LOG_LEVEL when the user set it, else defaultTFLogLevel.
func tfLogLevel(args []string, env func(string) string) int {
	level := -1
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			i = len(args)
		case a == "-v" || a == "--verbose" || a == "-verbose" || a == "--verbose=true":
			level = 0
		case strings.HasPrefix(a, "--tf-log-level=") || strings.HasPrefix(a, "-tf-log-level="):
			if n, err := strconv.Atoi(a[strings.IndexByte(a, '=')+1:]); err == nil {
				level = n
			}
		case (a == "--tf-log-level" || a == "-tf-log-level") && i+1 < len(args):
			if n, err := strconv.Atoi(args[i+1]); err == nil {
				level = n
			}
			i++
		}
	}
	if level >= 0 {
		return min(level, 3)
	}
	if env(tfLogMarker) == "" {
		if n, err := strconv.Atoi(env(tfLogEnv)); err == nil && n >= 0 {
			return min(n, 3)
		}
	}
	return defaultTFLogLevel
}

// stderrFDEnv names the descriptor on which a supervised process finds the
// real standard error (its own fd 2 is the supervisor's filter pipe).
const stderrFDEnv = "TFNIDS_STDERR_FD"

// tfLogs puts TensorFlow's logging at level and returns the exit code
// when this process only supervised the real one (ok false: go on and run
// the command here).
//
// TensorFlow reads TF_CPP_MIN_LOG_LEVEL once, while the library loads
// (before main: the oneDNN notice is printed then), and the absl logger
// compiled into libtensorflow_cc (the "All log messages before
// absl::InitializeLog()" and MLIR pass lines) reads no setting at all. So
// when the level hides anything, the first process runs the command in a
// child with TF_CPP_MIN_LOG_LEVEL set and the child's fd 2 (where C++
// writes) piped through a filter that drops TensorFlow's lines below the
// level; the child's Go code writes to the real standard error (passed as
// an extra descriptor), so progress bars still see a terminal. Signals are
// forwarded, the child dies with the supervisor (PR_SET_PDEATHSIG), and
// its exit status is returned. The first process's own library-init lines
// (the oneDNN notice) are held back by tflog_preinit.go.
func tfLogs(level int) (code int, supervised bool) {
	if fd := os.Getenv(stderrFDEnv); fd != "" {
		if n, err := strconv.Atoi(fd); err == nil {
			os.Stderr = os.NewFile(uintptr(n), "/dev/stderr")
		}
		return 0, false
	}
	if level == 0 || os.Getenv(tfLogMarker) != "" {
		return 0, false
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, false
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, false
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, tfLogEnv+"=") && !strings.HasPrefix(kv, tfLogMarker+"=") && !strings.HasPrefix(kv, stderrFDEnv+"=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(env, tfLogEnv+"="+strconv.Itoa(level), tfLogMarker+"=1", stderrFDEnv+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, w
	cmd.ExtraFiles = []*os.File{os.Stderr} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		signal.Stop(sigs)
		w.Close()
		r.Close()
		return 0, false
	}
	w.Close()
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	filterTFLog(r, os.Stderr, level)
	err = cmd.Wait()
	signal.Stop(sigs)
	if cmd.ProcessState == nil {
		return exitFailure, true
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return cmd.ProcessState.ExitCode(), true
}

// absl's line prefix: severity letter, MMDD, time (before
// absl::InitializeLog, "0000 00:00:<unix seconds>"), thread, file:line].
var abslLine = regexp.MustCompile(`^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] `)

// tslLine is TensorFlow's own prefix: date, time, severity letter, file:line].
var tslLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: ([IWEF]) \S+:\d+\] `)

// abslPreamble is printed by absl before its first line when nothing
// initialized it; it is a warning.
const abslPreamble = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"

// filterTFLog copies r to w line by line, leaving out TensorFlow's log
// lines whose severity is below level (0 info, 1 warning, 2 error, 3
// fatal); everything else (Go panics, other output) passes unchanged.
func filterTFLog(r io.Reader, w io.Writer, level int) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" && !hiddenTFLine(line, level) {
			io.WriteString(w, line)
		}
		if err != nil {
			return
		}
	}
}

func hiddenTFLine(line string, level int) bool {
	if strings.HasPrefix(line, abslPreamble) {
		return level > 1
	}
	for _, re := range []*regexp.Regexp{abslLine, tslLine} {
		if m := re.FindStringSubmatch(line); m != nil {
			return strings.Index("IWEF", m[1]) < level
		}
	}
	return false
}

package main

import (
	"os"
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

// setTFLogLevel makes TensorFlow log at level. TensorFlow reads
// TF_CPP_MIN_LOG_LEVEL once, when the library loads (before main: the
// oneDNN and CPU-feature lines are printed then), so when the environment
// does not already say level the process re-executes itself with it set;
// it returns only when the level is in effect or cannot be set.
//
// Two kinds of lines escape it: the oneDNN notice that the first process
// prints while the library loads (set TF_CPP_MIN_LOG_LEVEL in the
// environment to hide it), and the lines of the absl logger compiled into
// libtensorflow_cc ("All log messages before absl::InitializeLog()", the
// MLIR pass notice), which reads no environment variable and exports no
// setter.
func setTFLogLevel(level int) {
	want := strconv.Itoa(level)
	if os.Getenv(tfLogEnv) != want {
		if exe, err := os.Executable(); err == nil {
			var env []string
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, tfLogEnv+"=") && !strings.HasPrefix(kv, tfLogMarker+"=") {
					env = append(env, kv)
				}
			}
			env = append(env, tfLogEnv+"="+want, tfLogMarker+"=1")
			_ = syscall.Exec(exe, os.Args, env) // returns only on failure: go on with TensorFlow's default
		}
	}
}

package main

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"
	tf "github.com/wamuir/graft/tensorflow"
)

// version is the tfnids release; overridden at link time with
// -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func init() {
	register(&cli.Command{
		Name:   "version",
		Usage:  "print the tfnids and TensorFlow versions",
		Action: printVersion,
	})
}

// printVersion serves both `tfnids version` and `tfnids --version`.
func printVersion(c *cli.Context) error {
	fmt.Fprintf(c.App.Writer, "tfnids %s\nTensorFlow %s (C API)\n%s %s/%s\n",
		version, tf.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

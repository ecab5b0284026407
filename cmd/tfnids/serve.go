package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
)

func init() {
	register(&cli.Command{
		Name:      "serve",
		Usage:     "serve a model over TensorFlow Serving's REST API",
		UsageText: "tfnids serve --model-base-path BASE/MODEL-NAME [--model-name NAME] [--port 8501] [--host 127.0.0.1]",
		Description: `Serves the highest integer version under --model-base-path and switches to newer versions as
they appear (polled every --poll; a version that fails to load is reported and skipped). It
answers TensorFlow Serving's REST API, so clients written for TensorFlow Serving work
unchanged:

  GET  /v1/models/NAME[/versions/V]            version status
  GET  /v1/models/NAME[/versions/V]/metadata   signatures, dtypes, shapes
  POST /v1/models/NAME[/versions/V]:predict    {"instances": [...]} or {"inputs": ...}

Example:
  curl -d '{"instances": [[0.0, 1.0, ...]]}' http://127.0.0.1:8501/v1/models/ids:predict

The server binds 127.0.0.1 by default and has no authentication: put a reverse proxy in
front before using --host 0.0.0.0. It limits request bodies (--max-body-mb), times out slow
clients, runs concurrent requests on one TensorFlow session per version and stops
gracefully on SIGINT/SIGTERM (running requests finish). See docs/serving.md.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model-base-path", Usage: "directory holding the model's integer version directories"},
			&cli.StringFlag{Name: "model-name", Usage: "name in the URLs (default: the last element of --model-base-path)"},
			&cli.IntFlag{Name: "port", Value: 8501, Usage: "REST port (TensorFlow Serving's default 8501)"},
			&cli.StringFlag{Name: "host", Value: "127.0.0.1", Usage: "address to bind"},
			&cli.DurationFlag{Name: "poll", Value: serving.DefaultPollInterval, Usage: "how often to look for new versions"},
			&cli.IntFlag{Name: "max-body-mb", Value: 32, Usage: "largest request body accepted, in MiB (larger: 413)"},
			&cli.DurationFlag{Name: "read-timeout", Value: serving.DefaultReadTimeout, Usage: "time allowed to read a request"},
			&cli.DurationFlag{Name: "write-timeout", Value: serving.DefaultWriteTimeout, Usage: "time allowed from the end of the request headers to the end of the response"},
			&cli.IntFlag{Name: "threads", Usage: "TensorFlow intra-op threads (0: one per core)"},
			&cli.IntFlag{Name: "inter-threads", Usage: "TensorFlow inter-op threads (0: TensorFlow's default)"},
		},
		Action: serveAction,
	})
}

func serveAction(c *cli.Context) error {
	base := c.String("model-base-path")
	if base == "" {
		return usageErr("serve: --model-base-path is required (the directory holding the integer version directories)")
	}
	name := c.String("model-name")
	if name == "" {
		name = filepath.Base(filepath.Clean(base))
	}
	if c.Int("port") < 0 || c.Int("port") > 65535 {
		return usageErr("serve: --port %d out of range", c.Int("port"))
	}
	if c.Int("max-body-mb") < 1 {
		return usageErr("serve: --max-body-mb must be >= 1")
	}
	logger := log.New(c.App.ErrWriter, "tfnids serve: ", log.LstdFlags)
	if c.App.ErrWriter == nil {
		logger.SetOutput(os.Stderr)
	}
	srv, err := serving.NewServer(serving.Options{
		ModelName: name, BasePath: base,
		PollInterval: c.Duration("poll"), MaxBodyBytes: int64(c.Int("max-body-mb")) << 20,
		ReadTimeout: c.Duration("read-timeout"), WriteTimeout: c.Duration("write-timeout"),
		Session: tfgraph.SessionConfig{IntraOpThreads: c.Int("threads"), InterOpThreads: c.Int("inter-threads")},
		Logf:    logger.Printf,
	})
	if err != nil {
		return usageErr("serve: %v", err)
	}
	addr := net.JoinHostPort(c.String("host"), strconv.Itoa(c.Int("port")))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Models().Close()
		return usageErr("serve: %v", err)
	}
	if ip := net.ParseIP(c.String("host")); ip == nil || !ip.IsLoopback() {
		logger.Printf("warning: listening on %s, reachable from other machines; the API has no authentication", ln.Addr())
	}
	if v := srv.Models().Current(); v >= 0 {
		logger.Printf("serving model %s version %d at http://%s/v1/models/%s", name, v, ln.Addr(), name)
	} else {
		logger.Printf("no loadable version under %s yet; waiting (http://%s/v1/models/%s)", base, ln.Addr(), name)
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Printf("stopped")
	return nil
}

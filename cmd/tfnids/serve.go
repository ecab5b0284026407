package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
)

func init() {
	register(&cli.Command{
		Name:  "serve",
		Usage: "serve models over TensorFlow Serving's gRPC and REST APIs (a drop-in for tensorflow_model_server)",
		UsageText: "tfnids serve --model_base_path BASE/MODEL-NAME [--model_name NAME] [--port 8500] [--rest_api_port 8501]\n" +
			"   tfnids serve --model_config_file models.config [--model_config_file_poll_wait_seconds 60]",
		Description: `Takes tensorflow_model_server's flags, with its spellings, and answers its APIs, so a container
command or Kubernetes manifest written for TensorFlow Serving runs unchanged (add --host 0.0.0.0:
tfnids binds loopback by default):

  gRPC on --port (8500): tensorflow.serving.PredictionService/Predict, GetModelMetadata
                         tensorflow.serving.ModelService/GetModelStatus
  REST on --rest_api_port (8501):
    GET  /v1/models/NAME[/versions/V|/labels/L]            version status
    GET  /v1/models/NAME[/versions/V|/labels/L]/metadata   signatures, dtypes, shapes
    POST /v1/models/NAME[/versions/V|/labels/L]:predict    {"instances": [...]} or {"inputs": ...}

One model (--model_base_path, --model_name) or several from a model config file in TensorFlow
Serving's text format (model_config_list { config { name base_path model_platform
model_version_policy version_labels } }), re-read every --model_config_file_poll_wait_seconds
when that is > 0. New versions are picked up every --file_system_poll_wait_seconds; a version
is loaded and warmed up (assets.extra/tf_serving_warmup_requests) before it is AVAILABLE.

Example:
  curl -d '{"instances": [[0.0, 1.0, ...]]}' http://127.0.0.1:8501/v1/models/ids:predict

--enable_batching merges concurrent requests into one session run (--batching_parameters_file:
max_batch_size, batch_timeout_micros, num_batch_threads, max_enqueued_batches,
allowed_batch_sizes). --monitoring_config_file with prometheus_config { enable: true } exports
metrics at /monitoring/prometheus/metrics on the REST port.

The server has no authentication: put a proxy in front before using --host 0.0.0.0. It limits
request bodies (--max-body-mb) and the bytes being served at once (--max-inflight-mb; excess
requests get 429 / RESOURCE_EXHAUSTED), times out slow clients, and stops gracefully on
SIGINT/SIGTERM (running requests finish). See docs/serving.md.`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "port", Value: 8500, Usage: "gRPC port (TensorFlow Serving's; 0 turns gRPC off)"},
			&cli.IntFlag{Name: "rest_api_port", Aliases: []string{"rest-api-port"}, Value: 8501, Usage: "REST port (0 turns REST off)"},
			&cli.StringFlag{Name: "host", Value: "127.0.0.1", Usage: "address both ports bind (TensorFlow Serving binds 0.0.0.0)"},
			&cli.StringFlag{Name: "model_base_path", Aliases: []string{"model-base-path"}, Usage: "directory holding the model's integer version directories"},
			&cli.StringFlag{Name: "model_name", Aliases: []string{"model-name"}, Usage: "name in the URLs (default: the last element of --model_base_path)"},
			&cli.StringFlag{Name: "model_config_file", Aliases: []string{"model-config-file"}, Usage: "TensorFlow Serving model config file (text ModelServerConfig); replaces --model_base_path"},
			&cli.IntFlag{Name: "model_config_file_poll_wait_seconds", Usage: "re-read --model_config_file this often (0: never)"},
			&cli.IntFlag{Name: "file_system_poll_wait_seconds", Value: 1, Usage: "look for new versions this often"},
			&cli.DurationFlag{Name: "poll", Usage: "look for new versions this often (overrides --file_system_poll_wait_seconds; e.g. 100ms)"},
			&cli.BoolFlag{Name: "enable_batching", Aliases: []string{"enable-batching"}, Usage: "merge concurrent requests into one session run"},
			&cli.StringFlag{Name: "batching_parameters_file", Usage: "text BatchingParameters (max_batch_size { value: 128 } ...)"},
			&cli.StringFlag{Name: "monitoring_config_file", Usage: "text MonitoringConfig (prometheus_config { enable: true })"},
			&cli.IntFlag{Name: "rest_api_timeout_in_ms", Value: 30000, Usage: "time allowed for one REST request's work"},
			&cli.IntFlag{Name: "max-body-mb", Value: 32, Usage: "largest request body accepted, in MiB (larger: 413)"},
			&cli.IntFlag{Name: "max-inflight-mb", Value: serving.DefaultMaxBytesInFlight >> 20, Usage: "request bytes served at once, in MiB (more: 429 / RESOURCE_EXHAUSTED)"},
			&cli.DurationFlag{Name: "read-timeout", Value: serving.DefaultReadTimeout, Usage: "time allowed to read a request"},
			&cli.DurationFlag{Name: "write-timeout", Value: serving.DefaultWriteTimeout, Usage: "time allowed from the end of the request headers to the end of the response"},
			&cli.IntFlag{Name: "threads", Aliases: []string{"tensorflow_intra_op_parallelism"}, Usage: "TensorFlow intra-op threads (0: one per core)"},
			&cli.IntFlag{Name: "inter-threads", Aliases: []string{"tensorflow_inter_op_parallelism"}, Usage: "TensorFlow inter-op threads (0: TensorFlow's default)"},
		},
		Action: serveAction,
	})
}

func serveAction(c *cli.Context) error {
	opts := serving.Options{
		MaxBodyBytes: int64(c.Int("max-body-mb")) << 20, MaxBytesInFlight: int64(c.Int("max-inflight-mb")) << 20,
		ReadTimeout: c.Duration("read-timeout"), WriteTimeout: c.Duration("write-timeout"),
		RequestTimeout: time.Duration(c.Int("rest_api_timeout_in_ms")) * time.Millisecond,
		Session:        tfgraph.SessionConfig{IntraOpThreads: c.Int("threads"), InterOpThreads: c.Int("inter-threads")},
	}
	base, cfgFile := c.String("model_base_path"), c.String("model_config_file")
	switch {
	case base != "" && cfgFile != "":
		return usageErr("serve: give --model_base_path or --model_config_file, not both")
	case cfgFile != "":
		cfgs, err := serving.ReadModelConfig(cfgFile)
		if err != nil {
			return usageErr("serve: --model_config_file: %v", err)
		}
		opts.Models, opts.ConfigFile = cfgs, cfgFile
		opts.ConfigPollInterval = time.Duration(c.Int("model_config_file_poll_wait_seconds")) * time.Second
	case base != "":
		opts.BasePath, opts.ModelName = base, c.String("model_name")
		if opts.ModelName == "" {
			opts.ModelName = filepath.Base(filepath.Clean(base))
		}
	default:
		return usageErr("serve: --model_base_path (the directory holding the integer version directories) or --model_config_file is required")
	}
	// Cheap checks before the ports are bound; loading comes after.
	cfgs := opts.Models
	if cfgs == nil {
		cfgs = []serving.ModelConfig{{Name: opts.ModelName, BasePath: opts.BasePath}}
	}
	for _, m := range cfgs {
		if m.Name == "" || strings.ContainsAny(m.Name, "/:") {
			return usageErr("serve: model name %q: want a non-empty name without '/' or ':'", m.Name)
		}
		if st, err := os.Stat(m.BasePath); err != nil || !st.IsDir() {
			return usageErr("serve: model %s: model base path %s is not a directory", m.Name, m.BasePath)
		}
	}
	for _, f := range []string{"port", "rest_api_port"} {
		if c.Int(f) < 0 || c.Int(f) > 65535 {
			return usageErr("serve: --%s %d out of range", f, c.Int(f))
		}
	}
	if c.Int("port") == 0 && c.Int("rest_api_port") == 0 {
		return usageErr("serve: --port and --rest_api_port are both 0; nothing would be served")
	}
	if c.Int("port") != 0 && c.Int("port") == c.Int("rest_api_port") {
		return usageErr("serve: --port and --rest_api_port are both %d; gRPC and REST need their own ports", c.Int("port"))
	}
	if c.Int("max-body-mb") < 1 || c.Int("max-inflight-mb") < c.Int("max-body-mb") {
		return usageErr("serve: --max-body-mb must be >= 1 and --max-inflight-mb at least --max-body-mb")
	}
	if c.Int("rest_api_timeout_in_ms") < 0 || c.Int("file_system_poll_wait_seconds") < 0 || c.Int("model_config_file_poll_wait_seconds") < 0 {
		return usageErr("serve: --rest_api_timeout_in_ms and the *_poll_wait_seconds flags must be >= 0")
	}
	opts.PollInterval = time.Duration(c.Int("file_system_poll_wait_seconds")) * time.Second
	if c.IsSet("poll") {
		opts.PollInterval = c.Duration("poll")
	}
	if c.Bool("enable_batching") {
		b := serving.DefaultBatchingOptions(runtime.NumCPU())
		if f := c.String("batching_parameters_file"); f != "" {
			p, err := serving.ReadBatchingParameters(f, b)
			if err != nil {
				return usageErr("serve: --batching_parameters_file: %v", err)
			}
			b = *p
		}
		opts.Batching = &b
	} else if c.String("batching_parameters_file") != "" {
		return usageErr("serve: --batching_parameters_file needs --enable_batching")
	}
	if f := c.String("monitoring_config_file"); f != "" {
		m, err := serving.ReadMonitoringConfig(f)
		if err != nil {
			return usageErr("serve: --monitoring_config_file: %v", err)
		}
		opts.Monitoring = m
	}
	logger := log.New(c.App.ErrWriter, "tfnids serve: ", log.LstdFlags)
	if c.App.ErrWriter == nil {
		logger.SetOutput(os.Stderr)
	}
	opts.Logf = logger.Printf

	// Both ports are bound before any model loads, so a busy port fails
	// at once rather than after minutes of loading.
	host := c.String("host")
	var restLn, grpcLn net.Listener
	closeAll := func() {
		for _, ln := range []net.Listener{restLn, grpcLn} {
			if ln != nil {
				ln.Close()
			}
		}
	}
	var err error
	if p := c.Int("rest_api_port"); p != 0 {
		if restLn, err = net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p))); err != nil {
			return usageErr("serve: --rest_api_port: %v", err)
		}
	}
	if p := c.Int("port"); p != 0 {
		if grpcLn, err = net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p))); err != nil {
			closeAll()
			return usageErr("serve: --port: %v", err)
		}
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		logger.Printf("warning: listening on %s, reachable from other machines; the API has no authentication", host)
	}
	srv, err := serving.NewServer(opts)
	if err != nil {
		closeAll()
		return usageErr("serve: %v", err)
	}
	for _, name := range srv.ModelNames() {
		m := srv.Model(name)
		where := ""
		if restLn != nil {
			where = fmt.Sprintf(" at http://%s/v1/models/%s", restLn.Addr(), name)
		}
		if v := m.Current(); v >= 0 {
			logger.Printf("serving model %s version %d%s", name, v, where)
		} else {
			logger.Printf("no loadable version of model %s yet; waiting%s", name, where)
		}
	}
	if grpcLn != nil {
		logger.Printf("gRPC API at %s", grpcLn.Addr())
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.ServeAll(ctx, restLn, grpcLn); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Printf("stopped")
	return nil
}

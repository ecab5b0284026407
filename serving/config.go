package serving

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	configpb "github.com/wamuir/graft/tensorflow/serving/config_go_proto"
	stfpb "github.com/wamuir/graft/tensorflow/serving/servables/tensorflow_go_proto"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// This file reads TensorFlow Serving's three text-proto files: the model
// config (--model_config_file, a ModelServerConfig), the monitoring config
// (--monitoring_config_file, a MonitoringConfig) and the batching
// parameters (--batching_parameters_file, a BatchingParameters). They are
// parsed with prototext into the real messages (graft ships them), so a
// file TensorFlow Serving accepts is accepted here and the other way round.

// ModelConfig is one model of a model config file.
type ModelConfig struct {
	Name     string
	BasePath string
	Policy   Policy
	// Labels maps version labels to versions (version_labels).
	Labels map[string]int64
}

// ConfigError is a bad line in one of the config files.
type ConfigError struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int
	Field  string // the field at fault, when known
	Msg    string
}

func (e *ConfigError) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos += ":" + strconv.Itoa(e.Line)
		if e.Column > 0 {
			pos += ":" + strconv.Itoa(e.Column)
		}
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: field %s: %s", pos, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", pos, e.Msg)
}

// prototext's errors carry "(line L:C): message"; the prefix before it is
// deliberately unstable, so only the part from the position on is used.
var textPos = regexp.MustCompile(`\(line (\d+):(\d+)\):\s*(.*)$`)

// fieldBefore is the field name before a value.
var fieldBefore = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*:\s*$`)

// configEntry is the line opening a "config" entry of model_config_list.
var configEntry = regexp.MustCompile(`(^|[\s{])config\s*:?\s*\{`)

// fieldInMsg finds the field name prototext names in its messages.
var fieldInMsg = regexp.MustCompile(`(?:unknown field|field|for \S+ field|for field)[: ]+"?([A-Za-z_][A-Za-z0-9_.]*)"?`)

func parseText(file string, text []byte, m proto.Message) error {
	err := prototext.Unmarshal(text, m)
	if err == nil {
		return nil
	}
	ce := &ConfigError{File: file, Msg: strings.TrimLeftFunc(strings.TrimPrefix(err.Error(), "proto:"), unicode.IsSpace)}
	if strings.Contains(ce.Msg, "unexpected EOF") {
		ce.Msg = "unexpected end of file (an unclosed '{'?)"
	}
	if mm := textPos.FindStringSubmatch(err.Error()); mm != nil {
		ce.Line, _ = strconv.Atoi(mm[1])
		ce.Column, _ = strconv.Atoi(mm[2])
		ce.Msg = mm[3]
		if f := fieldInMsg.FindStringSubmatch(ce.Msg); f != nil {
			ce.Field = f[1]
		} else if ce.Line > 0 {
			// A bad value: the field is the name before the colon ahead of it.
			lines := strings.Split(string(text), "\n")
			if ce.Line <= len(lines) {
				prefix := lines[ce.Line-1]
				if ce.Column-1 <= len(prefix) && ce.Column > 0 {
					prefix = prefix[:ce.Column-1]
				}
				if f := fieldBefore.FindStringSubmatch(prefix); f != nil {
					ce.Field = f[1]
				}
			}
		}
	}
	return ce
}

// lineOf returns the 1-based line of the first occurrence of needle at or
// after the line after, or 0.
func lineOf(text []byte, needle string, after int) int {
	lines := strings.Split(string(text), "\n")
	for i := max(after-1, 0); i < len(lines); i++ {
		if strings.Contains(lines[i], needle) {
			return i + 1
		}
	}
	return 0
}

// lineMatching is lineOf for a pattern.
func lineMatching(text []byte, re *regexp.Regexp, after int) int {
	lines := strings.Split(string(text), "\n")
	for i := max(after-1, 0); i < len(lines); i++ {
		if re.MatchString(lines[i]) {
			return i + 1
		}
	}
	return 0
}

// ParseModelConfig parses a model config file's text: model_config_list
// with one config per model (name, base_path, model_platform
// "tensorflow", model_version_policy, version_labels).
func ParseModelConfig(file string, text []byte) ([]ModelConfig, error) {
	var msc configpb.ModelServerConfig
	if err := parseText(file, text, &msc); err != nil {
		return nil, err
	}
	if msc.GetCustomModelConfig() != nil {
		return nil, &ConfigError{File: file, Line: lineOf(text, "custom_model_config", 0), Field: "custom_model_config",
			Msg: "not supported; use model_config_list"}
	}
	list := msc.GetModelConfigList().GetConfig()
	if len(list) == 0 {
		return nil, &ConfigError{File: file, Field: "model_config_list", Msg: "no model config { ... } entries"}
	}
	seen := map[string]bool{}
	var out []ModelConfig
	configLine := 0
	for i, c := range list {
		// The i-th "config" entry starts at the next line naming config.
		configLine = lineMatching(text, configEntry, configLine+1)
		next := lineMatching(text, configEntry, configLine+1)
		at := func(field, msg string, a ...any) error {
			l := lineOf(text, field, configLine)
			if l == 0 || (next > 0 && l >= next) {
				l = configLine
			}
			return &ConfigError{File: file, Line: l, Field: fmt.Sprintf("model_config_list.config[%d].%s", i, field), Msg: fmt.Sprintf(msg, a...)}
		}
		if c.GetName() == "" || strings.ContainsAny(c.GetName(), "/:") {
			return nil, at("name", "want a non-empty model name without '/' or ':', got %q", c.GetName())
		}
		if seen[c.GetName()] {
			return nil, at("name", "model %q is configured twice", c.GetName())
		}
		seen[c.GetName()] = true
		if c.GetBasePath() == "" {
			return nil, at("base_path", "model %q has no base_path", c.GetName())
		}
		if p := c.GetModelPlatform(); p != "" && p != "tensorflow" {
			return nil, at("model_platform", "model %q: platform %q is not supported (only \"tensorflow\")", c.GetName(), p)
		}
		mc := ModelConfig{Name: c.GetName(), BasePath: c.GetBasePath(), Labels: map[string]int64{}}
		if vp := c.GetModelVersionPolicy(); vp != nil {
			switch {
			case vp.GetAll() != nil:
				mc.Policy.All = true
			case vp.GetSpecific() != nil:
				if len(vp.GetSpecific().GetVersions()) == 0 {
					return nil, at("specific", "model %q: specific policy lists no versions", c.GetName())
				}
				mc.Policy.Specific = append([]int64{}, vp.GetSpecific().GetVersions()...)
			case vp.GetLatest() != nil:
				mc.Policy.Latest = int(vp.GetLatest().GetNumVersions())
			}
		}
		labels := make([]string, 0, len(c.GetVersionLabels()))
		for label := range c.GetVersionLabels() {
			labels = append(labels, label)
		}
		sort.Strings(labels)
		for _, label := range labels {
			v := c.GetVersionLabels()[label]
			if label == "" || strings.ContainsAny(label, "/:") {
				return nil, at("version_labels", "model %q: label %q must be non-empty without '/' or ':'", c.GetName(), label)
			}
			if v < 0 {
				return nil, at("version_labels", "model %q: label %q points at negative version %d", c.GetName(), label, v)
			}
			mc.Labels[label] = v
		}
		out = append(out, mc)
	}
	return out, nil
}

// ReadModelConfig reads and parses a model config file.
func ReadModelConfig(path string) ([]ModelConfig, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseModelConfig(path, text)
}

// MonitoringOptions is what a monitoring config enables.
type MonitoringOptions struct {
	// PrometheusPath is where the REST port answers Prometheus scrapes
	// ("" when Prometheus is off).
	PrometheusPath string
}

// DefaultPrometheusPath is TensorFlow Serving's default metrics path.
const DefaultPrometheusPath = "/monitoring/prometheus/metrics"

// ReadMonitoringConfig reads a MonitoringConfig text file
// (prometheus_config { enable: true path: "..." }).
func ReadMonitoringConfig(path string) (*MonitoringOptions, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var mc configpb.MonitoringConfig
	if err := parseText(path, text, &mc); err != nil {
		return nil, err
	}
	out := &MonitoringOptions{}
	if pc := mc.GetPrometheusConfig(); pc.GetEnable() {
		out.PrometheusPath = pc.GetPath()
		if out.PrometheusPath == "" {
			out.PrometheusPath = DefaultPrometheusPath
		}
		if !strings.HasPrefix(out.PrometheusPath, "/") || strings.HasPrefix(strings.ToLower(out.PrometheusPath), "/v1/") {
			return nil, &ConfigError{File: path, Line: lineOf(text, "path", 0), Field: "prometheus_config.path",
				Msg: fmt.Sprintf("%q must start with '/' and not lie under /v1/", out.PrometheusPath)}
		}
	}
	return out, nil
}

// BatchingOptions are TensorFlow Serving's batching parameters.
type BatchingOptions struct {
	// MaxBatchSize is the most rows merged into one session run.
	MaxBatchSize int
	// BatchTimeout is how long a batch waits to fill up after its first
	// request (0: it runs as soon as a batch thread is free, with what is
	// queued by then).
	BatchTimeout time.Duration
	// NumBatchThreads is how many batches run at once.
	NumBatchThreads int
	// MaxEnqueuedBatches bounds the queue; requests beyond it get
	// UNAVAILABLE.
	MaxEnqueuedBatches int
	// AllowedBatchSizes, when set, are the batch sizes run (a batch is
	// padded up to the next one); the last must equal MaxBatchSize.
	AllowedBatchSizes []int
}

// DefaultBatchingOptions are TensorFlow Serving's defaults
// (max_batch_size 1000, batch_timeout_micros 0, max_enqueued_batches 10,
// num_batch_threads one per core).
func DefaultBatchingOptions(cores int) BatchingOptions {
	return BatchingOptions{MaxBatchSize: 1000, NumBatchThreads: max(cores, 1), MaxEnqueuedBatches: 10}
}

// ReadBatchingParameters reads a BatchingParameters text file
// (max_batch_size { value: 128 } ...) over defaults.
func ReadBatchingParameters(path string, defaults BatchingOptions) (*BatchingOptions, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var bp stfpb.BatchingParameters
	if err := parseText(path, text, &bp); err != nil {
		return nil, err
	}
	o := defaults
	bad := func(field, msg string, a ...any) error {
		return &ConfigError{File: path, Line: lineOf(text, field, 0), Field: field, Msg: fmt.Sprintf(msg, a...)}
	}
	if v := bp.GetMaxBatchSize(); v != nil {
		if v.GetValue() < 1 {
			return nil, bad("max_batch_size", "must be >= 1, got %d", v.GetValue())
		}
		o.MaxBatchSize = int(v.GetValue())
	}
	if v := bp.GetBatchTimeoutMicros(); v != nil {
		if v.GetValue() < 0 {
			return nil, bad("batch_timeout_micros", "must be >= 0, got %d", v.GetValue())
		}
		o.BatchTimeout = time.Duration(v.GetValue()) * time.Microsecond
	}
	if v := bp.GetNumBatchThreads(); v != nil {
		if v.GetValue() < 1 {
			return nil, bad("num_batch_threads", "must be >= 1, got %d", v.GetValue())
		}
		o.NumBatchThreads = int(v.GetValue())
	}
	if v := bp.GetMaxEnqueuedBatches(); v != nil {
		if v.GetValue() < 1 {
			return nil, bad("max_enqueued_batches", "must be >= 1, got %d", v.GetValue())
		}
		o.MaxEnqueuedBatches = int(v.GetValue())
	}
	if s := bp.GetAllowedBatchSizes(); len(s) > 0 {
		o.AllowedBatchSizes = nil
		for i, v := range s {
			if v < 1 || (i > 0 && v <= s[i-1]) {
				return nil, bad("allowed_batch_sizes", "must be positive and increasing, got %v", s)
			}
			o.AllowedBatchSizes = append(o.AllowedBatchSizes, int(v))
		}
		if last := o.AllowedBatchSizes[len(s)-1]; last != o.MaxBatchSize {
			return nil, bad("allowed_batch_sizes", "the last entry (%d) must equal max_batch_size (%d)", last, o.MaxBatchSize)
		}
	}
	return &o, nil
}

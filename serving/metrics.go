package serving

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc/codes"
)

// metrics are the Prometheus series tfnids serve exports, under
// TensorFlow Serving's names (its "/tensorflow/serving/request_count"
// becomes ":tensorflow:serving:request_count" in Prometheus, as its own
// exporter writes it), plus tfnids' per-stage request latency and the
// process's CPU time (process_cpu_seconds_total), which the serving
// benchmark reads to say where a request's time goes. Each Server has its
// own registry. A nil *metrics records nothing.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec   // model_name, status
	latency      *prometheus.HistogramVec // model_name, API, entrypoint (microseconds)
	loads        *prometheus.CounterVec   // model_path, status
	loadTime     *prometheus.HistogramVec // model_name (microseconds)
	batchSizes   *prometheus.HistogramVec // model_name
	queueLatency *prometheus.HistogramVec // model_name (microseconds)
	runLatency   prometheus.Histogram     // one per session run (microseconds)
	stageLatency *prometheus.HistogramVec // model_name, entrypoint, stage (microseconds)

	// Observers of stageLatency by model and entrypoint, looked up once:
	// a labelled lookup per stage per request would cost more than the
	// timing itself.
	mu     sync.Mutex
	stages map[[2]string]*[numStages]prometheus.Observer
}

// latencyBuckets are TensorFlow Serving's: 10 µs × 1.8^k, 33 buckets (about
// 20 minutes).
func latencyBuckets() []float64 { return prometheus.ExponentialBuckets(10, 1.8, 33) }

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ":tensorflow:serving:request_count", Help: "The total number of requests.",
		}, []string{"model_name", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    ":tensorflow:serving:request_latency",
			Help:    "Distribution of wall time (in microseconds) for Tensorflow Serving request.",
			Buckets: latencyBuckets(),
		}, []string{"model_name", "API", "entrypoint"}),
		loads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ":tensorflow:cc:saved_model:load_attempt_count",
			Help: "The number of times a SavedModel was successfully loaded.",
		}, []string{"model_path", "status"}),
		loadTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    ":tensorflow:cc:saved_model:load_latency_by_stage",
			Help:    "Distribution of wall time spent (in microseconds) loading and warming up a version.",
			Buckets: latencyBuckets(),
		}, []string{"model_path"}),
		batchSizes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    ":tensorflow:serving:batching_session:processed_batch_size",
			Help:    "Tracks the batch size distribution on processing.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14),
		}, []string{"model_name"}),
		queueLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    ":tensorflow:serving:batching_session:queuing_latency",
			Help:    "Distribution of wall time spent (in microseconds) in queuing",
			Buckets: latencyBuckets(),
		}, []string{"model_name"}),
		runLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    ":tensorflow:core:graph_run_time_usecs_histogram",
			Help:    "The wall-clock time spent on executing graphs in microseconds.",
			Buckets: latencyBuckets(),
		}),
		stageLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: ":tfnids:serving:request_stage_latency",
			Help: "Distribution of wall time (in microseconds) a predict request spends per stage: " +
				"read, decode, queue, merge, run, split, encode, marshal (see serving/stages.go).",
			Buckets: latencyBuckets(),
		}, []string{"model_name", "entrypoint", "stage"}),
		stages: map[[2]string]*[numStages]prometheus.Observer{},
	}
	m.reg.MustRegister(m.requests, m.latency, m.loads, m.loadTime, m.batchSizes, m.queueLatency,
		m.runLatency, m.stageLatency, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// request records one finished request.
func (m *metrics) request(model, api, entrypoint string, code codes.Code, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(model, codeName(code)).Inc()
	m.latency.WithLabelValues(model, api, entrypoint).Observe(float64(took.Microseconds()))
}

// loadAttempt records a version load; model_path is "name/version", not
// the server path, which the metrics endpoint must not reveal.
func (m *metrics) loadAttempt(model string, version int64, err error) {
	if m == nil {
		return
	}
	status := "success"
	if err != nil {
		status = "fail"
	}
	m.loads.WithLabelValues(model+"/"+strconv.FormatInt(version, 10), status).Inc()
}

func (m *metrics) loadLatency(model string, d time.Duration) {
	if m == nil {
		return
	}
	m.loadTime.WithLabelValues(model).Observe(float64(d.Microseconds()))
}

// batch records one merged batch of size rows (padded), once per batch as
// TensorFlow Serving does.
func (m *metrics) batch(model string, size int) {
	if m == nil {
		return
	}
	m.batchSizes.WithLabelValues(model).Observe(float64(size))
}

// queued records one request's wait in the batch queue.
func (m *metrics) queued(model string, d time.Duration) {
	if m == nil {
		return
	}
	m.queueLatency.WithLabelValues(model).Observe(float64(d.Microseconds()))
}

// run records one session run.
func (m *metrics) run(d time.Duration) {
	if m == nil {
		return
	}
	m.runLatency.Observe(float64(d.Microseconds()))
}

// stageObservers returns the stage histograms of a model and entrypoint.
func (m *metrics) stageObservers(model, entrypoint string) *[numStages]prometheus.Observer {
	key := [2]string{model, entrypoint}
	m.mu.Lock()
	defer m.mu.Unlock()
	obs := m.stages[key]
	if obs == nil {
		obs = new([numStages]prometheus.Observer)
		for s := range obs {
			obs[s] = m.stageLatency.WithLabelValues(model, entrypoint, stageNames[s])
		}
		m.stages[key] = obs
	}
	return obs
}

// stage records one stage of one request.
func (m *metrics) stage(model, entrypoint string, s stage, d time.Duration) {
	if m == nil {
		return
	}
	m.stageObservers(model, entrypoint)[s].Observe(float64(d.Nanoseconds()) / 1e3)
}

// stageTimes records the stages st timed for one request.
func (m *metrics) stageTimes(model, entrypoint string, st *stageTimes) {
	if m == nil || st == nil || st.set == 0 {
		return
	}
	obs := m.stageObservers(model, entrypoint)
	for s, d := range st.d {
		if st.set&(1<<s) != 0 {
			obs[s].Observe(float64(d.Nanoseconds()) / 1e3)
		}
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

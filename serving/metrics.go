package serving

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc/codes"
)

// metrics are the Prometheus series tfnids serve exports, under
// TensorFlow Serving's names (its "/tensorflow/serving/request_count"
// becomes ":tensorflow:serving:request_count" in Prometheus, as its own
// exporter writes it). Each Server has its own registry. A nil *metrics
// records nothing.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec   // model_name, status
	latency      *prometheus.HistogramVec // model_name, API, entrypoint (microseconds)
	loads        *prometheus.CounterVec   // model_path, status
	loadTime     *prometheus.HistogramVec // model_name (microseconds)
	batchSizes   *prometheus.HistogramVec // model_name
	queueLatency *prometheus.HistogramVec // model_name (microseconds)
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
	}
	m.reg.MustRegister(m.requests, m.latency, m.loads, m.loadTime, m.batchSizes, m.queueLatency)
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

func (m *metrics) batch(model string, size int, queued time.Duration) {
	if m == nil {
		return
	}
	m.batchSizes.WithLabelValues(model).Observe(float64(size))
	m.queueLatency.WithLabelValues(model).Observe(float64(queued.Microseconds()))
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Package telemetry owns what shopmind tells its operators: Prometheus
// metrics (HTTP requests and latency by route and status, events ingested by
// type and outcome, store operation latency) and the /metrics handler.
//
// Other packages report through small interfaces (ingest.Observer) or through
// the instrumented store wrapper, so they do not import Prometheus themselves.
package telemetry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/shop"
)

// Metrics holds shopmind's collectors in their own registry.
type Metrics struct {
	Registry       *prometheus.Registry
	httpRequests   *prometheus.CounterVec
	httpLatency    *prometheus.HistogramVec
	eventsIngested *prometheus.CounterVec
	storeLatency   *prometheus.HistogramVec
}

// New creates the collectors, with Go runtime and process metrics.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopmind_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shopmind_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		eventsIngested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopmind_events_ingested_total",
			Help: "Events received, by event type and outcome (accepted, duplicate, refused).",
		}, []string{"type", "status"}),
		storeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shopmind_store_operation_duration_seconds",
			Help:    "Store operation latency by operation and result (ok or error).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"op", "result"}),
	}
	m.Registry.MustRegister(m.httpRequests, m.httpLatency, m.eventsIngested, m.storeLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// GaugeFunc exports a value read at scrape time.
func (m *Metrics) GaugeFunc(name, help string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// ObserveHTTP records one served request.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpLatency.WithLabelValues(route, method).Observe(d.Seconds())
}

// EventsIngested implements ingest.Observer.
func (m *Metrics) EventsIngested(t shop.EventType, s ingest.Status, n int) {
	m.eventsIngested.WithLabelValues(string(t), string(s)).Add(float64(n))
}

func (m *Metrics) observeStore(op string, start time.Time, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.storeLatency.WithLabelValues(op, result).Observe(time.Since(start).Seconds())
}

package webhook

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the receiver's Prometheus collectors.
type Metrics struct {
	deliveries *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	batches    prometheus.Histogram
}

// knownEvents bounds the event label: anything else is counted as "other", so a stranger
// with a valid secret cannot grow the metric set without limit.
var knownEvents = map[string]bool{
	"workflow_job": true, "workflow_run": true, "ping": true, "push": true, "pull_request": true,
	"check_run": true, "check_suite": true, "workflow_dispatch": true, "deployment": true,
	"deployment_status": true, "deployment_review": true, "deployment_protection_rule": true, "": true,
	// GitLab's, labelled apart (GitLabHandler).
	"gitlab:Job Hook": true, "gitlab:Pipeline Hook": true, "gitlab:Push Hook": true, "gitlab:": true,
}

// NewMetrics creates the collectors and registers them with reg when it is not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "ciradar", Name: "webhook_deliveries_total",
			Help: "Webhook deliveries by event and outcome (stored, stored_raw, duplicate, ping, malformed, bad_signature, too_large, unavailable, ...).",
		}, []string{"event", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "ciradar", Name: "webhook_request_duration_seconds",
			Help:    "Time from request start to answer, commit included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"code"}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "ciradar", Name: "store_commit_batch_size",
			Help:    "Deliveries per committed transaction (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.deliveries, m.latency, m.batches)
	}
	return m
}

// ObserveBatch records one committed batch; pass it to store.CommitterOptions.
func (m *Metrics) ObserveBatch(size int) { m.batches.Observe(float64(size)) }

func (m *Metrics) observe(event, outcome string, code int, d time.Duration) {
	if !knownEvents[event] {
		event = "other"
	}
	m.deliveries.WithLabelValues(event, outcome).Inc()
	m.latency.WithLabelValues(strconv.Itoa(code)).Observe(d.Seconds())
}

// Deliveries exposes one counter, for tests and for the plugin's ingest view.
func (m *Metrics) Deliveries(event, outcome string) prometheus.Counter {
	return m.deliveries.WithLabelValues(event, outcome)
}

package reconcile

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the reconciler's Prometheus series.
type Metrics struct {
	leader           prometheus.Gauge
	cycles           *prometheus.CounterVec
	cycleSeconds     prometheus.Histogram
	cycleRequests    prometheus.Gauge
	cycleCharged     prometheus.Gauge
	cycleGitLab      prometheus.Gauge
	redelivered      prometheus.Counter
	redeliverGivenUp prometheus.Counter
	backlog          prometheus.Gauge
	stuck            *prometheus.CounterVec
	scans            *prometheus.CounterVec
}

// NewMetrics creates the series and registers them on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ciradar_reconciler_leader",
			Help: "1 while this process holds the reconciler lock."}),
		cycles: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciradar_reconciler_cycles_total",
			Help: "Reconcile cycles run, by result (ok or error)."}, []string{"result"}),
		cycleSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ciradar_reconciler_cycle_seconds",
			Help: "Duration of reconcile cycles.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 12)}),
		cycleRequests: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ciradar_reconciler_cycle_api_requests",
			Help: "GitHub API requests made by the last cycle, 304s included."}),
		cycleCharged: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ciradar_reconciler_cycle_api_charged",
			Help: "GitHub API requests of the last cycle that cost rate limit (all but the 304s)."}),
		cycleGitLab: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ciradar_reconciler_cycle_gitlab_api_requests",
			Help: "GitLab API requests made by the last cycle (an idle project costs one)."}),
		redelivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "ciradar_reconciler_redelivered_total",
			Help: "Failed webhook deliveries the reconciler asked GitHub to redeliver."}),
		redeliverGivenUp: prometheus.NewCounter(prometheus.CounterOpts{Name: "ciradar_reconciler_redelivery_given_up_total",
			Help: "Failed deliveries given up on after repeated redeliveries."}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ciradar_reconciler_redelivery_backlog",
			Help: "Failed deliveries left for later cycles by the per-cycle cap or an error."}),
		stuck: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciradar_reconciler_stuck_jobs_total",
			Help: "Stuck jobs asked about, by outcome (corrected or confirmed)."}, []string{"outcome"}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciradar_reconciler_log_scans_total",
			Help: "Failed-job logs scanned, by state (scanned, empty, expired, error)."}, []string{"state"}),
	}
	if reg != nil {
		reg.MustRegister(m.leader, m.cycles, m.cycleSeconds, m.cycleRequests, m.cycleCharged, m.cycleGitLab, m.redelivered,
			m.redeliverGivenUp, m.backlog, m.stuck, m.scans)
	}
	return m
}

func (m *Metrics) observeCycle(st CycleStats, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.cycles.WithLabelValues(result).Inc()
	m.cycleSeconds.Observe(took.Seconds())
	m.cycleRequests.Set(float64(st.API.Requests))
	m.cycleCharged.Set(float64(st.API.Charged()))
	m.cycleGitLab.Set(float64(st.GitLab.Calls))
	m.backlog.Set(float64(st.RedeliverBacklog))
}

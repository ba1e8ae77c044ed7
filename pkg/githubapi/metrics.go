package githubapi

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the client's Prometheus series. Register them on serve's registry with
// NewMetrics(reg) so /metrics shows API use next to the receiver's own series.
type Metrics struct {
	requests  *prometheus.CounterVec
	notMod    prometheus.Counter
	remaining *prometheus.GaugeVec
	limit     *prometheus.GaugeVec
	waits     *prometheus.CounterVec
	waitSecs  *prometheus.CounterVec
}

// NewMetrics creates the series and registers them on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciradar_github_api_requests_total",
			Help: "Requests sent to the GitHub REST API, by status code (304s included)."}, []string{"code"}),
		notMod: prometheus.NewCounter(prometheus.CounterOpts{Name: "ciradar_github_api_not_modified_total",
			Help: "Conditional requests GitHub answered 304 Not Modified: they cost no rate limit."}),
		remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ciradar_github_rate_limit_remaining",
			Help: "Requests left in the current rate-limit window, as GitHub last reported."}, []string{"resource"}),
		limit: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ciradar_github_rate_limit_limit",
			Help: "Requests allowed per rate-limit window, as GitHub last reported."}, []string{"resource"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciradar_github_rate_limit_waits_total",
			Help: "Times the client waited for a rate limit, by kind (primary or secondary)."}, []string{"kind"}),
		waitSecs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciradar_github_rate_limit_wait_seconds_total",
			Help: "Seconds spent waiting for rate limits, by kind."}, []string{"kind"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.notMod, m.remaining, m.limit, m.waits, m.waitSecs)
	}
	return m
}

// Stats are running totals for one client: callers take differences to measure a cycle.
type Stats struct {
	Requests    int64 // every request sent, 304s included
	NotModified int64 // 304s, free of rate limit
	Remaining   int64 // last X-RateLimit-Remaining seen (core), -1 before any
}

// Charged is the rate limit the requests cost: everything but the 304s.
func (s Stats) Charged() int64 { return s.Requests - s.NotModified }

// Sub is the difference s - o.
func (s Stats) Sub(o Stats) Stats {
	return Stats{Requests: s.Requests - o.Requests, NotModified: s.NotModified - o.NotModified, Remaining: s.Remaining}
}

type counters struct {
	requests, notModified atomic.Int64
	remaining             atomic.Int64
}

// metered counts every request that reaches GitHub and records the rate-limit headers.
type metered struct {
	next http.RoundTripper
	m    *Metrics
	c    *counters
}

func (t *metered) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.c.requests.Add(1)
	t.m.requests.WithLabelValues(strconv.Itoa(resp.StatusCode)).Inc()
	if resp.StatusCode == http.StatusNotModified {
		t.c.notModified.Add(1)
		t.m.notMod.Inc()
	}
	if rem, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Remaining"), 10, 64); err == nil {
		res := strings.ToLower(resp.Header.Get("X-RateLimit-Resource"))
		if res == "" {
			res = "core"
		}
		t.m.remaining.WithLabelValues(res).Set(float64(rem))
		if lim, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Limit"), 10, 64); err == nil {
			t.m.limit.WithLabelValues(res).Set(float64(lim))
		}
		if res == "core" {
			t.c.remaining.Store(rem)
		}
	}
	return resp, nil
}

func (m *Metrics) observeWait(kind string, d time.Duration) {
	m.waits.WithLabelValues(kind).Inc()
	m.waitSecs.WithLabelValues(kind).Add(d.Seconds())
}

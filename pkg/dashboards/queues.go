package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// Queues covers the wait for runners and the runners themselves.
func Queues() (dashboard.Dashboard, error) {
	b := newDashboard("ciradar-queues", "CI Radar / Queues and runners",
		"Queue-time percentiles per runner label set, what is queued now, the runners and how busy each pool is.",
		"now-24h", "1m")
	b.add(12, 9, timeseriesPanel("Queue time p95 per label set", "95th percentile of the real queue time (created or approved → started), per runner label set. Approval waits are left out.",
		target(Query{QueryType: "queue_time", GroupBy: "labels"}), "s", false).
		WithTransformation(keep("time", "p95")).
		DisplayName("${__field.labels.label_key}"))
	b.add(12, 9, timeseriesPanel("Queue time percentiles", "p50, p90, p95, p99 and the maximum over every label set the filters allow.",
		target(Query{QueryType: "queue_time", GroupBy: "none"}), "s", false).
		WithTransformation(keep("time", "p50", "p90", "p95", "p99", "max")))

	b.add(12, 8, bargaugePanel("Queued now per label set", "Jobs waiting for a runner now.",
		target(Query{QueryType: "queued_now", Value: "count"}), "", "${__field.labels.label_key}",
		steps("green", 5, "orange", 20, "red")))
	b.add(12, 8, bargaugePanel("Oldest queued job per label set", "How long the oldest job still queued has waited; the alert fires past 10 minutes.",
		target(Query{QueryType: "queued_now", Value: "oldest_age_seconds"}), "s", "${__field.labels.label_key}",
		steps("green", 300, "orange", 600, "red")))

	b.add(12, 8, timeseriesPanel("Abandoned jobs per label set", "Jobs that ended without a runner ever taking them (cancelled, expired or gone while waiting), per label set and interval. Their waits are not in the percentiles unless a query asks for includeAbandoned; a rise here while p95 looks fine means people gave up waiting.",
		target(Query{QueryType: "queue_time", GroupBy: "labels"}), "short", true).
		WithTransformation(keep("time", "abandoned")).
		DisplayName("${__field.labels.label_key}"))
	b.add(12, 8, timeseriesPanel("Queue time p95 with abandoned waits", "The same p95 per label set, counting each abandoned job's wait (created to its end) as a sample: what an SLO on waiting should see.",
		target(Query{QueryType: "queue_time", GroupBy: "labels", IncludeAbandoned: true}), "s", false).
		WithTransformation(keep("time", "p95")).
		DisplayName("${__field.labels.label_key}"))
	b.add(activeJobsPanel(10))
	demandPanels(b)

	b.add(24, 8, timeseriesPanel("Utilisation per pool", "Share of each self-hosted pool's runner time spent running jobs; a pool is a label set. GitHub-hosted runners are one pool, counted by jobs: their running time over the plan's concurrency limit.",
		target(Query{QueryType: "runner_utilization", Filters: runnerFilters()}), "percentunit", false).
		DisplayName("${__field.labels.pool}").Max(1).Min(0))

	b.add(24, 10, tablePanel("Runners", "Self-hosted runners: group, label sets, status, jobs and busy time within the range, last seen.",
		target(Query{QueryType: "runners", Filters: runnerFilters()}), stateColors("status"),
		byName("busy_seconds", prop("unit", "s"))))
	return b.build()
}

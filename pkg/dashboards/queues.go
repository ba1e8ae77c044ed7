package dashboards

// Queues covers the wait for runners and the runners themselves.
func Queues() *Dashboard {
	b := newDashboard("ciradar-queues", "CI Radar / Queues and runners",
		"Queue-time percentiles per runner label set, what is queued now, the runners and how busy each pool is.",
		"now-24h", "1m")
	p95 := b.add(12, 9, timeseries("Queue time p95 per label set", "95th percentile of the real queue time (created or approved → started), per runner label set. Approval waits are left out.",
		target("queue_time", map[string]any{"groupBy": "labels"}), "s", false))
	p95.Transformations = []map[string]any{keep("time", "p95")}
	p95.FieldConfig.Defaults["displayName"] = "${__field.labels.label_key}"
	pct := b.add(12, 9, timeseries("Queue time percentiles", "p50, p90, p95, p99 and the maximum over every label set the filters allow.",
		target("queue_time", map[string]any{"groupBy": "none"}), "s", false))
	pct.Transformations = []map[string]any{keep("time", "p50", "p90", "p95", "p99", "max")}

	b.add(12, 8, bargauge("Queued now per label set", "Jobs waiting for a runner now.",
		target("queued_now", map[string]any{"value": "count"}), "", "${__field.labels.label_key}",
		steps("green", 5, "orange", 20, "red")))
	b.add(12, 8, bargauge("Oldest queued job per label set", "How long the oldest job still queued has waited; the alert fires past 10 minutes.",
		target("queued_now", map[string]any{"value": "oldest_age_seconds"}), "s", "${__field.labels.label_key}",
		steps("green", 300, "orange", 600, "red")))

	util := b.add(24, 8, timeseries("Utilisation per pool", "Share of each self-hosted pool's runner time spent running jobs. A pool is a label set; GitHub-hosted runners are left out.",
		target("runner_utilization", map[string]any{"filters": runnerFilters()}), "percentunit", false))
	util.FieldConfig.Defaults["displayName"] = "${__field.labels.pool}"
	util.FieldConfig.Defaults["max"] = 1
	util.FieldConfig.Defaults["min"] = 0

	b.add(24, 10, table("Runners", "Self-hosted runners: group, label sets, status, jobs and busy time within the range, last seen.",
		target("runners", map[string]any{"filters": runnerFilters()}), stateColors("status"),
		byName("busy_seconds", Property{ID: "unit", Value: "s"})))
	return b.d
}

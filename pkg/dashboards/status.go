package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// Status shows GitHub's own status and the health of CI Radar's ingest.
func Status() (dashboard.Dashboard, error) {
	b := newDashboard("ciradar-status", "CI Radar / Status",
		"GitHub's status page (components and unresolved incidents) and CI Radar's own ingest: deliveries per hour by event and outcome, rejections, and the age of the newest delivery.",
		"now-24h", "1m")
	b.add(12, 10, tablePanel("GitHub components", "Components of the configured status page (githubstatus.com by default).",
		Query{QueryType: "github_status", View: "components"}, stateColors("status")))
	b.add(12, 10, tablePanel("GitHub incidents", "Unresolved incidents with their latest update. Names open the incident.",
		Query{QueryType: "github_status", View: "incidents"},
		byName("name", linkTo("Open incident", "url")), byName("url", hidden())))

	health := Query{QueryType: "ingest_health"}
	b.add(8, 5, statPanel("Newest delivery age", "Time since the newest webhook delivery was stored. The alert fires past 60 minutes.",
		health, "newest_delivery_age_seconds", "lastNotNull", "s", steps("green", 900, "orange", 3600, "red")))
	b.add(8, 5, statPanel("Deliveries received", "Deliveries stored or rejected within the range.", health, "deliveries", "sum", "short", steps("blue")))
	b.add(8, 5, statPanel("Deliveries rejected", "Deliveries whose signature was valid but whose payload could not be parsed; they are kept for reprojection.",
		health, "deliveries", "sum", "short", steps("green", 1, "red")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "filterFieldsByName", Options: map[string]any{
			"include": map[string]any{"pattern": `/outcome="rejected"/`}}}))

	b.add(24, 5, statPanel("Jobs closed without word from GitHub", "Jobs CI Radar closed itself within the range: expired past GitHub's own limits (queued 48 h, running 6 h hosted or 5 days self-hosted, a run 35 days), or gone when the REST API answered 404. A real event arriving later still wins.",
		health, "jobs", "sum", "short", steps("green", 1, "orange")).
		DisplayName("${__field.labels.closed_by}").NoValue("0"))

	b.add(24, 9, timeseriesPanel("Deliveries per hour", "Webhook deliveries stored or rejected, per hour, by event.",
		health, "short", true, override{regexp: true, field: "/rejected/", props: []dashboard.DynamicConfigValue{fixedColor("red")}}).
		Interval("1h").
		WithTransformation(keep("time", "deliveries")).
		DisplayName("${__field.labels.event} ${__field.labels.outcome}"))
	return b.build()
}

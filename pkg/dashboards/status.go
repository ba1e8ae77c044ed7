package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// Status shows GitHub's own status and the health of CI Radar's ingest.
func Status() (dashboard.Dashboard, error) {
	b := newDashboard("ciradar-status", "CI Radar / Status",
		"GitHub's status page (components and unresolved incidents) and CI Radar's own ingest, by forge: deliveries per hour by event and outcome, rejections, the age of the newest delivery, and the reconciler's API requests, rate limit left, redeliveries and closures.",
		"now-24h", "1m")
	b.add(12, 10, tablePanel("GitHub components", "Components of the configured status page (githubstatus.com by default).",
		Query{QueryType: "github_status", View: "components"}, stateColors("status")))
	b.add(12, 10, tablePanel("GitHub incidents", "Unresolved incidents with their latest update. Names open the incident.",
		Query{QueryType: "github_status", View: "incidents"},
		byName("name", linkTo("Open incident", "url")), byName("url", hidden())))

	// The ingest panels follow the forge variable; GitHub's status and the reconciler's
	// GitHub API figures are GitHub's alone.
	health := Query{QueryType: "ingest_health", Filters: &Filters{Forges: []string{"$forge"}}}
	b.add(8, 5, statPanel("Newest delivery age", "Time since the newest webhook delivery was stored. The alert fires past 60 minutes.",
		health, "newest_delivery_age_seconds", "lastNotNull", "s", steps("green", 900, "orange", 3600, "red")))
	b.add(8, 5, statPanel("Deliveries received", "Deliveries stored or rejected within the range.", health, "deliveries", "sum", "short", steps("blue")))
	b.add(8, 5, statPanel("Deliveries rejected", "Deliveries whose signature was valid but whose payload could not be parsed; they are kept for reprojection.",
		health, "deliveries", "sum", "short", steps("green", 1, "red")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "filterFieldsByName", Options: map[string]any{
			"include": map[string]any{"pattern": `/outcome="rejected"/`}}}))

	b.add(24, 5, statPanel("Jobs closed without word from their forge", "Jobs CI Radar closed itself within the range: expired past their forge's own limits (GitHub: queued 48 h, running 6 h hosted or 5 days self-hosted, a run 35 days; GitLab: pending a day, running past the project's job timeout), or gone when the API answered 404. A real event arriving later still wins.",
		health, "jobs", "sum", "short", steps("green", 1, "orange")).
		DisplayName("${__field.labels.closed_by}").NoValue("0"))

	reconcilerPanels(b)

	b.add(24, 9, timeseriesPanel("Deliveries per hour", "Webhook deliveries stored or rejected, per hour, by forge and event.",
		health, "short", true, override{regexp: true, field: "/rejected/", props: []dashboard.DynamicConfigValue{fixedColor("red")}}).
		Interval("1h").
		WithTransformation(keep("time", "deliveries")).
		DisplayName("${__field.labels.forge} ${__field.labels.event} ${__field.labels.outcome}"))
	return b.build()
}

// reconcilerPanels chart the reconciler from its samples in the store (reconciler_stats):
// what /metrics shows, for a Grafana that does not scrape the receiver.
func reconcilerPanels(b *board) {
	rec := Query{QueryType: "reconciler_stats"}
	b.add(6, 5, statPanel("GitHub rate limit left", "Core REST API requests left in the current hour, as GitHub last reported to the reconciler. The reconciler waits for the reset when it runs out.",
		rec, "rate_limit_remaining", "lastNotNull", "short", steps("red", 500, "orange", 1500, "green")).NoValue("no API calls"))
	b.add(6, 5, statPanel("API requests charged", "GitHub API requests the reconciler made within the range that cost rate limit; conditional requests GitHub answered 304 are free and not counted here.",
		rec, "api_charged", "sum", "short", steps("blue")).NoValue("0"))
	b.add(6, 5, statPanel("Redelivered", "Failed webhook deliveries the reconciler asked GitHub to send again within the range.",
		rec, "redelivered", "sum", "short", steps("green", 1, "orange")).NoValue("0"))
	b.add(6, 5, statPanel("Redelivery backlog", "Failed deliveries left for later cycles by the per-cycle cap or an error, as of the last cycle.",
		rec, "redeliver_backlog", "lastNotNull", "short", steps("green", 1, "orange", 100, "red")).NoValue("0"))
	b.add(12, 8, timeseriesPanel("GitHub API requests per hour", "Requests the reconciler made, per hour: charged against the rate limit, or answered 304 Not Modified (free).",
		rec, "short", true).Interval("1h").WithTransformation(keep("time", "api_charged", "api_not_modified")))
	b.add(12, 8, timeseriesPanel("Rate limit left", "The lowest core rate limit left that the reconciler saw in each bucket.",
		rec, "short", false).WithTransformation(keep("time", "rate_limit_remaining")))
	b.add(24, 8, timeseriesPanel("Redeliveries and jobs closed by the reconciler", "Per hour: failed deliveries redelivered, stuck jobs corrected from the API, and jobs closed without word from GitHub (expired past its limits, or gone on a 404).",
		rec, "short", true).Interval("1h").WithTransformation(keep("time", "redelivered", "stuck_corrected", "expired", "gone")))
}

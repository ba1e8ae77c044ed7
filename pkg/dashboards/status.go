package dashboards

// Status shows GitHub's own status and the health of CI Radar's ingest.
func Status() *Dashboard {
	b := newDashboard("ciradar-status", "CI Radar / Status",
		"GitHub's status page (components and unresolved incidents) and CI Radar's own ingest: deliveries per hour by event and outcome, rejections, and the age of the newest delivery.",
		"now-24h", "1m")
	b.add(12, 10, table("GitHub components", "Components of the configured status page (githubstatus.com by default).",
		map[string]any{"queryType": "github_status", "view": "components"}, stateColors("status")))
	b.add(12, 10, table("GitHub incidents", "Unresolved incidents with their latest update. Names open the incident.",
		map[string]any{"queryType": "github_status", "view": "incidents"},
		byName("name", linkTo("Open incident", "url")), byName("url", hidden())))

	health := map[string]any{"queryType": "ingest_health"}
	b.add(8, 5, stat("Newest delivery age", "Time since the newest webhook delivery was stored. The alert fires past 60 minutes.",
		health, "newest_delivery_age_seconds", "lastNotNull", "s", steps("green", 900, "orange", 3600, "red")))
	b.add(8, 5, stat("Deliveries received", "Deliveries stored or rejected within the range.", health, "deliveries", "sum", "short", steps("blue")))
	rej := b.add(8, 5, stat("Deliveries rejected", "Deliveries whose signature was valid but whose payload could not be parsed; they are kept for reprojection.",
		health, "deliveries", "sum", "short", steps("green", 1, "red")))
	rej.Transformations = []map[string]any{{"id": "filterFieldsByName", "options": map[string]any{
		"include": map[string]any{"pattern": `/outcome="rejected"/`}}}}

	per := b.add(24, 9, timeseries("Deliveries per hour", "Webhook deliveries stored or rejected, per hour, by event.",
		health, "short", true,
		Override{Matcher: Matcher{ID: "byRegexp", Options: "/rejected/"},
			Properties: []Property{{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}}}}))
	per.Interval = "1h"
	per.Transformations = []map[string]any{keep("time", "deliveries")}
	per.FieldConfig.Defaults["displayName"] = "${__field.labels.event} ${__field.labels.outcome}"
	return b.d
}

package dashboards

// Builds ranks repositories, workflows, jobs and labels, and trends build results.
func Builds() *Dashboard {
	b := newDashboard("ciradar-builds", "CI Radar / Repositories and builds",
		"Top repositories and workflows, the longest jobs and longest-waiting labels, build results per week and month, manual against automatic runs, and flaky jobs.",
		"now-30d", "5m")
	stats := func(dim, metric string) map[string]any {
		return target("repo_stats", map[string]any{"dimension": dim, "metric": metric, "limit": 10})
	}
	rate := byName("failure_rate", Property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-text"}},
		Property{ID: "thresholds", Value: steps("green", 0.1, "orange", 0.25, "red")},
		Property{ID: "color", Value: map[string]any{"mode": "thresholds"}})
	b.add(12, 9, table("Top repositories", "Repositories by workflow runs, with jobs, failures, failure rate, runner minutes and p95 duration and queue time.",
		stats("repo", "runs"), byName("repo", repoLinks()), rate))
	b.add(12, 9, table("Most run workflows", "Workflows by runs across the selected repositories.", stats("workflow", "runs"), rate))
	b.add(12, 9, table("Longest jobs", "Jobs by 95th-percentile duration.", stats("job", "p95_duration"), rate))
	b.add(12, 9, table("Longest-waiting labels", "Runner label sets by 95th-percentile queue time.", stats("label", "p95_queue"), rate))

	results := func(title, desc, interval string) *Panel {
		p := timeseries(title, desc, target("build_results", map[string]any{"splitBy": "none"}), "short", true,
			byName("success", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "green"}}),
			byName("failure", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}}),
			byName("timed_out", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "dark-red"}}),
			byName("cancelled", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "gray"}}))
		p.Interval = interval
		p.Transformations = []map[string]any{keep("time", "success", "failure", "timed_out", "cancelled")}
		return p
	}
	b.add(9, 9, results("Results per week", "Completed workflow runs (every attempt) per conclusion, in weekly buckets.", "7d"))
	month := b.add(9, 9, results("Results per month", "The same in 30-day buckets over the last year.", "30d"))
	month.TimeFrom = "365d"
	b.add(6, 9, &Panel{Type: "piechart", Title: "Success rate",
		Description: "Share of completed runs by conclusion over the range; cancelled and skipped runs count neither way in the success rate.",
		Targets:     []map[string]any{target("build_results", map[string]any{"splitBy": "none"})},
		FieldConfig: FieldConfig{Defaults: defaults("short"), Overrides: []Override{
			byName("success", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "green"}}),
			byName("failure", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}}),
		}},
		Options: map[string]any{"pieType": "donut", "displayLabels": []string{"percent"},
			"legend":        map[string]any{"displayMode": "list", "placement": "bottom", "values": []string{"value", "percent"}},
			"reduceOptions": map[string]any{"calcs": []string{"sum"}, "fields": "/^(success|failure|timed_out|cancelled)$/", "values": false}}})

	trigger := func(title, desc, field, unit string, bars bool) {
		p := b.add(12, 8, timeseries(title, desc, target("build_results", map[string]any{"splitBy": "trigger"}), unit, bars))
		p.Transformations = []map[string]any{keep("time", field)}
		p.FieldConfig.Defaults["displayName"] = "${__field.labels.trigger}"
		p.Interval = "1d"
	}
	trigger("Manual vs automatic: success rate", "Daily success rate of runs started by hand (workflow_dispatch) and by GitHub (every other event).",
		"success_rate", "percentunit", false)
	trigger("Manual vs automatic: failed runs", "Daily failed runs, manual against automatic.", "failure", "short", true)

	b.add(24, 9, table("Flaky jobs", "Jobs that failed and then passed on the same commit. Job cells open the failed attempt on GitHub.",
		target("flaky_jobs", map[string]any{"limit": 20}),
		byName("job_name", linkTo("Open the failed job on GitHub", "failed_job_url")), byName("failed_job_url", hidden()),
		byName("repo", repoLinks())))
	return b.d
}

package dashboards

// Overview is the first dashboard: what runs now, what ran today, and the recent jobs.
func Overview() *Dashboard {
	b := newDashboard("ciradar-overview", "CI Radar / Overview",
		"Jobs queued, waiting for approval and running now, jobs completed today, the newest jobs, and job states over time.",
		"now-24h", "30s")
	jobs := func(state string) map[string]any {
		return target("jobs", map[string]any{"states": []string{state}, "limit": 5000})
	}
	b.add(6, 4, stat("Queued", "Jobs waiting for a runner now (queued; approval done or not needed).",
		jobs("queued"), "job_id", "count", "", steps("green", 1, "orange", 50, "red")))
	b.add(6, 4, stat("Waiting for approval", "Jobs held by an environment protection rule now.",
		jobs("waiting"), "job_id", "count", "", steps("green", 1, "purple")))
	b.add(6, 4, stat("In progress", "Jobs running on a runner now.", jobs("in_progress"), "job_id", "count", "",
		steps("blue")))
	today := b.add(6, 4, stat("Completed today", "Jobs that completed since midnight (dashboard time zone, UTC).",
		target("job_states", nil), "completed", "sum", "", steps("text")))
	today.TimeFrom = "now/d"

	b.add(24, 11, table("Recent jobs", "The newest jobs in every state. Job, workflow and commit cells open GitHub; repository cells open GitHub or narrow the dashboards.",
		target("jobs", map[string]any{"limit": 200}),
		stateColors("status"), stateColors("conclusion"),
		byName("job_name", linkTo("Open job on GitHub", "job_url")),
		byName("workflow", linkTo("Open run on GitHub", "run_url")),
		byName("head_branch", linkTo("Open commit on GitHub", "commit_url")),
		byName("repo", repoLinks()),
		byName("job_id", hidden()), byName("job_url", hidden()), byName("run_url", hidden()),
		byName("commit_url", hidden()), byName("pull_request_url", linkTo("Open pull request", "pull_request_url")),
	))

	b.add(16, 9, timeseries("Job states over time", "Jobs queued and running at each moment (levels), and jobs completed per interval (bars, right axis).",
		target("job_states", nil), "", false,
		byName("completed", Property{ID: "custom.drawStyle", Value: "bars"}, Property{ID: "custom.axisPlacement", Value: "right"},
			Property{ID: "custom.fillOpacity", Value: 60}, Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "green"}}),
		byName("queued", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "orange"}}),
		byName("in_progress", Property{ID: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "blue"}}),
	))
	qt := b.add(8, 9, timeseries("Queue time (all labels)", "Median and 95th percentile of the wait from created (or approved) to started.",
		target("queue_time", map[string]any{"groupBy": "none"}), "s", false))
	qt.Transformations = []map[string]any{keep("time", "p50", "p95")}
	return b.d
}

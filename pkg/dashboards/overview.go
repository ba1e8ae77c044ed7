package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// Overview is the first dashboard: what runs now, what ran today, and the recent jobs.
func Overview() (dashboard.Dashboard, error) {
	b := newDashboard("ciradar-overview", "CI Radar / Overview",
		"Jobs queued, waiting for approval and running now, jobs completed today, the newest jobs, and job states over time.",
		"now-24h", "30s")
	jobs := func(state string) Query {
		return target(Query{QueryType: "jobs", States: []string{state}, Limit: 5000})
	}
	b.add(6, 4, statPanel("Queued", "Jobs waiting for a runner now (queued; approval done or not needed).",
		jobs("queued"), "job_id", "count", "", steps("green", 1, "orange", 50, "red")))
	b.add(6, 4, statPanel("Waiting for approval", "Jobs held by an environment protection rule now.",
		jobs("waiting"), "job_id", "count", "", steps("green", 1, "purple")))
	b.add(6, 4, statPanel("In progress", "Jobs running on a runner now.", jobs("in_progress"), "job_id", "count", "",
		steps("blue")))
	b.add(6, 4, statPanel("Completed today", "Jobs that completed since midnight (dashboard time zone, UTC).",
		target(Query{QueryType: "job_states"}), "completed", "sum", "", steps("text")).
		TimeFrom("now/d"))

	b.add(24, 11, tablePanel("Recent jobs", "The newest jobs in every state, with the event that triggered each run and each job's age. Job cells open the job on its forge, workflow cells the run or its pipeline, branch cells the commit or the branch's commit grid, repository cells the repository on its forge, its dashboard or narrow the dashboards.",
		target(Query{QueryType: "jobs", Limit: 200}),
		stateColors("status"), stateColors("conclusion"),
		byName("job_name", linkTo("Open job", "job_url")),
		byName("workflow", runLinks("run_url")),
		byName("head_branch", commitLinks("commit_url", "head_branch")),
		byName("repo", repoLinks("repo_url")),
		byName("age_seconds", prop("unit", "dtdurations"), prop("displayName", "age")),
		byName("job_id", hidden()), byName("run_id", hidden()), byName("job_url", hidden()), byName("run_url", hidden()),
		byName("commit_url", hidden()), byName("repo_url", hidden()), byName("forge", hidden()), byName("pull_request_url", linkTo("Open pull request", "pull_request_url")),
	))

	b.add(activeJobsPanel(10))

	b.add(16, 9, timeseriesPanel("Job states over time", "Jobs queued and running at each moment (levels), and jobs completed per interval (bars, right axis).",
		target(Query{QueryType: "job_states"}), "", false,
		byName("completed", prop("custom.drawStyle", "bars"), prop("custom.axisPlacement", "right"),
			prop("custom.fillOpacity", 60), fixedColor("green")),
		byName("queued", fixedColor("orange")),
		byName("in_progress", fixedColor("blue")),
	))
	b.add(8, 9, timeseriesPanel("Queue time (all labels)", "Median and 95th percentile of the wait from created (or approved) to started.",
		target(Query{QueryType: "queue_time", GroupBy: "none"}), "s", false).
		WithTransformation(keep("time", "p50", "p95")))
	return b.build()
}

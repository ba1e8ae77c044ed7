package dashboards

// addStepPanels puts the steps of jobs on the builds dashboard: the slowest steps, the
// slowest ones' durations over time, and the jobs that passed with warnings (a step failed
// under continue-on-error while the job succeeded), counted and listed.
func addStepPanels(b *board) {
	b.add(24, 9, tablePanel("Slowest steps", "Steps of completed jobs by 95th-percentile duration, per workflow and job: runs, failures, p50, p95 and max (seconds). Long ranges read the step rollups: percentiles within 1%.",
		target(Query{QueryType: "steps", View: "slowest", Limit: 20})))
	b.add(12, 8, timeseriesPanel("Step duration (p95)", "95th-percentile duration of the five steps with the most time in the range, per bucket.",
		target(Query{QueryType: "steps", View: "duration", Limit: 5}), "s", false).
		WithTransformation(keep("time", "p95")).
		DisplayName("${__field.labels.step}"))
	b.add(12, 8, timeseriesPanel("Passed with warnings", "Successful runs per day with a job that passed while a step failed under continue-on-error (with_warnings), against clean successes.",
		target(Query{QueryType: "build_results", SplitBy: "warnings"}), "short", true).
		WithTransformation(keep("time", "success")).
		DisplayName("${__field.labels.warnings}").
		Interval("1d"))
	b.add(24, 8, tablePanel("Jobs that passed with warnings", "Jobs that succeeded while a step failed under continue-on-error, newest first, with the step. Job cells open the job on its forge.",
		target(Query{QueryType: "steps", View: "warnings", Limit: 100}),
		byName("job", linkTo("Open job", "job_url")), byName("job_url", hidden()), byName("job_id", hidden()),
		byName("repo", repoLinks("repo_url")), byName("repo_url", hidden())))
}

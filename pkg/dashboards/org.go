package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Org is the organisation at a glance: every repository's default branch per workflow
// (is main green?), when each last ran, how often it fails and how long its jobs wait.
func Org() (dashboard.Dashboard, error) {
	b := newDashboard("ciradar-org", "CI Radar / Organisation",
		"Every repository and workflow: the result of its latest completed run on the default branch, its last activity, failure rate and 95th-percentile queue time. Failing default branches come first.",
		"now-7d", "1m")
	overview := func() Query { return target(Query{QueryType: "org_overview"}) }
	failing := onlyValues("default_branch_status", "failure", "timed_out", "startup_failure")

	b.add(6, 5, statPanel("Failing default branches", "Repository workflows whose latest completed run on the default branch failed.",
		overview(), "default_branch_status", "count", "", steps("green", 1, "red")).NoValue("0").WithTransformation(failing))
	b.add(6, 5, statPanel("Repositories", "Repositories with a run in the range.", overview(), "repo", "distinctCount", "", steps("text")))
	b.add(6, 5, statPanel("Worst failure rate", "The highest failure rate of a repository workflow over the range: failed runs among those that passed or failed.",
		overview(), "failure_rate", "max", "percentunit", steps("green", 0.1, "orange", 0.25, "red")))
	b.add(6, 5, statPanel("Worst queue p95", "The highest 95th-percentile queue time of a repository workflow's jobs over the range.",
		overview(), "queue_p95", "max", "s", steps("green", 300, "orange", 1800, "red")))

	b.add(24, 16, tablePanel("Default branches", "One row per repository and workflow. Status is the latest completed run on the default branch; the commit is that run's. Repository cells open the repository (on its forge, its dashboard, its commits), workflow and status cells the run, commit cells the commit.",
		overview(),
		byName("repo", repoLinks("repo_url")),
		byName("default_branch_status", prop("mappings", stateMappings()), cellProp(common.TableCellDisplayModeColorBackground), runLinks("run_url")),
		byName("workflow", runLinks("run_url")),
		byName("commit", commitLinks("commit_url", "default_branch")),
		byName("last_activity", prop("unit", "dateTimeFromNow")),
		byName("completed_at", prop("unit", "dateTimeFromNow")),
		byName("failure_rate", cellProp(common.TableCellDisplayModeColorText), thresholdsProp(steps("green", 0.1, "orange", 0.25, "red")), thresholdColor()),
		byName("queue_p95", prop("unit", "dtdurations"), cellProp(common.TableCellDisplayModeColorText),
			thresholdsProp(steps("green", 300, "orange", 1800, "red")), thresholdColor()),
		byName("run_id", hidden()), byName("forge", hidden()), byName("repo_url", hidden()), byName("run_url", hidden()), byName("commit_url", hidden())))

	stats := func(metric string) Query {
		return target(Query{QueryType: "repo_stats", Dimension: "repo", Metric: metric, Limit: 15})
	}
	b.add(12, 10, bargaugePanel("Failure rate by repository", "Failed jobs among those that passed or failed, over the range.",
		stats("failure_rate"), "percentunit", "${__data.fields.repo}", steps("green", 0.1, "orange", 0.25, "red")).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Values(true).Fields("/^failure_rate$/").Calcs([]string{"lastNotNull"})))
	b.add(12, 10, bargaugePanel("Queue p95 by repository", "95th-percentile queue time of each repository's jobs over the range.",
		stats("p95_queue"), "s", "${__data.fields.repo}", steps("green", 300, "orange", 1800, "red")).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Values(true).Fields("/^p95_queue$/").Calcs([]string{"lastNotNull"})))
	return b.build()
}

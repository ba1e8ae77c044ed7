package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Repo is one repository: its default branch per workflow, the pull requests with their
// latest results, the branches pushed to, the releases, the branch's history and its
// flaky jobs.
func Repo() (dashboard.Dashboard, error) {
	b := newBoard("ciradar-repo", "CI Radar / Repository",
		"One repository: the default branch per workflow, pull requests with the results on their latest commit, recent pushes to branches, releases and tags, the results over time on a branch (the default one: main unless you pick another) and flaky jobs.",
		"now-7d", "1m", boardVars{singleRepo: true, branch: true})
	result := func(urlField string) override {
		return byName("result", prop("mappings", stateMappings()), cellProp(common.TableCellDisplayModeColorText), runLinks(urlField))
	}
	urls := func(names ...string) []override {
		var out []override
		for _, n := range names {
			out = append(out, byName(n, hidden()))
		}
		return out
	}

	b.add(24, 7, tablePanel("Default branch", "Each workflow's latest completed run on the default branch, its last activity, failure rate and 95th-percentile queue time.",
		target(Query{QueryType: "org_overview"}), append([]override{
			byName("default_branch_status", prop("mappings", stateMappings()), cellProp(common.TableCellDisplayModeColorBackground), runLinks("run_url")),
			byName("workflow", runLinks("run_url")),
			byName("commit", commitLinks("commit_url", "default_branch")),
			byName("repo", repoLinks("repo_url")),
			byName("last_activity", prop("unit", "dateTimeFromNow")), byName("completed_at", prop("unit", "dateTimeFromNow")),
			byName("queue_p95", prop("unit", "dtdurations")),
		}, urls("run_id", "repo_url", "run_url", "commit_url", "forge")...)...))

	b.add(24, 10, tablePanel("Pull requests", "Pull requests with a run in the range, newest first, and the result of the runs on each one's latest commit (a failure wins). The store keeps runs, not pull request events, so one closed in the range is listed too. Number cells open the pull request, commit cells the commit, result cells the run to look at.",
		target(Query{QueryType: "pull_requests", Limit: 100}), append([]override{
			byName("number", linkTo("Open pull request", "pull_request_url")),
			byName("commit", commitLinks("commit_url", "head_branch")),
			byName("repo", repoLinks("repo_url")),
			result("run_url"),
			byName("last_run_at", prop("unit", "dateTimeFromNow")),
		}, urls("run_id", "pull_request_url", "commit_url", "run_url", "repo_url", "forge")...)...))

	refs := func(title, desc, kind, name string) {
		b.add(12, 10, tablePanel(title, desc, target(Query{QueryType: "refs", Kind: kind, Limit: 50}), append([]override{
			byName("commit", commitLinks("commit_url", name)),
			byName("repo", repoLinks("repo_url")),
			result("run_url"),
			byName("last_run_at", prop("unit", "dateTimeFromNow")),
		}, urls("run_id", "commit_url", "run_url", "repo_url", "forge")...)...))
	}
	refs("Recent pushes", "Branches pushed to in the range, newest first: the latest commit, how many commits ran, and their runs' result. Commit cells open the commit or the branch's commit grid.", "branches", "branch")
	refs("Releases and tags", "Releases published in the range (their workflows run on the release's tag), newest first, and the result of those runs.", "releases", "tag")

	b.add(16, 9, timeseriesPanel("History of ${branch}", "Completed runs per day on the branch picked above, by conclusion.",
		target(Query{QueryType: "build_results", SplitBy: "none", Filters: branchFilters()}), "short", true,
		byName("success", fixedColor("green")), byName("failure", fixedColor("red")),
		byName("timed_out", fixedColor("dark-red")), byName("cancelled", fixedColor("gray"))).
		Interval("1d").
		WithTransformation(keep("time", "success", "failure", "timed_out", "cancelled")).
		Links([]cog.Builder[dashboard.DashboardLink]{dashboard.NewDashboardLinkBuilder("Commit grid of ${branch}").
			Type(dashboard.DashboardLinkTypeLink).Url("/d/ciradar-commits?var-repo=${repo}&var-branch=${branch}&${__url_time_range}")}))
	b.add(8, 9, statPanel("Success rate of ${branch}", "Share of the branch's completed runs that passed, over the range.",
		target(Query{QueryType: "build_results", SplitBy: "none", Filters: branchFilters()}), "success_rate", "mean", "percentunit",
		steps("red", 0.8, "orange", 0.95, "green")).Interval("1d"))

	b.add(24, 9, tablePanel("Flaky jobs", "Jobs that failed and then passed on the same commit. Job cells open the failed attempt on its forge.",
		target(Query{QueryType: "flaky_jobs", Limit: 20}),
		byName("job_name", linkTo("Open the failed job", "failed_job_url")), byName("failed_job_url", hidden()),
		byName("repo", repoLinks("repo_url")), byName("repo_url", hidden())))
	return b.build()
}

// branchFilters are the shared filters on the branch variable.
func branchFilters() *Filters {
	f := filters()
	f.Branches = []string{"$branch"}
	return f
}

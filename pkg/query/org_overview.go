package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// orgOverviewModel is the org_overview query: the shared filters only.
type orgOverviewModel struct {
	common
}

// OrgOverview answers org_overview: one row per repository and workflow that ran in the
// range, with the conclusion of its latest completed run on the repository's default
// branch ("is main green?"), when it last ran at all, its failure rate over the range
// (failed runs among those that passed or failed, by each run's latest attempt, as
// build_results counts) and the 95th percentile of its jobs' queue time. Failing
// default branches come first, then by repository and workflow.
func OrgOverview(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m orgOverviewModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	f := orgOverviewFrame()
	p, err := planTables(ctx, env.DB, req, onlyFilters(m.Filters, "repos", "workflows"))
	if err != nil {
		return nil, err
	}
	if p.use {
		return orgOverviewRolled(ctx, env, req, m.Filters, p, f)
	}
	st := newStmt("org_overview")
	w := webLinks(st, env).at("h.forge", "h.forge_url")
	from, to := st.arg(req.From), st.arg(req.To)
	st.add("WITH runs AS (\n",
		"  SELECT r.* FROM workflow_runs r WHERE r.created_at >= ", from, " AND r.created_at < ", to, latestAttempt)
	m.Filters.where(st, runFilters)
	st.add("\n), agg AS (\n",
		"  SELECT repo, workflow_name, max(default_branch) AS default_branch, max(created_at) AS last_activity,\n",
		"    count(*) FILTER (WHERE status = 'completed')::float8 AS runs,\n",
		"    (count(*) FILTER (WHERE conclusion IN ", failed, "))::float8\n",
		"      / nullif(count(*) FILTER (WHERE conclusion IN ", failed, " OR conclusion = 'success'), 0) AS failure_rate\n",
		"  FROM runs GROUP BY repo, workflow_name\n",
		"), head AS (\n",
		// A run on the default branch: GitHub names it in every run's repository object.
		"  SELECT DISTINCT ON (repo, workflow_name) repo, workflow_name, forge, forge_url, run_id, conclusion, head_sha, updated_at\n",
		"  FROM runs WHERE status = 'completed' AND head_branch = default_branch AND default_branch <> ''\n",
		"  ORDER BY repo, workflow_name, created_at DESC, run_id DESC\n",
		"), q AS (\n",
		"  SELECT j.repo, j.workflow_name, percentile_cont(0.95) WITHIN GROUP (ORDER BY j.queue_s) AS p95\n",
		"  FROM workflow_jobs j WHERE j.created_at >= ", from, " AND j.created_at < ", to, " AND j.queue_s IS NOT NULL")
	m.Filters.where(st, jobFilters.without("conclusions"))
	st.add("\n  GROUP BY j.repo, j.workflow_name\n)\n",
		"SELECT a.repo, a.workflow_name, a.default_branch, coalesce(h.conclusion, ''), left(h.head_sha, 7), h.updated_at, a.last_activity,\n",
		"  a.runs, a.failure_rate, q.p95, h.run_id,\n",
		"  ", w.repo("a.repo"), ", ", w.run("a.repo", "h.run_id"), ", ", w.commit("a.repo", "h.head_sha"), ", coalesce(h.forge, '')\n",
		"FROM agg a LEFT JOIN head h USING (repo, workflow_name) LEFT JOIN q USING (repo, workflow_name)\n",
		"ORDER BY (h.conclusion IN ", failed, ") DESC NULLS LAST, a.repo, a.workflow_name LIMIT 5000")

	return table(ctx, env.DB, st, f)
}

// orgOverviewFrame is org_overview's frame, empty.
func orgOverviewFrame() *data.Frame {
	return data.NewFrame("org_overview",
		data.NewField("repo", nil, []string{}),
		data.NewField("workflow", nil, []string{}),
		data.NewField("default_branch", nil, []string{}),
		data.NewField("default_branch_status", nil, []string{}),
		data.NewField("commit", nil, []*string{}),
		data.NewField("completed_at", nil, []*time.Time{}),
		data.NewField("last_activity", nil, []*time.Time{}),
		data.NewField("runs", nil, []float64{}),
		unit(data.NewField("failure_rate", nil, []*float64{}), "percentunit"),
		unit(data.NewField("queue_p95", nil, []*float64{}), "s"),
		data.NewField("run_id", nil, []*int64{}),
		link(data.NewField("repo_url", nil, []*string{}), "Open repository"),
		link(data.NewField("run_url", nil, []*string{}), "Open run"),
		link(data.NewField("commit_url", nil, []*string{}), "Open commit"),
		data.NewField("forge", nil, []string{}), // github or gitlab: the Pipeline dashboard's links name it
	)
}

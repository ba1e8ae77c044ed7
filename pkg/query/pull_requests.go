package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// pullRequestsModel is the pull_requests query.
type pullRequestsModel struct {
	common
	Limit int `json:"limit"`
}

// PullRequests answers pull_requests: the pull requests whose runs were created in the
// range, newest activity first, with the results on each one's latest commit: per
// workflow the latest run on that commit, summed up as one result (failure if any
// failed, else in_progress while any runs, else success when all passed or were skipped,
// else cancelled), the workflows that failed, and the run to look at (a failed one first).
//
// The store keeps runs, not pull request events, so whether a pull request is still open
// is not known here: one merged or closed in the range is listed until the range moves on.
func PullRequests(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m pullRequestsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 100, 1000)
	if err != nil {
		return nil, err
	}
	st := newStmt("pull_requests")
	w := webLinks(st, env).at("forge", "forge_url")
	// The newest limit pull requests are found by a walk (newest_keys.go) instead of
	// grouping every run of the range, then only their runs are read.
	kw := keyWalk{k1: "r.repo", k2: "r.pull_requests[1]", from: st.arg(req.From), to: st.arg(req.To), limit: st.arg(limit),
		cond: func() {
			st.add(" AND cardinality(r.pull_requests) > 0", latestAttemptOf)
			m.Filters.where(st, runFilters.without("conclusions"))
		}}
	st.add("WITH RECURSIVE ")
	kw.walk(st)
	st.add(", runs AS (\n")
	kw.runs(st, "r.*, r.pull_requests[1] AS pr")
	st.add("\n), head AS (\n",
		"  SELECT DISTINCT ON (repo, pr) repo, pr, forge, forge_url, head_sha, head_branch, display_title, created_at FROM runs ORDER BY repo, pr, created_at DESC, run_id DESC\n",
		"), wf AS (\n",
		"  SELECT DISTINCT ON (r.repo, r.pr, r.workflow_name) r.repo, r.pr, r.workflow_name, r.status, r.conclusion, r.run_id\n",
		"  FROM runs r JOIN head h ON h.repo = r.repo AND h.pr = r.pr AND h.head_sha = r.head_sha\n",
		"  ORDER BY r.repo, r.pr, r.workflow_name, r.created_at DESC, r.run_id DESC\n",
		"), pr AS (\n",
		"  SELECT h.repo, h.pr, h.forge, h.forge_url, h.display_title, h.head_branch, h.head_sha, h.created_at,\n",
		"    CASE WHEN bool_or(wf.conclusion IN ", failed, ") THEN 'failure'\n",
		"      WHEN bool_or(wf.status <> 'completed') THEN 'in_progress'\n",
		"      WHEN bool_and(wf.conclusion IN ('success', 'skipped', 'neutral')) THEN 'success' ELSE 'cancelled' END AS result,\n",
		"    string_agg(wf.workflow_name, ', ' ORDER BY wf.workflow_name) FILTER (WHERE wf.conclusion IN ", failed, ") AS failing,\n",
		"    count(*)::float8 AS workflows,\n",
		"    (array_agg(wf.run_id ORDER BY (wf.conclusion IN ", failed, ") DESC, wf.run_id DESC))[1] AS run_id\n",
		"  FROM head h JOIN wf USING (repo, pr)\n",
		"  GROUP BY h.repo, h.pr, h.forge, h.forge_url, h.display_title, h.head_branch, h.head_sha, h.created_at\n",
		"  ORDER BY h.created_at DESC, h.repo, h.pr LIMIT ", kw.limit, "\n",
		")\n",
		"SELECT repo, pr, display_title, head_branch, left(head_sha, 7), created_at, result, failing, workflows, run_id,\n",
		"  ", w.pull("repo", "pr"), ", ", w.commit("repo", "head_sha"), ", ", w.run("repo", "run_id"), ", ", w.repo("repo"), ", forge\n",
		"FROM pr ORDER BY created_at DESC, repo, pr")

	f := data.NewFrame("pull_requests",
		data.NewField("repo", nil, []string{}),
		data.NewField("number", nil, []int64{}),
		data.NewField("title", nil, []string{}),
		data.NewField("head_branch", nil, []string{}),
		data.NewField("commit", nil, []string{}),
		data.NewField("last_run_at", nil, []*time.Time{}),
		data.NewField("result", nil, []string{}),
		data.NewField("failing_workflows", nil, []*string{}),
		data.NewField("workflows", nil, []float64{}),
		data.NewField("run_id", nil, []*int64{}),
		link(data.NewField("pull_request_url", nil, []*string{}), "Open pull request"),
		link(data.NewField("commit_url", nil, []*string{}), "Open commit"),
		link(data.NewField("run_url", nil, []*string{}), "Open run"),
		link(data.NewField("repo_url", nil, []*string{}), "Open repository"),
		data.NewField("forge", nil, []string{}), // github or gitlab: the Pipeline dashboard's links name it
	)
	return table(ctx, env.DB, st, f)
}

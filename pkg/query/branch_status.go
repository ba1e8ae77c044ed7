package query

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// failedConclusions are the run conclusions that count as broken.
var failedConclusions = []string{"failure", "timed_out", "startup_failure"}

// BranchStatus answers branch_status: "is it broken on the default branch?". For each
// repository and workflow, the newest completed run on the repository's default branch
// created within the range, by its latest attempt (a re-run that passed repairs it), is
// one number: failing, 1 when it failed and 0 otherwise. Numeric frames labelled org,
// repo, workflow and branch, one per workflow, so that an alert rule fires per repository
// and workflow while it is broken and resolves with the first run that is not. A workflow
// with no completed run in the range has no series.
func BranchStatus(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	st := newStmt("branch_status")
	st.add("SELECT DISTINCT ON (r.repo, r.workflow_name) r.org, r.repo, r.workflow_name, r.head_branch,\n",
		"  (r.conclusion = ANY(", st.arg(failedConclusions), "))::int::float8\n",
		"FROM workflow_runs r\n",
		"WHERE r.status = 'completed' AND r.default_branch <> '' AND r.head_branch = r.default_branch\n",
		"  AND r.created_at >= ", st.arg(req.From), " AND r.created_at < ", st.arg(req.To), "\n",
		"  AND NOT EXISTS (SELECT 1 FROM workflow_runs n WHERE n.run_id = r.run_id AND n.forge = r.forge AND n.run_attempt > r.run_attempt)")
	m.Filters.where(st, runFilters.without("branches", "conclusions"))
	st.add("\nORDER BY r.repo, r.workflow_name, r.created_at DESC, r.run_id DESC")
	var frames data.Frames
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var org, repo, workflow, branch string
		var failing float64
		if err := r.Scan(&org, &repo, &workflow, &branch, &failing); err != nil {
			return err
		}
		labels := data.Labels{"org": org, "repo": repo, "workflow": workflow, "branch": branch}
		frames = append(frames, numeric("failing", labels, failing, "", st))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(frames) == 0 {
		frames = data.Frames{finish(data.NewFrame("branch_status"), st, data.FrameTypeNumericMulti)}
	}
	return frames, nil
}

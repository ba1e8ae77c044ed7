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
	// One run per repository and workflow: the pairs are enumerated by skipping from one
	// to the next through workflow_runs_default_key_idx (0035, a loose index scan over
	// every pair the index holds, one probe each), and each pair's newest run in the range
	// is one more probe, instead of sorting every run of the range (issue 18: 400 days
	// sorted 166,000 runs). The range and the filters apply to the probe, so a pair without
	// a run they allow has no row.
	failing := st.arg(failedConclusions)
	from, to := st.arg(req.From), st.arg(req.To)
	const onDefault = " r.status = 'completed' AND r.default_branch <> '' AND r.head_branch = r.default_branch"
	st.add("WITH RECURSIVE k AS (\n",
		"  (SELECT r.repo, r.workflow_name FROM workflow_runs r WHERE", onDefault, " ORDER BY r.repo, r.workflow_name LIMIT 1)\n",
		"  UNION ALL\n",
		"  SELECT x.repo, x.workflow_name FROM k CROSS JOIN LATERAL (\n",
		"    SELECT r.repo, r.workflow_name FROM workflow_runs r WHERE", onDefault,
		" AND (r.repo, r.workflow_name) > (k.repo, k.workflow_name)\n",
		"    ORDER BY r.repo, r.workflow_name LIMIT 1) x\n",
		")\n",
		"SELECT x.org, x.repo, x.workflow_name, x.head_branch, x.failing FROM k CROSS JOIN LATERAL (\n",
		"  SELECT r.org, r.repo, r.workflow_name, r.head_branch, (r.conclusion = ANY(", failing, "))::int::float8 AS failing\n",
		"  FROM workflow_runs r WHERE r.repo = k.repo AND r.workflow_name = k.workflow_name AND", onDefault,
		" AND r.created_at >= ", from, " AND r.created_at < ", to, "\n",
		"    AND NOT EXISTS (SELECT 1 FROM workflow_runs n WHERE n.run_id = r.run_id AND n.forge = r.forge AND n.run_attempt > r.run_attempt)")
	m.Filters.where(st, runFilters.without("branches", "conclusions"))
	st.add("\n  ORDER BY r.created_at DESC, r.run_id DESC LIMIT 1) x\n",
		"ORDER BY x.repo, x.workflow_name")
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

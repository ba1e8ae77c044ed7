package query

import (
	"time"

	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// flakyJobsModel is the flaky_jobs query.
type flakyJobsModel struct {
	common
	Limit int `json:"limit"`
}

// FlakyJobs answers flaky_jobs: jobs (repository, workflow, job name) that failed on a
// commit and later passed on the same commit, a re-run that changed nothing but the luck.
// Ranked by how many commits it happened on, then by flake_rate: of the commits where the
// job failed, the share where a re-run passed.
func FlakyJobs(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m flakyJobsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 20, 1000)
	if err != nil {
		return nil, err
	}
	st := newStmt("flaky_jobs")
	from, to := st.arg(req.From), st.arg(req.To)
	st.add("WITH per_sha AS (\n",
		"  SELECT j.repo, j.workflow_name, j.job_name, j.head_sha,\n",
		"    min(j.completed_at) FILTER (WHERE j.conclusion = 'failure') AS first_fail,\n",
		"    max(j.completed_at) FILTER (WHERE j.conclusion = 'success') AS last_pass,\n",
		"    max(j.html_url) FILTER (WHERE j.conclusion = 'failure') AS fail_url\n",
		"  FROM workflow_jobs j\n  WHERE j.created_at >= ", from, " AND j.created_at < ", to,
		" AND j.status = 'completed' AND j.conclusion IN ('success', 'failure') AND j.head_sha <> ''\n",
		// Only commits with a failure can hold a flake: a semi-join on them keeps the
		// grouping to a fraction of the jobs.
		"    AND (j.repo, j.head_sha) IN (SELECT f.repo, f.head_sha FROM workflow_jobs f WHERE f.created_at >= ", from,
		" AND f.created_at < ", to, " AND f.conclusion = 'failure')")
	m.Filters.where(st, jobFilters.without("conclusions"))
	st.add("\n  GROUP BY 1, 2, 3, 4\n), flaky AS (\n",
		"  SELECT *, first_fail < last_pass AS flaked FROM per_sha\n",
		")\n",
		"SELECT repo, workflow_name, job_name, count(*) FILTER (WHERE flaked)::float8, count(*)::float8,\n",
		"  (count(*) FILTER (WHERE flaked))::float8 / count(*),\n",
		"  max(last_pass) FILTER (WHERE flaked),\n",
		"  nullif(max(fail_url) FILTER (WHERE flaked), '')\n",
		"FROM flaky GROUP BY 1, 2, 3 HAVING bool_or(flaked)\n",
		"ORDER BY 4 DESC, 6 DESC, 1, 2, 3 LIMIT ", st.arg(limit))

	f := data.NewFrame("flaky_jobs",
		data.NewField("repo", nil, []string{}),
		data.NewField("workflow", nil, []string{}),
		data.NewField("job_name", nil, []string{}),
		data.NewField("flaky_commits", nil, []float64{}),
		data.NewField("failed_commits", nil, []float64{}),
		unit(data.NewField("flake_rate", nil, []float64{}), "percentunit"),
		data.NewField("last_flake", nil, []*time.Time{}),
		link(data.NewField("failed_job_url", nil, []*string{}), "Open a failed job"),
	)
	return table(ctx, env.DB, st, f)
}

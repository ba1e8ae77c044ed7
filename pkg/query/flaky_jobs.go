package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// flakyJobsModel is the flaky_jobs query.
type flakyJobsModel struct {
	common
	Limit int `json:"limit"`
}

// flakeWindow is how far apart a failure and the re-run that passed may be, and how long
// before a failure an earlier one on the same commit makes it not the first. The rollups
// (rollup_first_failures, migration 0008) use the same 30 hours.
const flakeWindow = 30 * time.Hour

// flakeRollupFilters applies to rollup_flake_day and rollup_flake_hour aliased r.
// They keep each repository apart, so a scoped request reads them too (repoSplit).
var flakeRollupFilters = filterTarget{"repos": "r.repo = ANY(%s)", "workflows": "r.workflow_name = ANY(%s)",
	"scope.org": "split_part(r.repo, '/', 1)", "scope.repo": "r.repo"}

// FlakyJobs answers flaky_jobs: jobs (repository, workflow, job name) that failed on a
// commit and later passed on the same commit, a re-run that changed nothing but the luck.
//
// A commit counts for a job in the range when the job's first failure on it was created in
// the range (first: no failure of the same job on that commit in the 30 hours before), and
// it flaked when a run of the job created within 30 hours after that failure passed, ending
// after it. Ranked by how many commits flaked, then by flake_rate: of the commits where the
// job failed, the share where a re-run passed. Each failure is judged by what happened
// around it alone, so whole final days come from rollup_flake_day, the final hours around
// them from rollup_flake_hour, and they add up exactly.
func FlakyJobs(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m flakyJobsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 20, 1000)
	if err != nil {
		return nil, err
	}
	p, err := planDayHours(ctx, env.DB, repoSplit(req), onlyFilters(m.Filters, "repos", "workflows"))
	if err != nil {
		return nil, err
	}
	st := newStmt("flaky_jobs")
	// A stored GitHub job address (…/OWNER/REPO/actions/runs/…) gets the configured host
	// (weburl.go); a GitLab job's (…/-/jobs/ID) is on its own instance already.
	base := st.arg(env.gitHubWebURL())
	st.add("SELECT repo, workflow_name, job_name, sum(flaky)::float8, sum(failed)::float8, sum(flaky)::float8 / sum(failed),\n",
		"  max(last_flake), regexp_replace(nullif(max(fail_url), ''), '^https?://[^/]+(?=/[^/]+/[^/]+/actions/runs/)', ", base, "::text)\nFROM (")
	unionParts(st, req, p, func(w window) { flakeWindowRows(st, w, m.Filters) }, func(from, to string) {
		dayHourRows(st, p, from, to, "r.repo, r.workflow_name, r.job_name, r.failed, r.flaky, r.last_flake, r.fail_url",
			"rollup_flake_day", "rollup_flake_hour", func() { m.Filters.where(st, flakeRollupFilters) })
	})
	st.add("\n) x\nGROUP BY 1, 2, 3 HAVING sum(flaky) > 0\n",
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
	frames, err := table(ctx, env.DB, st, f)
	return repoDimURLs(ctx, env, req, "repo", frames, err)
}

// flakeWindowRows writes, for the first failures created in w, rows of (repo, workflow,
// job name, failed 1, flaky 0 or 1, when the re-run passed, the failed job's URL when it
// flaked): rollup_first_failures over w, with the filters applied to every job it reads.
func flakeWindowRows(st *stmt, w window, f Filters) {
	from, to := st.arg(w.from), st.arg(w.to)
	lo, hi, win := st.arg(w.from.Add(-flakeWindow)), st.arg(w.to.Add(flakeWindow)), st.arg(seconds(flakeWindow))
	// Both sides scan the table rather than one CTE: the planner then knows their sizes and
	// pairs failures with passes by a hash join on the commit.
	// Failures are read from the lookback before w to its end (workflow_jobs_failures_idx,
	// migration 0011), passes from its start to the lookback after it.
	jobs := func(conclusion, lo, hi string) {
		st.add("SELECT j.job_id, j.created_at, j.completed_at, j.repo, j.workflow_name, j.job_name, j.head_sha,\n",
			"      job_html_url(j.html_url, j.forge_url, j.repo, j.run_id, j.job_id) AS html_url\n",
			"      FROM workflow_jobs j WHERE j.created_at >= ", lo, " AND j.created_at < ", hi,
			" AND j.status = 'completed' AND j.conclusion = '", conclusion, "' AND j.head_sha <> ''")
		f.where(st, jobFilters.without("conclusions"))
	}
	st.add("SELECT f.repo, f.workflow_name, f.job_name, 1 AS failed, (max(p.completed_at) IS NOT NULL)::int AS flaky,\n",
		"    max(p.completed_at) AS last_flake, CASE WHEN max(p.completed_at) IS NOT NULL THEN f.html_url END AS fail_url\n",
		"  FROM (SELECT * FROM (\n    SELECT w.*, lag(w.created_at) OVER (PARTITION BY w.head_sha, w.repo, w.workflow_name, w.job_name ORDER BY w.created_at, w.job_id) AS prev\n    FROM (")
	jobs("failure", lo, to)
	st.add(") w) f\n    WHERE f.created_at >= ", from, " AND f.created_at < ", to, " AND (f.prev IS NULL OR f.prev < f.created_at - ", win, "::interval)) f\n",
		"  LEFT JOIN (")
	jobs("success", from, hi)
	st.add(") p ON p.head_sha = f.head_sha AND p.repo = f.repo AND p.workflow_name = f.workflow_name AND p.job_name = f.job_name\n",
		"    AND p.created_at >= f.created_at AND p.created_at < f.created_at + ", win, "::interval AND p.completed_at > f.completed_at\n",
		"  GROUP BY f.job_id, f.repo, f.workflow_name, f.job_name, f.html_url")
}

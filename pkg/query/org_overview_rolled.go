package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// overviewRollupFilters applies to rollup_overview_day and rollup_overview_hour aliased r,
// which keep the repository and the workflow.
var overviewRollupFilters = filterTarget{"repos": "r.repo = ANY(%s)", "workflows": "r.workflow_name = ANY(%s)"}

// orgOverviewRolled answers org_overview over plan p. Every part gives, per repository and
// workflow, its runs' counts, last activity and default branch: the rollups (migration
// 0034) for the final days and hours, the projections, grouped the same way, for the rest;
// its jobs' queue-time histograms come the same way from a statement of their own
// (overviewQueue). The rollups count every attempt of a
// run; the attempts a later one replaced are taken off again, found through the partial
// index on re-runs (0015). The head of the default branch is looked up per repository and
// workflow through workflow_runs_default_head_idx, exactly as the projections give it.
// The 95th percentile is interpolated from the merged histogram, as percentile_cont
// interpolates between values (within 1%).
func orgOverviewRolled(ctx context.Context, env Env, req Request, fl Filters, p plan, f *data.Frame) (data.Frames, error) {
	st := newStmt("org_overview")
	w := webLinks(st, env).at("h.forge", "h.forge_url")
	from, to := st.arg(req.From), st.arg(req.To)
	st.add("WITH parts AS (\n  ")
	unionParts(st, req, p, func(win window) {
		wf, wt := st.arg(win.from), st.arg(win.to)
		st.add("SELECT r.repo, r.workflow_name, count(*) AS run_rows, count(*) FILTER (WHERE r.status = 'completed') AS runs,\n",
			"    count(*) FILTER (WHERE r.conclusion IN ", failed, ") AS failures,\n",
			"    count(*) FILTER (WHERE r.conclusion IN ", failed, " OR r.conclusion = 'success') AS decided,\n",
			"    max(r.created_at) AS last_activity, max(r.default_branch) AS default_branch\n",
			"  FROM workflow_runs r WHERE r.created_at >= ", wf, " AND r.created_at < ", wt, latestAttempt)
		fl.where(st, runFilters)
		st.add(" GROUP BY 1, 2")
	}, func(rf, rt string) {
		dayHourRows(st, p, rf, rt, "r.repo, r.workflow_name, r.run_rows, r.runs, r.failures, r.decided, r.last_activity, r.default_branch",
			"rollup_overview_day", "rollup_overview_hour", func() { st.add(" AND r.run_rows <> 0"); fl.where(st, overviewRollupFilters) })
		// The attempts a later attempt replaced, wherever that one lies: the projections
		// count a run by its latest attempt.
		hf, ht := st.arg(p.hoursFrom), st.arg(p.hoursTo)
		st.add("\n  UNION ALL SELECT r.repo, r.workflow_name, -1, -(r.status = 'completed')::int,\n",
			"    -(r.conclusion IN ", failed, ")::int, -(r.conclusion IN ", failed, " OR r.conclusion = 'success')::int, NULL, NULL\n",
			"  FROM workflow_runs l CROSS JOIN LATERAL (SELECT * FROM workflow_runs p WHERE p.run_id = l.run_id AND p.forge = l.forge AND p.run_attempt < l.run_attempt\n",
			"    ORDER BY p.run_attempt DESC LIMIT 1) r\n",
			"  WHERE l.run_attempt > 1 AND l.created_at >= ", hf, " AND r.created_at >= ", hf, " AND r.created_at < ", ht)
		fl.where(st, runFilters)
	})
	st.add("\n), agg AS (\n",
		"  SELECT repo, workflow_name, max(default_branch) AS default_branch, max(last_activity) AS last_activity, sum(runs)::float8 AS runs,\n",
		"    sum(failures)::float8 / nullif(sum(decided), 0)::float8 AS failure_rate\n",
		"  FROM parts GROUP BY 1, 2 HAVING sum(run_rows) > 0\n",
		")\n",
		"SELECT a.repo, a.workflow_name, a.default_branch, coalesce(h.conclusion, ''), left(h.head_sha, 7), h.updated_at, a.last_activity,\n",
		"  a.runs, a.failure_rate, h.run_id,\n",
		"  ", w.repo("a.repo"), ", ", w.run("a.repo", "h.run_id"), ", ", w.commit("a.repo", "h.head_sha"), ", coalesce(h.forge, '')\n",
		"FROM agg a LEFT JOIN LATERAL (\n",
		"  SELECT r.forge, r.forge_url, r.run_id, r.conclusion, r.head_sha, r.updated_at FROM workflow_runs r\n",
		"  WHERE r.repo = a.repo AND r.workflow_name = a.workflow_name AND r.default_branch <> '' AND r.head_branch = r.default_branch\n",
		"    AND r.created_at >= ", from, " AND r.created_at < ", to, " AND r.status = 'completed'", latestAttempt)
	fl.where(st, runFilters)
	st.add("\n  ORDER BY r.created_at DESC, r.run_id DESC LIMIT 1) h ON true\n",
		"ORDER BY (h.conclusion IN ", failed, ") DESC NULLS LAST, a.repo, a.workflow_name LIMIT 5000")

	queue, err := overviewQueue(ctx, env, req, fl, p)
	if err != nil {
		return nil, err
	}
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var repo, workflow, branch, status, forge string
		var commit, repoURL, runURL, commitURL *string
		var completed, last *time.Time
		var runs float64
		var rate *float64
		var runID *int64
		if err := r.Scan(&repo, &workflow, &branch, &status, &commit, &completed, &last, &runs, &rate, &runID,
			&repoURL, &runURL, &commitURL, &forge); err != nil {
			return err
		}
		var p95 *float64
		if h := queue[repoWorkflow{repo, workflow}]; h != nil {
			p95 = h.percentileCont(0.95)
		}
		f.AppendRow(repo, workflow, branch, status, commit, completed, last, runs, rate, p95, runID,
			repoURL, runURL, commitURL, forge)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return data.Frames{finish(f, st, data.FrameTypeTable)}, nil
}

type repoWorkflow struct{ repo, workflow string }

// overviewQueue merges the queue-time histograms of every part of plan p per repository
// and workflow. They are read by a statement of their own, row by row: aggregated into an
// array per group beside the counts, 20,000 rows of histograms over 90 days were sorted on
// disk, which took longer than reading them here.
func overviewQueue(ctx context.Context, env Env, req Request, fl Filters, p plan) (map[repoWorkflow]*hist, error) {
	st := newStmt("org_overview_queue")
	unionParts(st, req, p, func(win window) {
		st.add("SELECT repo, workflow_name, string_agg(rollup_varint(gap) || rollup_varint(c), ''::bytea ORDER BY k) AS h FROM (\n",
			"    SELECT repo, workflow_name, k, count(*)::int AS c, k - coalesce(lag(k) OVER (PARTITION BY repo, workflow_name ORDER BY k), 0) AS gap\n",
			"    FROM (SELECT j.repo, j.workflow_name, rollup_bucket(j.queue_s) AS k FROM workflow_jobs j\n",
			"      WHERE j.created_at >= ", st.arg(win.from), " AND j.created_at < ", st.arg(win.to), " AND j.queue_s IS NOT NULL")
		fl.where(st, jobFilters.without("conclusions"))
		st.add(") b GROUP BY 1, 2, 3) y GROUP BY 1, 2")
	}, func(rf, rt string) {
		dayHourRows(st, p, rf, rt, "r.repo, r.workflow_name, r.queue_hist", "rollup_overview_day", "rollup_overview_hour", func() {
			st.add(" AND r.queue_hist <> ''")
			fl.where(st, overviewRollupFilters)
		})
	})
	out := map[repoWorkflow]*hist{}
	var repo, workflow, enc pgtype.DriverBytes
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&repo, &workflow, &enc); err != nil {
			return err
		}
		h := out[repoWorkflow{string(repo), string(workflow)}]
		if h == nil {
			h = &hist{}
			out[repoWorkflow{string(repo), string(workflow)}] = h
		}
		return h.mergeGaps(enc)
	})
	return out, err
}

package query

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// utilPoint is one pool's busy ratio in one bucket.
type utilPoint struct {
	pool string
	t    time.Time
	v    float64
}

// hostedPool is the pool name of GitHub-hosted runners in runner_utilization.
const hostedPool = typeHosted

// hostedUtilization is the utilisation of GitHub-hosted runners, counted by jobs: GitHub
// lists no inventory of them, and a hosted runner exists only while it runs a job, so the
// pool's size is the number of jobs the plan may run at once (the concurrency limit). The
// ratio is the seconds hosted jobs ran in the bucket over the limit's seconds: 1 means the
// limit was in use all the time, and jobs beyond it queued. None without a limit.
//
// The final whole hours of a range come from rollup_hosted_hour, or for buckets under an
// hour from the hosted rows of rollup_busy_minute or rollup_busy_5min (migration 0033);
// the parts around them from the jobs.
func hostedUtilization(ctx context.Context, env Env, req Request, f Filters) ([]utilPoint, error) {
	if env.Limits.Hosted <= 0 {
		return nil, nil
	}
	bucket := runnerBucket(req)
	p, err := runnerPlan(ctx, env.DB, req, bucket, onlyFilters(f, "labels", "runnerGroups"))
	if err != nil {
		return nil, err
	}
	st := newStmt("runner_utilization_hosted")
	b, origin := st.arg(seconds(bucket)), st.arg(bucketOrigin)
	st.add("SELECT t, sum(secs)::float8 FROM (")
	for i, w := range rawWindows(req, p.plan) {
		if i > 0 {
			st.add("\n  UNION ALL ")
		}
		from, to := st.arg(w.from), st.arg(w.to)
		st.add("SELECT t, extract(epoch FROM least(j.e, t + ", b, "::interval) - greatest(j.s, t)) AS secs\n",
			"  FROM (SELECT greatest(j.started_at, ", from, ") AS s, least(coalesce(j.completed_at, ", to, "), ", to, ") AS e\n  FROM ")
		activeJobs(st, Request{From: w.from, To: w.to}, f, runnerFilters, "j.labels, j.runner_name, j.status, j.started_at, j.completed_at")
		// A job that asks for the label self-hosted runs on the organisation's runners (runnerType).
		st.add("\n  WHERE j.runner_name <> '' AND NOT ('self-hosted' ILIKE ANY(j.labels)) AND j.started_at < ", to,
			" AND j.status IN ('in_progress', 'completed')) j,\n",
			"  generate_series(date_bin(", b, "::interval, j.s, ", origin, "), j.e, ", b, "::interval) AS t\n",
			"  WHERE j.e > j.s")
	}
	if p.use {
		tbl, col := p.table("rollup_hosted_hour", "rollup_busy_minute", "rollup_busy_5min")
		st.add("\n  UNION ALL SELECT date_bin(", b, "::interval, r.", col, ", ", origin, "), r.busy_s FROM ", tbl, " r\n",
			"  WHERE r.", col, " >= ", st.arg(p.rolledFrom), " AND r.", col, " < ", st.arg(p.rolledTo))
		if p.minutes {
			st.add(" AND r.hosted")
		}
		f.where(st, runnerRollupFilters)
	}
	st.add(") x\nWHERE t < ", st.arg(req.To), "\nGROUP BY 1 ORDER BY 1")
	var out []utilPoint
	capacity := float64(env.Limits.Hosted) * bucket.Seconds()
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		p := utilPoint{pool: hostedPool}
		var secs float64
		if err := r.Scan(&p.t, &secs); err != nil {
			return err
		}
		p.t, p.v = p.t.UTC(), secs/capacity
		out = append(out, p)
		return nil
	})
	return out, err
}

package query

import (
	"context"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// RunnerUtilization answers runner_utilization: per pool, the share of its runners busy in
// each bucket. Where the reconciler samples the inventory (runner_samples), a pool is a
// runner label set and the ratio is the busy share of its online samples. Without samples
// in the range, a pool is the label set jobs asked for, busy time comes from job events
// (runner, start, end) cut at bucket edges, and the pool's size is the number of runners
// that ran its jobs in the range. GitHub-hosted runners are left out (see hostedGroup).
//
// Over long ranges the final hours come from rollup_pool_hour (busy seconds, and the
// runners busy in the hour) and the runners of whole days from rollup_runner_day, or, for
// samples, from rollup_sample_hour. Buckets under an hour are whole minutes (runnerBucket),
// and the final whole hours' busy seconds and samples come from the per-minute rollups
// rollup_busy_minute and rollup_sample_minute (migration 0033), or their 5-minute sums
// for buckets of multiples of 5 minutes, instead.
func RunnerUtilization(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	hosted, err := hostedUtilization(ctx, env, req, m.Filters)
	if err != nil {
		return nil, err
	}
	frames, err := sampledUtilization(ctx, env, req, m.Filters, hosted)
	if err != nil || frames[0].Rows() > 0 {
		return frames, err
	}
	bucket := runnerBucket(req)
	p, err := runnerPlan(ctx, env.DB, req, bucket, onlyFilters(m.Filters, "labels", "runnerGroups"))
	if err != nil {
		return nil, err
	}
	st := newStmt("runner_utilization")
	b, origin := st.arg(seconds(bucket)), st.arg(bucketOrigin)
	st.add("WITH j AS (\n")
	for i, w := range rawWindows(req, p.plan) {
		if i > 0 {
			st.add("\n  UNION ALL\n")
		}
		from, to := st.arg(w.from), st.arg(w.to)
		st.add("  SELECT j.label_key AS pool, j.runner_name, greatest(j.started_at, ", from, ") AS s,\n",
			"    least(coalesce(j.completed_at, ", to, "), ", to, ") AS e\n  FROM ")
		activeJobs(st, Request{From: w.from, To: w.to}, m.Filters, runnerFilters, "j.label_key, j.runner_name, j.runner_group_name, j.status, j.started_at, j.completed_at")
		st.add("\n  WHERE j.runner_name <> '' AND j.runner_group_name <> ", hostedGroup, " AND j.started_at < ", to,
			" AND j.status IN ('in_progress', 'completed')")
	}
	st.add("\n), names AS (\n  SELECT pool, runner_name FROM j")
	if p.use {
		// Whole days name their runners in rollup_runner_day; the hours around them, in
		// rollup_pool_hour.
		rf, rt := st.arg(p.rolledFrom), st.arg(p.rolledTo)
		df, dt := ceilDay(p.rolledFrom), p.rolledTo.Truncate(day)
		if dt.Before(df) {
			dt = df
		}
		sdf, sdt := st.arg(df), st.arg(dt)
		st.add("\n  UNION SELECT r.label_key, r.runner_name FROM rollup_runner_day r WHERE r.day >= ", sdf, " AND r.day < ", sdt)
		m.Filters.where(st, runnerRollupFilters)
		st.add("\n  UNION SELECT r.label_key, unnest(r.runners) FROM rollup_pool_hour r WHERE r.hour >= ", rf, " AND r.hour < ", rt,
			" AND NOT (r.hour >= ", sdf, " AND r.hour < ", sdt, ")")
		m.Filters.where(st, runnerRollupFilters)
	}
	// The distinct pairs first, and busy seconds summed per pool and bucket before the pool's
	// size joins them: both then hash a few thousand groups, where count(DISTINCT) and a
	// GROUP BY with the size sorted every job's buckets (over 7 days at 10M jobs, 800,000
	// rows spilled to disk: 1.46 s, now 0.97 s).
	st.add("\n), size AS (SELECT pool, count(*) AS n FROM (SELECT DISTINCT pool, runner_name FROM names) x GROUP BY pool),\n",
		"busy AS (\n",
		"  SELECT j.pool, t, extract(epoch FROM least(j.e, t + ", b, "::interval) - greatest(j.s, t)) AS secs\n",
		"  FROM j, generate_series(date_bin(", b, "::interval, j.s, ", origin, "), j.e, ", b, "::interval) AS t\n",
		"  WHERE j.e > j.s")
	if p.use {
		tbl, col := p.table("rollup_pool_hour", "rollup_busy_minute", "rollup_busy_5min")
		st.add("\n  UNION ALL SELECT r.label_key, date_bin(", b, "::interval, r.", col, ", ", origin, "), r.busy_s\n",
			"  FROM ", tbl, " r WHERE r.", col, " >= ", st.arg(p.rolledFrom), " AND r.", col, " < ", st.arg(p.rolledTo))
		if p.minutes { // the minutes keep hosted jobs' seconds too (hostedUtilization)
			st.add(" AND r.runner_group_name <> ", hostedGroup)
		}
		m.Filters.where(st, runnerRollupFilters)
	}
	st.add("\n)\n",
		"SELECT pb.pool, pb.t, (pb.secs / (size.n * extract(epoch FROM ", b, "::interval)))::float8\n",
		"FROM (SELECT pool, t, sum(secs) AS secs FROM busy WHERE t + ", b, "::interval > ", st.arg(req.From), " AND t < ", st.arg(req.To),
		" GROUP BY pool, t) pb\nJOIN size USING (pool) ORDER BY 2, 1")

	return utilizationFrames(ctx, env, st, hosted, false)
}

// sampledUtilization reads utilization from the reconciler's runner samples: per pool and
// bucket, the share of online samples that were busy. Over long ranges the final hours come
// from rollup_sample_hour (migration 0013), each runner's online and busy samples in the
// hour per pool, or for buckets under an hour from rollup_sample_minute or rollup_sample_5min
// (0033), and the rest from the samples themselves.
func sampledUtilization(ctx context.Context, env Env, req Request, f Filters, hosted []utilPoint) (data.Frames, error) {
	bucket := runnerBucket(req)
	// rollup_sample_hour mixes forges: a forges filter reads the samples.
	p, err := runnerPlan(ctx, env.DB, req, bucket, values(f.Forges) == nil)
	if err != nil {
		return nil, err
	}
	st := newStmt("runner_utilization_samples")
	b, origin := st.arg(seconds(bucket)), st.arg(bucketOrigin)
	// Each part yields (pool, time, online samples, busy samples): the raw parts one row a
	// sample, with the filters on the inventory's columns, and the rolled hours one row a
	// pool, with the same filters on the same columns.
	st.add("SELECT s.pool, date_bin(", b, "::interval, s.t, ", origin, "), (sum(s.busy)::float8 / sum(s.online))::float8\nFROM (")
	for i, w := range rawWindows(req, p.plan) {
		if i > 0 {
			st.add("\n  UNION ALL ")
		}
		st.add("SELECT r.label_key AS pool, s.sampled_at AS t, 1 AS online, CASE WHEN s.busy THEN 1 ELSE 0 END AS busy\n",
			"  FROM runner_samples s JOIN runners r ON r.scope = s.scope AND r.runner_id = s.runner_id AND r.forge = s.forge\n",
			"  WHERE s.sampled_at >= ", st.arg(w.from), " AND s.sampled_at < ", st.arg(w.to), " AND s.status = 'online'")
		f.where(st, inventoryFilters)
	}
	if p.use {
		tbl, col := p.table("rollup_sample_hour", "rollup_sample_minute", "rollup_sample_5min")
		st.add("\n  UNION ALL SELECT r.label_key, r.", col, ", r.online, r.busy FROM ", tbl, " r\n",
			"  WHERE r.", col, " >= ", st.arg(p.rolledFrom), " AND r.", col, " < ", st.arg(p.rolledTo))
		f.where(st, inventoryFilters)
	}
	st.add(") s\nGROUP BY 1, 2 ORDER BY 2, 1")
	return utilizationFrames(ctx, env, st, hosted, true)
}

// utilizationFrames runs a statement that yields (pool, bucket, busy ratio) rows, from job
// events or from runner samples, and shapes them into the one wide frame both answer with,
// GitHub-hosted runners' points (hostedUtilization) among them. The sampled attempt answers
// an empty frame when no sample was found, so that the job events answer instead.
func utilizationFrames(ctx context.Context, env Env, st *stmt, hosted []utilPoint, sampled bool) (data.Frames, error) {
	type point = utilPoint
	var pts []point
	var p point
	var pool pgtype.DriverBytes
	pools := interner{}
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&pool, &p.t, &p.v); err != nil {
			return err
		}
		p.pool, p.t = pools.get(pool), p.t.UTC()
		pts = append(pts, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sampled && len(pts) == 0 {
		// No self-hosted pool answered: the sampled attempt gives way to the job events.
		return data.Frames{data.NewFrame("runner_utilization")}, nil
	}
	pts = append(pts, hosted...)
	slices.SortStableFunc(pts, func(a, b point) int { return a.t.Compare(b.t) })
	f := wide("runner_utilization", pts, func(p point) (time.Time, string, float64) { return p.t, p.pool, p.v },
		func(p point) data.Labels { return data.Labels{"pool": p.pool} }, "busy_ratio")
	for _, fl := range f.Fields[1:] {
		unit(fl, "percentunit")
	}
	return data.Frames{finish(f, st, data.FrameTypeTimeSeriesWide)}, nil
}

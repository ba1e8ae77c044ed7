package query

import (
	"cmp"
	"context"
	"slices"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// repoStatsModel is the repo_stats (top N) query.
type repoStatsModel struct {
	common
	Dimension string `json:"dimension"`
	Metric    string `json:"metric"`
	Limit     int    `json:"limit"`
}

// repoStatsDims maps a dimension to its column, its name in rollup_job_day, and the filter
// that may be set on it while reading the rollups.
var repoStatsDims = map[string]struct{ col, rollup, filter string }{
	"repo": {"j.repo", "repo", "repos"}, "workflow": {"j.workflow_name", "workflow", "workflows"},
	"job": {"j.job_name", "job", ""}, "label": {"j.label_key", "label", "labels"},
}

// repoStatsOrder maps a metric to its output column, so the ORDER BY is a constant.
var repoStatsOrder = map[string]string{
	"runs": "2", "failures": "4", "failure_rate": "5", "minutes": "6", "p95_duration": "7", "p95_queue": "8",
}

// failed lists the conclusions that count as failures; cancelled and skipped are neither
// failures nor successes, so they stay out of failure rates.
const failed = "('failure', 'timed_out', 'startup_failure')"

// RepoStats answers repo_stats: completed jobs created in the range, grouped by one
// dimension, every metric computed and the rows ranked by the chosen one. A run counts once
// per value, where its first job with that value was created (first: no job of the run with
// that value in the 30 hours before), so that days add up.
//
// Over ranges with minTableRolled of final hours or more (a day that ends now is one), whole
// final days come from rollup_job_day and the whole final hours around them from
// rollup_job_hour, whose percentiles are histograms (within 1%); the
// partial hours at the ends and what lies past the watermark are read from the projections
// into the same shape, and the ranking is done here.
func RepoStats(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m repoStatsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	dim, err := oneOf("dimension", m.Dimension, "repo", "repo", "workflow", "job", "label")
	if err != nil {
		return nil, err
	}
	metric, err := oneOf("metric", m.Metric, "runs", "runs", "failures", "failure_rate", "minutes", "p95_duration", "p95_queue")
	if err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 10, 1000)
	if err != nil {
		return nil, err
	}
	d := repoStatsDims[dim]
	plan := req
	if dim == "repo" {
		// The repo rows of rollup_job_day and rollup_job_hour are one repository each: a
		// scoped request reads them, scoped by value (repoStatsRolled).
		plan = repoSplit(req)
	}
	p, err := planTables(ctx, env.DB, plan, onlyFilters(m.Filters, d.filter))
	if err != nil {
		return nil, err
	}
	f := data.NewFrame("repo_stats",
		data.NewField(dim, nil, []string{}),
		data.NewField("runs", nil, []float64{}),
		data.NewField("jobs", nil, []float64{}),
		data.NewField("failures", nil, []float64{}),
		unit(data.NewField("failure_rate", nil, []*float64{}), "percentunit"),
		unit(data.NewField("minutes", nil, []float64{}), "m"),
		unit(data.NewField("p95_duration", nil, []*float64{}), "s"),
		unit(data.NewField("p95_queue", nil, []*float64{}), "s"),
	)
	if p.use {
		frames, err := repoStatsRolled(ctx, env, req, m.Filters, dim, metric, limit, p, f)
		return repoDimURLs(ctx, env, req, dim, frames, err)
	}
	st := newStmt("repo_stats")
	st.add("SELECT value, count(*) FILTER (WHERE opens)::float8, count(*)::float8,\n",
		"  count(*) FILTER (WHERE conclusion IN ", failed, ")::float8,\n",
		"  (count(*) FILTER (WHERE conclusion IN ", failed, "))::float8 / nullif(count(*) FILTER (WHERE conclusion NOT IN ('cancelled', 'skipped', '')), 0),\n",
		"  coalesce(sum(dur), 0)::float8 / 60,\n",
		"  percentile_disc(0.95) WITHIN GROUP (ORDER BY dur),\n",
		"  percentile_disc(0.95) WITHIN GROUP (ORDER BY queue_s)\n",
		"FROM ")
	jobStatsRows(st, window{from: req.From, to: req.To}, d.col, m.Filters)
	st.add("\nGROUP BY 1 ORDER BY ", repoStatsOrder[metric], " DESC NULLS LAST, 1 LIMIT ", st.arg(limit))
	frames, err := table(ctx, env.DB, st, f)
	if err != nil {
		return nil, err
	}
	if err := addAbandoned(ctx, env, req, m.Filters, d.col, frames[0]); err != nil {
		return nil, err
	}
	return repoDimURLs(ctx, env, req, dim, frames, nil)
}

// jobStatsRows writes a subquery (aliased x) of the completed jobs created in w, each with
// its value of the dimension col, conclusion, duration, queue time and whether it opens its
// run for that value, as rollup_day_jobs (migration 0008) computes them for a day.
//
// Whether a job opens its run needs the jobs of the lookback before w, but only those of
// the runs that have a job in w. A window shorter than the lookback (the partial hours
// around the rollups) finds them run by run through workflow_jobs_run_idx; reading every
// job of the lookback would read 30 hours of jobs for a window of minutes. A longer window
// has more runs than the lookback has jobs, and reads the lookback once.
func jobStatsRows(st *stmt, w window, col string, f Filters) {
	from, to := st.arg(w.from), st.arg(w.to)
	st.add("(SELECT * FROM (\n",
		"  SELECT j.created_at, j.value, j.conclusion, j.dur, j.queue_s,\n",
		"    coalesce(lag(j.created_at) OVER (PARTITION BY j.run_id, j.forge, j.value COLLATE \"C\" ORDER BY j.created_at, j.job_id) < j.created_at - ",
		st.arg(seconds(finishedLookback)), "::interval, true) AS opens\n",
		// A job CI Radar closed (expired, gone) has no outcome: failure rates count it
		// neither way, as rollup_day_jobs (migration 0015) does.
		"  FROM (SELECT j.run_id, j.forge, j.job_id, j.created_at, ", col, " AS value,\n",
		"      CASE WHEN j.closed_by IN ('expired', 'gone') THEN '' ELSE j.conclusion END AS conclusion,\n",
		"      greatest(extract(epoch FROM j.completed_at - j.started_at), 0)::float8 AS dur, j.queue_s\n",
		"    FROM workflow_jobs j WHERE j.created_at >= ", from, " AND j.created_at < ", to, " AND j.status = 'completed'")
	f.where(st, jobFilters)
	runs := "(SELECT DISTINCT r.run_id, r.forge FROM workflow_jobs r WHERE r.created_at >= " + from + " AND r.created_at < " + to + " AND r.status = 'completed')"
	lookback := st.arg(w.from.Add(-finishedLookback))
	st.add("\n    UNION ALL SELECT j.run_id, j.forge, j.job_id, j.created_at, ", col, ", NULL, NULL, NULL\n    FROM ")
	if w.to.Sub(w.from) < finishedLookback {
		st.add(runs, " r CROSS JOIN LATERAL (SELECT j.* FROM workflow_jobs j WHERE j.run_id = r.run_id AND j.forge = r.forge\n",
			"      AND j.created_at >= ", lookback, " AND j.created_at < ", from, " AND j.status = 'completed'")
		f.where(st, jobFilters)
		// OFFSET 0 keeps the planner from pulling the subquery up into a hash join, which
		// reads the whole lookback again.
		st.add(" OFFSET 0) j")
	} else {
		st.add("workflow_jobs j WHERE j.created_at >= ", lookback, " AND j.created_at < ", from, " AND j.status = 'completed'\n",
			"      AND (j.run_id, j.forge) IN ", runs)
		f.where(st, jobFilters)
	}
	st.add(") j) y WHERE y.created_at >= ", from, ") x")
}

// jobStats is one value's figures, merged from rollup days and raw parts.
type jobStats struct {
	value                         string
	runs, jobs, failures, decided int64
	busy                          float64
	dur, queue                    hist
}

// repoStatsRolled answers from rollup_job_day for p's days and the projections for the
// rest, every part as (value, runs, jobs, failures, decided, busy seconds, histograms).
func repoStatsRolled(ctx context.Context, env Env, req Request, fl Filters, dim, metric string, limit int, p plan, f *data.Frame) (data.Frames, error) {
	d := repoStatsDims[dim]
	st := newStmt("repo_stats")
	unionParts(st, req, p, func(w window) {
		st.add("(WITH x AS MATERIALIZED (SELECT * FROM ")
		jobStatsRows(st, w, d.col, fl)
		st.add(")\n  SELECT b.value, b.runs, b.jobs, b.failures, b.decided, b.busy, coalesce(dh.h, ''::bytea), coalesce(qh.h, ''::bytea) FROM (\n",
			"    SELECT value, count(*) FILTER (WHERE opens) AS runs, count(*) AS jobs, count(*) FILTER (WHERE conclusion IN ", failed, ") AS failures,\n",
			"      count(*) FILTER (WHERE conclusion NOT IN ('cancelled', 'skipped', '')) AS decided, coalesce(sum(dur), 0) AS busy FROM x GROUP BY 1) b")
		for _, h := range []struct{ col, alias string }{{"dur", "dh"}, {"queue_s", "qh"}} {
			// Gap-coded as rollup_days (migration 0011) codes the rollups' histograms.
			st.add("\n  LEFT JOIN (SELECT value, string_agg(rollup_varint(gap) || rollup_varint(c), ''::bytea ORDER BY k) AS h FROM (\n",
				"    SELECT value, rollup_bucket(", h.col, ") AS k, count(*)::int AS c,\n",
				"      rollup_bucket(", h.col, ") - coalesce(lag(rollup_bucket(", h.col, ")) OVER (PARTITION BY value ORDER BY rollup_bucket(", h.col, ")), 0) AS gap\n",
				"    FROM x WHERE ", h.col, " IS NOT NULL GROUP BY 1, 2) y GROUP BY 1) ", h.alias, " USING (value)")
		}
		st.add(")")
	}, func(from, to string) {
		dimArg := st.arg(d.rollup)
		dayHourRows(st, p, from, to, "r.value, r.runs, r.jobs, r.failures, r.decided, r.busy_s, r.duration_hist, r.queue_hist",
			"rollup_job_day", "rollup_job_hour", func() {
				st.add(" AND r.dim = ", dimArg)
				if d.filter != "" {
					target := filterTarget{d.filter: "r.value = ANY(%s)"}
					if dim == "repo" {
						target["scope.org"], target["scope.repo"] = "split_part(r.value, '/', 1)", "r.value"
					}
					fl.where(st, target)
				}
			})
	})
	byValue := map[string]*jobStats{}
	// Read in the driver's own buffer: the value is copied only when it is new, and the
	// histograms are merged where they lie.
	var value, dh, qh pgtype.DriverBytes
	var part jobStats
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&value, &part.runs, &part.jobs, &part.failures, &part.decided, &part.busy, &dh, &qh); err != nil {
			return err
		}
		s := byValue[string(value)]
		if s == nil {
			s = &jobStats{value: string(value)}
			byValue[s.value] = s
		}
		s.runs += part.runs
		s.jobs += part.jobs
		s.failures += part.failures
		s.decided += part.decided
		s.busy += part.busy
		if err := s.dur.mergeGaps(dh); err != nil {
			return err
		}
		return s.queue.mergeGaps(qh)
	})
	if err != nil {
		return nil, err
	}
	type row struct {
		value                string
		runs, jobs, failures float64
		rate                 *float64
		minutes              float64
		p95d, p95q           *float64
	}
	rows := make([]row, 0, len(byValue))
	for _, s := range byValue {
		r := row{value: s.value, runs: float64(s.runs), jobs: float64(s.jobs), failures: float64(s.failures), minutes: s.busy / 60,
			p95d: s.dur.p95(), p95q: s.queue.p95()}
		if s.decided > 0 {
			r.rate = fp(float64(s.failures) / float64(s.decided))
		}
		rows = append(rows, r)
	}
	// The same order as the projections' ORDER BY: the metric, descending, NULLs last, then
	// the value.
	key := func(r row) *float64 {
		switch metric {
		case "runs":
			return &r.runs
		case "failures":
			return &r.failures
		case "failure_rate":
			return r.rate
		case "minutes":
			return &r.minutes
		case "p95_duration":
			return r.p95d
		}
		return r.p95q
	}
	slices.SortFunc(rows, func(a, b row) int {
		ka, kb := key(a), key(b)
		switch {
		case ka == nil && kb != nil:
			return 1
		case ka != nil && kb == nil:
			return -1
		case ka != nil && kb != nil && *ka != *kb:
			return cmp.Compare(*kb, *ka)
		}
		return cmp.Compare(a.value, b.value)
	})
	for _, r := range rows[:min(limit, len(rows))] {
		f.AppendRow(r.value, r.runs, r.jobs, r.failures, r.rate, r.minutes, r.p95d, r.p95q)
	}
	return data.Frames{finish(f, st, data.FrameTypeTable)}, addAbandoned(ctx, env, req, fl, d.col, f)
}

// addAbandoned appends the field abandoned to a repo_stats frame: per value (its first
// field), the jobs that completed without a runner ever taking them (abandoned.go).
func addAbandoned(ctx context.Context, env Env, req Request, fl Filters, col string, f *data.Frame) error {
	counts, err := abandonedByValue(ctx, env, req, fl, col)
	if err != nil {
		return err
	}
	n := make([]float64, f.Rows())
	for i := range n {
		n[i] = counts[f.Fields[0].At(i).(string)]
	}
	f.Fields = append(f.Fields, data.NewField("abandoned", nil, n))
	return nil
}

package query

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// queueTimeModel is the queue_time query: percentiles of the real queue time (created or
// approved, to started; approval excluded, see store.Job.QueueSeconds) per bucket.
type queueTimeModel struct {
	common
	GroupBy string `json:"groupBy"`
	// IncludeAbandoned counts the waits of abandoned jobs (completed without a runner) as
	// samples, lower bounds of their queue time, so an SLO panel cannot look better when
	// starved jobs are cancelled. Off by default: the figures are then real queue times.
	IncludeAbandoned bool `json:"includeAbandoned"`
}

// queueSample returns the sample column and its condition: the queue time, or with
// abandoned waits the queue time or, for a job without one, its abandoned wait.
func queueSample(withAbandoned bool) (expr, cond string) {
	if withAbandoned {
		return "coalesce(j.queue_s, j.abandoned_wait_s)", "(j.queue_s IS NOT NULL OR j.abandoned_wait_s IS NOT NULL)"
	}
	return "j.queue_s", "j.queue_s IS NOT NULL"
}

// queueGroups maps groupBy to the grouping column and the label that carries it.
var queueGroups = map[string]struct{ expr, label string }{
	"none":         {"''", ""},
	"labels":       {"j.label_key", "label_key"},
	"repo":         {"j.repo", "repo"},
	"workflow":     {"j.workflow_name", "workflow"},
	"runner_group": {"j.runner_group_name", "runner_group"},
}

// QueueTime answers queue_time. A job counts in the bucket of its creation once a runner
// has taken it; jobs still queued are queued_now's business. Every frame also has the
// abandoned jobs of each bucket (field abandoned), and with includeAbandoned their waits
// are samples too. Percentiles are nearest-rank
// (percentile_disc): each is the queue time of a real job, and the simulator's ground
// truth, which is defined the same way, can be matched exactly.
func QueueTime(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m queueTimeModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	groupBy, err := oneOf("groupBy", m.GroupBy, "none", "none", "labels", "repo", "workflow", "runner_group")
	if err != nil {
		return nil, err
	}
	g := queueGroups[groupBy]
	bucket := fineBucket(req)
	p, err := planFine(ctx, env.DB, req, bucket, groupBy != "repo" && groupBy != "workflow" &&
		onlyFilters(m.Filters, "labels", "runnerGroups", "conclusions"))
	if err != nil {
		return nil, err
	}
	ab, err := abandonedByBucket(ctx, env, req, m.Filters, g.expr, bucket)
	if err != nil {
		return nil, err
	}
	if p.use {
		return queueTimeRolled(ctx, env, req, m, groupBy, bucket, p, ab)
	}
	sample, cond := queueSample(m.IncludeAbandoned)
	st := newStmt("queue_time")
	st.add("SELECT ", g.expr, " AS grp, date_bin(", st.arg(seconds(bucket)), "::interval, j.created_at, ",
		st.arg(bucketOrigin), ") AS t,\n",
		"  percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY ", sample, "),\n",
		"  max(", sample, "), avg(", sample, "), count(*)::float8\n",
		"FROM workflow_jobs j\nWHERE j.created_at >= ", st.arg(req.From), " AND j.created_at < ", st.arg(req.To),
		" AND ", cond)
	m.Filters.where(st, jobFilters.without("conclusions"))
	// Time first: the rows come from the created_at index almost in that order, so the sort
	// is nearly free, where sorting by group first compared text (in the database's
	// collation) for every pair. Each group's points are put together here.
	st.add("\nGROUP BY 2, 1 ORDER BY 2, 1")

	byGroup := map[string][]queuePoint{}
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var grp string
		var pt queuePoint
		var p []float64
		if err := r.Scan(&grp, &pt.t, &p, &pt.vals[4], &pt.vals[5], &pt.vals[6]); err != nil {
			return err
		}
		if len(p) != 4 {
			return fmt.Errorf("%d percentiles, want 4", len(p))
		}
		copy(pt.vals[:4], p)
		byGroup[grp] = append(byGroup[grp], pt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return queueFrames(queueSeries(g.label, byGroup, ab), st), nil
}

// queuePercentiles are the percentiles queue_time reports, in its fields' order.
var queuePercentiles = [4]float64{0.5, 0.9, 0.95, 0.99}

func queueFrames(series *groupedSeries, st *stmt) data.Frames {
	frames := series.result("queue_time", st)
	for _, f := range frames {
		for _, fl := range f.Fields[1:7] { // the durations, not count and abandoned
			unit(fl, "s")
		}
	}
	return frames
}

// queueRollupGroups and queueRollupFilters are queueGroups and jobFilters over
// rollup_queue_hour, which keeps the label set and the runner group.
var (
	queueRollupGroups  = map[string]string{"none": "''", "labels": "r.label_key", "runner_group": "r.runner_group_name"}
	queueRollupFilters = filterTarget{"labels": "r.label_key = ANY(%s)", "runnerGroups": "r.runner_group_name = ANY(%s)"}
)

// queueTimeRolled answers queue_time from histograms of the final hours (or 10 minutes, for
// a plan from planFine) and from the projections, bucketed the same way, for the rest.
// Counts, sums and maxima are exact; percentiles are nearest-rank over the merged
// histogram, within 1% (see histValue). Histograms travel as bytea of (bucket int2, count
// int4) pairs (see hist.merge): two arrays cost several times as much to send and to decode.
func queueTimeRolled(ctx context.Context, env Env, req Request, m queueTimeModel, groupBy string, bucket time.Duration, p plan, ab abandonedPoints) (data.Frames, error) {
	g, f := queueGroups[groupBy], m.Filters
	sample, cond := queueSample(m.IncludeAbandoned)
	st := newStmt("queue_time")
	b, origin := st.arg(seconds(bucket)), st.arg(bucketOrigin)
	rf, rt := st.arg(p.rolledFrom), st.arg(p.rolledTo)
	st.add("SELECT grp, t, h, n, s, m FROM (\n",
		"  SELECT ", queueRollupGroups[groupBy], " AS grp, date_bin(", b, "::interval, r.hour, ", origin, ") AS t,\n",
		"    r.hist AS h, r.n AS n, r.sum_s AS s, r.max_s AS m\n",
		"  FROM ", p.table("rollup_queue_hour"), " r WHERE r.hour >= ", rf, " AND r.hour < ", rt)
	f.where(st, queueRollupFilters)
	// The hours around the final ones, raw: two index ranges (one OR of both would be
	// planned as a scan of the whole table).
	from, to := st.arg(req.From), st.arg(req.To)
	st.add("\n  UNION ALL\n",
		"  SELECT grp, t, string_agg(int2send(k) || int4send(c), ''::bytea ORDER BY k), sum(c)::int8, sum(s), max(m) FROM (\n",
		"    SELECT ", g.expr, " AS grp, date_bin(", b, "::interval, j.created_at, ", origin, ") AS t,\n",
		"      rollup_bucket(j.q) AS k, count(*)::int AS c, sum(j.q) AS s, max(j.q) AS m\n",
		"    FROM (")
	windows := [][3]string{{from, rf, cond}, {rt, to, cond}}
	if m.IncludeAbandoned {
		// The rollups hold queue times only: the abandoned waits of the rolled hours come
		// from the rows, through their partial index.
		windows = append(windows, [3]string{rf, rt, "j.abandoned_wait_s IS NOT NULL"})
	}
	for i, w := range windows {
		if i > 0 {
			st.add("\n      UNION ALL ")
		}
		st.add("SELECT j.*, ", sample, " AS q FROM workflow_jobs j WHERE j.created_at >= ", w[0], " AND j.created_at < ", w[1], " AND ", w[2])
		f.where(st, jobFilters.without("conclusions"))
	}
	// No ORDER BY: sorting rows that carry histograms cost more than the scan; histRows
	// puts them in group and time order.
	st.add(") j\n    GROUP BY 1, 2, 3) x GROUP BY 1, 2\n) u")

	rows, err := collectHistRows(ctx, env.DB, st)
	if err != nil {
		return nil, err
	}
	byGroup := make([][]queuePoint, len(rows.groups))
	names, err := rows.points(bucket, func(gi int, t time.Time, h *hist) {
		p := queuePoint{t: t}
		h.percentilesInto(p.vals[:4], queuePercentiles[:])
		p.vals[4], p.vals[5], p.vals[6] = h.max, h.sum/float64(h.n), float64(h.n)
		byGroup[gi] = append(byGroup[gi], p)
	})
	if err != nil {
		return nil, err
	}
	named := make(map[string][]queuePoint, len(byGroup))
	for gi, pts := range byGroup {
		named[names[gi]] = append(named[names[gi]], pts...)
	}
	return queueFrames(queueSeries(g.label, named, ab), st), nil
}

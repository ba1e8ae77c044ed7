package query

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Abandoned jobs completed without a runner ever taking them: cancelled, expired or gone
// while queued (store.Job.Abandoned). They have no queue time, only a wait that is a lower
// bound of one (workflow_jobs.abandoned_wait_s). They are few, and a partial index holds
// just them, so they are counted from the rows whichever way the rest of a query reads.

// abandonedPoints counts abandoned jobs per group and bucket.
type abandonedPoints map[string]map[time.Time]float64

// abandonedByBucket counts the abandoned jobs created in the range, per group (groupExpr
// over workflow_jobs aliased j) and bucket of creation.
func abandonedByBucket(ctx context.Context, env Env, req Request, f Filters, groupExpr string, bucket time.Duration) (abandonedPoints, error) {
	st := newStmt("queue_time_abandoned")
	st.add("SELECT ", groupExpr, ", date_bin(", st.arg(seconds(bucket)), "::interval, j.created_at, ", st.arg(bucketOrigin), "), count(*)::float8\n",
		"FROM workflow_jobs j WHERE j.abandoned_wait_s IS NOT NULL AND j.created_at >= ", st.arg(req.From),
		" AND j.created_at < ", st.arg(req.To))
	f.where(st, jobFilters.without("conclusions"))
	st.add("\nGROUP BY 1, 2")
	out := abandonedPoints{}
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var grp string
		var t time.Time
		var n float64
		if err := r.Scan(&grp, &t, &n); err != nil {
			return err
		}
		if out[grp] == nil {
			out[grp] = map[time.Time]float64{}
		}
		out[grp][t.UTC()] = n
		return nil
	})
	return out, err
}

// abandonedByValue counts the abandoned jobs created in the range per value of col (over
// workflow_jobs aliased j), for repo_stats.
func abandonedByValue(ctx context.Context, env Env, req Request, f Filters, col string) (map[string]float64, error) {
	st := newStmt("repo_stats_abandoned")
	st.add("SELECT ", col, ", count(*)::float8 FROM workflow_jobs j WHERE j.abandoned_wait_s IS NOT NULL AND j.created_at >= ",
		st.arg(req.From), " AND j.created_at < ", st.arg(req.To))
	f.where(st, jobFilters)
	st.add("\nGROUP BY 1")
	out := map[string]float64{}
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var v string
		var n float64
		if err := r.Scan(&v, &n); err != nil {
			return err
		}
		out[v] = n
		return nil
	})
	return out, err
}

// queuePoint is one bucket of queue_time: p50, p90, p95, p99, max, avg and count.
type queuePoint struct {
	t    time.Time
	vals [7]float64
}

// queueSeries builds queue_time's series from the sample points and the abandoned counts,
// group by group in name order and bucket by bucket in time order. A bucket with abandoned
// jobs and no sample has no percentiles and a count of 0.
func queueSeries(label string, byGroup map[string][]queuePoint, ab abandonedPoints) *groupedSeries {
	series := &groupedSeries{label: label, fields: []string{"p50", "p90", "p95", "p99", "max", "avg", "count", "abandoned"}}
	groups := slices.Collect(maps.Keys(byGroup))
	for g := range ab {
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
		}
	}
	slices.Sort(groups)
	for _, g := range groups {
		pts, abs := byGroup[g], ab[g]
		times := make([]time.Time, 0, len(pts)+len(abs))
		at := make(map[time.Time]*queuePoint, len(pts))
		for i := range pts {
			pts[i].t = pts[i].t.UTC() // map keys: equal instants in other zones differ
			times = append(times, pts[i].t)
			at[pts[i].t] = &pts[i]
		}
		for t := range abs {
			if at[t] == nil {
				times = append(times, t)
			}
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		for _, t := range times {
			n := abs[t]
			if p := at[t]; p != nil {
				series.add(g, t, cells(append(p.vals[:], n)...)...)
				continue
			}
			zero := cells(0, n)
			series.add(g, t, nil, nil, nil, nil, nil, nil, zero[0], zero[1])
		}
	}
	return series
}

package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// reconcilerFields are the columns of reconciler_stats answers, in order: per bucket, the
// cycles run and failed, the GitHub API requests (all, charged, answered 304), the lowest
// rate limit left, failed deliveries redelivered and the largest backlog left, stuck jobs
// corrected, jobs closed without word from GitHub (expired past its limits, gone on a 404),
// and issue searches for error signatures.
var reconcilerFields = []string{"cycles", "cycle_errors", "api_requests", "api_charged", "api_not_modified",
	"rate_limit_remaining", "redelivered", "redeliver_backlog", "stuck_corrected", "expired", "gone", "issue_searches"}

// ReconcilerStats answers reconciler_stats: the reconciler's samples (one per cycle,
// written by whichever replica led) summed per bucket into one wide frame. It is what
// /metrics shows of the reconciler, read from the store: the data source never scrapes the
// receiver. A bucket without a cycle is absent, not zero: no cycle ran.
func ReconcilerStats(ctx context.Context, env Env, req Request) (data.Frames, error) {
	if !req.Scope.IsZero() {
		return nil, badQuery("reconciler_stats describes the reconciler's work for every repository, so a scoped data source does not answer it: use an unscoped CI Radar data source for the Status dashboard")
	}
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	bucket := bucketFor(req)
	st := newStmt("reconciler_stats")
	st.add("SELECT date_bin(", st.arg(seconds(bucket)), "::interval, s.sampled_at, ", st.arg(bucketOrigin), ") AS t,\n",
		"  count(*)::float8, count(*) FILTER (WHERE NOT s.ok)::float8,\n",
		"  sum(s.api_requests)::float8, sum(s.api_requests - s.api_not_modified)::float8, sum(s.api_not_modified)::float8,\n",
		"  min(s.rate_limit_remaining)::float8, sum(s.redelivered)::float8, max(s.redeliver_backlog)::float8,\n",
		"  sum(s.stuck_corrected)::float8, sum(s.expired)::float8, sum(s.gone)::float8, sum(s.issue_searches)::float8\n",
		"FROM reconciler_stats s WHERE s.sampled_at >= ", st.arg(req.From), " AND s.sampled_at < ", st.arg(req.To), "\n",
		"GROUP BY 1 ORDER BY 1")
	times := []time.Time{}
	cols := make([][]*float64, len(reconcilerFields))
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var t time.Time
		vals := make([]*float64, len(reconcilerFields))
		dest := []any{&t}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := r.Scan(dest...); err != nil {
			return err
		}
		times = append(times, t.UTC())
		for i, v := range vals {
			cols[i] = append(cols[i], v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	f := data.NewFrame("reconciler_stats", data.NewField("time", nil, times))
	for i, name := range reconcilerFields {
		col := cols[i]
		if col == nil {
			col = []*float64{}
		}
		f.Fields = append(f.Fields, data.NewField(name, nil, col))
	}
	return data.Frames{finish(f, st, data.FrameTypeTimeSeriesWide)}, nil
}

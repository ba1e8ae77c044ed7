package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// stateLookback is how far before the range job_states looks for jobs that were already
// queued or running when it began. GitHub cancels a job queued for 24 hours and ends any job
// after 5 days on a self-hosted runner, so older jobs cannot still be open; a job stuck open
// by a lost webhook stops counting here instead of haunting every chart.
const stateLookback = 5 * 24 * time.Hour

// JobStates answers job_states: at each bucket's start, how many jobs were queued and how
// many running (levels), and how many completed during the bucket (a count). Levels come
// from +1/-1 steps at each job's transitions, summed in time order, so the cost grows with
// the jobs in the range and not with jobs × buckets.
func JobStates(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	bucket := bucketFor(req)
	st := newStmt("job_states")
	b, origin := st.arg(seconds(bucket)), st.arg(bucketOrigin)
	from, to := st.arg(req.From), st.arg(req.To)
	st.add("WITH j AS (\n",
		"  SELECT j.created_at + make_interval(secs => j.approval_wait_s) AS q_at,\n",
		"    CASE WHEN j.runner_name <> '' THEN j.started_at END AS s_at, j.completed_at AS c_at, j.status\n",
		"  FROM workflow_jobs j\n  WHERE j.created_at >= ", st.arg(req.From.Add(-stateLookback)), " AND j.created_at < ", to,
		"\n    AND j.status <> 'waiting' AND (j.completed_at IS NULL OR j.completed_at >= ", from, ")")
	m.Filters.where(st, jobFilters.without("conclusions"))
	st.add("\n), steps AS (\n",
		"  SELECT q_at AS at, 1 AS dq, 0 AS dr, 0 AS dc FROM j\n",
		"  UNION ALL SELECT coalesce(s_at, c_at), -1, 0, CASE WHEN s_at IS NULL THEN 1 ELSE 0 END FROM j WHERE coalesce(s_at, c_at) IS NOT NULL\n",
		"  UNION ALL SELECT s_at, 0, 1, 0 FROM j WHERE s_at IS NOT NULL\n",
		"  UNION ALL SELECT c_at, 0, -1, 1 FROM j WHERE s_at IS NOT NULL AND c_at IS NOT NULL\n",
		"), binned AS (\n",
		// A step at time x moves the level of every bucket starting after x, and counts as a
		// completion in the bucket holding x.
		"  SELECT greatest(date_bin(", b, "::interval, at, ", origin, ") + ", b, "::interval, date_bin(", b, "::interval, ", from, ", ", origin, ")) AS t,\n",
		"    sum(dq) AS dq, sum(dr) AS dr, 0 AS dc FROM steps GROUP BY 1\n",
		"  UNION ALL SELECT date_bin(", b, "::interval, at, ", origin, "), 0, 0, sum(dc) FROM steps WHERE dc = 1 AND at >= ", from, " GROUP BY 1\n",
		"), grid AS (\n",
		"  SELECT generate_series(date_bin(", b, "::interval, ", from, ", ", origin, "), ", to, ", ", b, "::interval) AS t\n",
		")\n",
		"SELECT g.t, sum(coalesce(sum(x.dq), 0)) OVER w, sum(coalesce(sum(x.dr), 0)) OVER w, coalesce(sum(x.dc), 0)\n",
		"FROM grid g LEFT JOIN binned x ON x.t = g.t\n",
		"GROUP BY g.t WINDOW w AS (ORDER BY g.t) ORDER BY g.t")

	series := &groupedSeries{fields: []string{"queued", "in_progress", "completed"}}
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var t time.Time
		var q, run, done float64
		if err := r.Scan(&t, &q, &run, &done); err != nil {
			return err
		}
		series.add("", t.UTC(), fp(q), fp(run), fp(done))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return series.result("job_states", st), nil
}

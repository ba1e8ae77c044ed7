package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// JobStates answers job_states: at each bucket's start, how many jobs were queued and how
// many running (levels), and how many completed during the bucket (a count).
//
// The database counts transitions per bucket in one pass (grouping sets over the queue,
// start and completion times); the levels are running sums of those counts, done here. So
// the cost grows with the jobs in the range, never with jobs × buckets.
func JobStates(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	bucket := fineBucket(req)
	g := newGrid(req.From, req.To, bucket)
	p, err := planFine(ctx, env.DB, req, bucket, onlyFilters(m.Filters, "labels", "runnerGroups", "conclusions"))
	if err != nil {
		return nil, err
	}
	// Jobs count from the start of the first bucket: the levels are those at each bucket's
	// start, and the completions those of whole buckets, whether a range starts on a bucket
	// edge or not (and whether rollups or the projections answer).
	raw := req
	raw.From = g.start
	var since time.Time // transitions before it come from the rollup
	if p.use {
		since = p.rolledTo
		raw.From = since
		if err := rolledTransitions(ctx, env, m.Filters, g, p); err != nil {
			return nil, err
		}
	}
	st := newStmt("job_states")
	b, origin, sn := st.arg(seconds(bucket)), st.arg(bucketOrigin), st.arg(since)
	at := func(col string) string {
		return "date_bin(" + b + "::interval, CASE WHEN " + col + " >= " + sn + " THEN " + col + " END, " + origin + ")"
	}
	st.add("SELECT GROUPING(bq, bs, bc), coalesce(bq, bs, bc), count(*), count(s_at)\n",
		"FROM (SELECT ", at(queueEntry), " AS bq,\n",
		"    ", at("s.s_at"), " AS bs, ", at("j.completed_at"), " AS bc,\n",
		"    CASE WHEN j.completed_at >= ", sn, " THEN s.s_at END AS s_at\n  FROM ")
	activeJobs(st, raw, m.Filters, jobFilters.without("conclusions"),
		"j.created_at, j.approval_wait_s, j.runner_name, j.started_at, j.completed_at, j.status, j.forge, j.queued_at")
	// Only a job a runner took has really started; a job waiting for an approval is not
	// queued for a runner yet.
	st.add("\n  CROSS JOIN LATERAL (SELECT CASE WHEN j.runner_name <> '' THEN j.started_at END AS s_at) s\n",
		"  WHERE j.status <> 'waiting') x\n",
		"GROUP BY GROUPING SETS ((bq), (bs), (bc))")

	// GROUPING's bit mask says which time a row counts: 3 queued, 5 started, 6 completed.
	const queuedAt, startedAt, completedAt = 3, 5, 6
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var set int32
		var t *time.Time
		var n, started int64
		if err := r.Scan(&set, &t, &n, &started); err != nil {
			return err
		}
		if t == nil {
			return nil // not started, or not completed, yet
		}
		i := g.index(*t)
		switch set {
		case queuedAt:
			g.step(i+1, 0, float64(n))
		case startedAt:
			g.step(i+1, 0, -float64(n))
			g.step(i+1, 1, float64(n))
		case completedAt:
			g.step(i+1, 0, -float64(n-started)) // finished (cancelled) before a runner took it
			g.step(i+1, 1, -float64(started))
			if i >= 0 && i < len(g.times) {
				g.count[i] += float64(n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	series := &groupedSeries{fields: []string{"queued", "in_progress", "completed"}}
	var levels [2]float64
	for i, t := range g.times {
		levels[0] += g.delta[0][i]
		levels[1] += g.delta[1][i]
		series.add("", t, cells(levels[0], levels[1], g.count[i])...)
	}
	return series.result("job_states", st), nil
}

// queueEntry is when a job began waiting for a runner (s.s_at is its real start). GitHub's:
// its creation, after any environment approval. A GitLab job is created with its pipeline
// and first waits for its earlier stages, which is not queueing: it enters the queue at
// queued_at ('pending'). One whose hooks never said when is taken as queued from its start,
// or, never started (skipped, or cancelled while held), in and out at its end, which raises
// no level. rollup_hours (migration 0028) applies the same rule.
const queueEntry = "CASE WHEN j.forge = 'gitlab' THEN coalesce(j.queued_at, s.s_at, j.completed_at)" +
	" ELSE j.created_at + make_interval(secs => j.approval_wait_s) END"

// transitionFilters applies to rollup_job_transitions aliased r.
var transitionFilters = filterTarget{"labels": "r.label_key = ANY(%s)", "runnerGroups": "r.runner_group_name = ANY(%s)"}

// rolledTransitions adds the transitions of every final hour before p.rolledTo to g: the
// hours before the grid, summed into one row, set the first levels. A fine plan reads the
// 10-minute rollup from the hour the grid starts in, and the hourly one before it.
func rolledTransitions(ctx context.Context, env Env, f Filters, g *grid, p plan) error {
	st := newStmt("job_states_rollup")
	start, since := st.arg(g.start), st.arg(p.rolledTo)
	st.add("SELECT CASE WHEN r.hour < ", start, " THEN ", start, " - interval '1 hour' ELSE r.hour END,\n",
		"  sum(r.queued)::float8, sum(r.started)::float8, sum(r.completed)::float8, sum(r.completed_started)::float8\n",
		"FROM (")
	cols := "SELECT r.hour, r.queued, r.started, r.completed, r.completed_started FROM "
	if p.fine {
		split := st.arg(g.start.Truncate(time.Hour))
		st.add(cols, "rollup_job_transitions r WHERE r.hour < ", split)
		f.where(st, transitionFilters)
		st.add("\n  UNION ALL ", cols, p.table("rollup_job_transitions"), " r WHERE r.hour >= ", split, " AND r.hour < ", since)
	} else {
		st.add(cols, "rollup_job_transitions r WHERE r.hour < ", since)
	}
	f.where(st, transitionFilters)
	st.add(") r\nGROUP BY 1")
	return collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var h time.Time
		var queued, started, completed, completedStarted float64
		if err := r.Scan(&h, &queued, &started, &completed, &completedStarted); err != nil {
			return err
		}
		i := g.index(h)
		g.step(i+1, 0, queued-started-(completed-completedStarted))
		g.step(i+1, 1, started-completedStarted)
		if i >= 0 && i < len(g.times) {
			g.count[i] += completed
		}
		return nil
	})
}

// grid is the buckets of a range, aligned like date_bin with bucketOrigin.
type grid struct {
	start time.Time
	width time.Duration
	times []time.Time
	delta [2][]float64 // level changes taking effect at each bucket start
	count []float64
}

func newGrid(from, to time.Time, width time.Duration) *grid {
	start := bucketOrigin.Add(from.Sub(bucketOrigin) / width * width)
	g := &grid{start: start, width: width}
	for t := start; !t.After(to); t = t.Add(width) {
		g.times = append(g.times, t)
	}
	g.delta[0], g.delta[1] = make([]float64, len(g.times)), make([]float64, len(g.times))
	g.count = make([]float64, len(g.times))
	return g
}

// index is the bucket holding t; negative before the range.
func (g *grid) index(t time.Time) int {
	d := t.Sub(g.start)
	if d < 0 {
		return int((d - g.width + 1) / g.width)
	}
	return int(d / g.width)
}

// step applies a level change at bucket i; changes before the range set the first level,
// changes after it are dropped.
func (g *grid) step(i, level int, v float64) {
	if i >= len(g.times) {
		return
	}
	g.delta[level][max(i, 0)] += v
}

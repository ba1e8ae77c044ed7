package query

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// levels are one group's per-bucket peaks of running and queued jobs.
type levels struct{ run, queue []float64 }

func newLevels(g *grid) *levels {
	return &levels{make([]float64, len(g.times)), make([]float64, len(g.times))}
}

func (l *levels) raise(bucket, run, queue int) {
	l.run[bucket] = max(l.run[bucket], float64(run))
	l.queue[bucket] = max(l.queue[bucket], float64(queue))
}

// concurrencyLevels works out every group's peaks over req. A range of whole-hour buckets
// with a day or more of final hours and no filter reads those hours' peaks from
// rollup_concurrency_hour (migration 0027): a bucket's peak is the highest of its hours'.
// Buckets of whole minutes under an hour (runnerBucket) read the final whole hours' minutes
// from rollup_concurrency_minute (0033), or for multiples of 5 minutes from its 5-minute
// peaks, the same way, from an hour of final hours on.
// The jobs of the parts around them (the first bucket's start up to the first rolled hour,
// and from the last one to the end) are swept from their rows, as the whole range is
// otherwise.
func concurrencyLevels(ctx context.Context, env Env, req Request, fl Filters, by string, g *grid) (map[string]*levels, *stmt, error) {
	p, err := runnerPlan(ctx, env.DB, req, g.width, onlyFilters(fl))
	if err != nil {
		return nil, nil, err
	}
	out := map[string]*levels{}
	get := func(k string) *levels {
		l := out[k]
		if l == nil {
			l = newLevels(g)
			out[k] = l
		}
		return l
	}
	sweep := func(from, to, sweepFrom time.Time, tail bool) (*stmt, error) {
		part := req
		part.From, part.To = from, to
		events, st, err := concurrencyEvents(ctx, env, part, fl, by)
		if err != nil {
			return nil, err
		}
		for k, ev := range events {
			peaksIn(g, sweepFrom, to, tail, ev, get(k))
		}
		return st, nil
	}
	if !p.use {
		st, err := sweep(req.From, req.To, g.times[0], true)
		return out, st, err
	}
	st, err := sweep(req.From, p.rolledFrom, g.times[0], false)
	if err != nil {
		return nil, nil, err
	}
	rolled := newStmt("concurrency").noRepoData()
	tbl, col := p.table("rollup_concurrency_hour", "rollup_concurrency_minute", "rollup_concurrency_5min")
	rolled.add("SELECT ", col, ", key, running, queued FROM ", tbl, " WHERE dim = ", rolled.arg(by),
		" AND ", col, " >= ", rolled.arg(p.rolledFrom), " AND ", col, " < ", rolled.arg(p.rolledTo))
	var key []byte
	in := interner{}
	err = collect(ctx, env.DB, rolled, func(r pgx.Rows) error {
		var h time.Time
		var run, queue int32
		if err := r.Scan(&h, &key, &run, &queue); err != nil {
			return err
		}
		if i := g.index(h); i >= 0 && i < len(g.times) {
			get(in.get(key)).raise(i, int(run), int(queue))
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	tail, err := sweep(p.rolledTo, req.To, p.rolledTo, true)
	if err != nil {
		return nil, nil, err
	}
	st.add(";\n", rolled.sql(), ";\n", tail.sql())
	return out, st, nil
}

// concurrencyEvents reads the starts and ends of waits and runs of the jobs that were
// queued or running at some point of req, per group.
func concurrencyEvents(ctx context.Context, env Env, req Request, fl Filters, by string) (map[string][]concEvent, *stmt, error) {
	st := newStmt("concurrency")
	st.add("SELECT j.label_key, j.runner_group_name, j.created_at + make_interval(secs => j.approval_wait_s),\n",
		"  CASE WHEN j.runner_name <> '' THEN j.started_at END, j.completed_at\nFROM ")
	activeJobs(st, req, fl, jobFilters.without("conclusions"),
		"j.label_key, j.runner_group_name, j.created_at, j.approval_wait_s, j.runner_name, j.started_at, j.completed_at, j.status")
	st.add("\nWHERE j.status <> 'waiting' AND j.created_at IS NOT NULL")
	events := map[string][]concEvent{}
	in := interner{}
	var lk, rg []byte
	var q time.Time
	var s, c pgtype.Timestamptz // not *time.Time: no allocation per row
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&lk, &rg, &q, &s, &c); err != nil {
			return err
		}
		labelKey, group := in.get(lk), in.get(rg)
		key := func(running bool) string {
			switch by {
			case "labels":
				return labelKey
			case "runner_group":
				if !running || group == "" {
					return "(unassigned)"
				}
				return group
			}
			return runnerType(labelKey)
		}
		// The wait ends when a runner takes the job, or when it ends without one.
		qEnd := s
		if !qEnd.Valid {
			qEnd = c
		}
		if !qEnd.Valid || qEnd.Time.After(q) {
			k := key(false)
			events[k] = append(events[k], newConcEvent(q, queueStart))
			if qEnd.Valid {
				events[k] = append(events[k], newConcEvent(qEnd.Time, queueEnd))
			}
		}
		if s.Valid && (!c.Valid || c.Time.After(s.Time)) {
			k := key(true)
			events[k] = append(events[k], newConcEvent(s.Time, runStart))
			if c.Valid {
				events[k] = append(events[k], newConcEvent(c.Time, runEnd))
			}
		}
		return nil
	})
	return events, st, err
}

package query

import (
	"context"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// IngestHealth answers ingest_health: deliveries per bucket by forge, event and outcome
// (stored, or rejected as unparseable) as one wide frame, the age of the newest delivery at
// the end of the range as a numeric frame, the value "no delivery for an hour" alerts on,
// and the jobs closed without word from their forge (closedJobs). filters.forges applies to
// all three: the rollup keeps the forge (migration 0028).
func IngestHealth(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	if !req.Scope.IsZero() {
		return nil, badQuery("ingest_health counts the deliveries of every repository (a delivery names its repository only in its payload, which the plugin does not read), so a scoped data source does not answer it: use an unscoped CI Radar data source for ingest panels and alerts")
	}
	bucket := fineBucket(req)
	p, err := planFine(ctx, env.DB, req, bucket, true)
	if err != nil {
		return nil, err
	}
	st := newStmt("ingest_health")
	b, origin := st.arg(seconds(bucket)), st.arg(bucketOrigin)
	from, to := st.arg(req.From), st.arg(req.To)
	// Rows the reconciler wrote from the REST API are not deliveries GitHub sent: counting
	// them would keep "newest delivery" fresh while webhooks have stopped.
	api := st.arg(store.APITarget)
	st.add("SELECT t, event, forge, outcome, sum(n)::float8 FROM (\n")
	if p.use {
		// Final hours from the rollup, the hours around them from the index.
		rf, rt := st.arg(p.rolledFrom), st.arg(p.rolledTo)
		st.add("  SELECT date_bin(", b, "::interval, h.hour, ", origin, ") AS t, h.event, h.forge, 'stored' AS outcome, h.n\n",
			"  FROM ", p.table("rollup_delivery_hour"), " h WHERE h.hour >= ", rf, " AND h.hour < ", rt)
		m.Filters.where(st, forgeOf("h"))
		st.add("\n  UNION ALL\n",
			"  SELECT date_bin(", b, "::interval, d.received_at, ", origin, "), d.event, d.forge, 'stored', count(*)\n",
			"  FROM deliveries d WHERE d.received_at >= ", from, " AND d.received_at < ", rf, " AND d.target_type <> ", api)
		m.Filters.where(st, forgeOf("d"))
		st.add(" GROUP BY 1, 2, 3\n",
			"  UNION ALL\n",
			"  SELECT date_bin(", b, "::interval, d.received_at, ", origin, "), d.event, d.forge, 'stored', count(*)\n",
			"  FROM deliveries d WHERE d.received_at >= ", rt, " AND d.received_at < ", to, " AND d.target_type <> ", api)
		m.Filters.where(st, forgeOf("d"))
		st.add(" GROUP BY 1, 2, 3\n")
	} else {
		// Deliveries are counted bucket by bucket over the (received_at) index (0036: the
		// rows are read for their event and forge, about 9 to an 8 KB page), grouped in a hash table
		// Postgres sizes right because it knows the number of buckets (for date_bin over
		// the whole table it guesses one group per row and sorts millions of rows instead).
		st.add("  SELECT g.t, d.event, d.forge, 'stored' AS outcome, count(*) AS n\n",
			"  FROM generate_series(date_bin(", b, "::interval, ", from, ", ", origin, "), ", to, ", ", b, "::interval) AS g(t)\n",
			"  JOIN deliveries d ON d.received_at >= greatest(g.t, ", from, ") AND d.received_at < least(g.t + ", b, "::interval, ", to, ")\n",
			"    AND d.target_type <> ", api)
		m.Filters.where(st, forgeOf("d"))
		st.add("\n  GROUP BY 1, 2, 3\n")
	}
	st.add("  UNION ALL\n",
		"  SELECT date_bin(", b, "::interval, x.received_at, ", origin, "), x.event, x.forge, 'rejected', count(*)\n",
		"  FROM delivery_rejections x WHERE x.received_at >= ", from, " AND x.received_at < ", to)
	m.Filters.where(st, forgeOf("x"))
	st.add(" GROUP BY 1, 2, 3\n",
		") c GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4")

	type point struct {
		t                          time.Time
		event, forge, outcome, key string
		n                          float64
	}
	var pts []point
	var pt point
	var event, forge, outcome pgtype.DriverBytes
	var key []byte
	names := interner{}
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&pt.t, &event, &forge, &outcome, &pt.n); err != nil {
			return err
		}
		key = append(append(append(append(append(key[:0], event...), 0), forge...), 0), outcome...)
		pt.t, pt.event, pt.forge, pt.outcome = pt.t.UTC(), names.get(event), names.get(forge), names.get(outcome)
		pt.key = names.get(key)
		pts = append(pts, pt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	series := finish(wide("ingest_health", pts, func(p point) (time.Time, string, float64) {
		return p.t, p.key, p.n
	}, func(p point) data.Labels {
		return data.Labels{"event": p.event, "forge": p.forge, "outcome": p.outcome}
	}, "deliveries"), st, data.FrameTypeTimeSeriesWide)

	age := newStmt("ingest_health_newest")
	at := age.arg(req.To)
	apiAge := age.arg(store.APITarget)
	age.add("SELECT extract(epoch FROM ", at, " - max(d.received_at))::float8 FROM deliveries d WHERE d.received_at <= ", at,
		" AND d.target_type <> ", apiAge)
	m.Filters.where(age, forgeOf("d"))
	var newest *float64
	if err := collect(ctx, env.DB, age, func(r pgx.Rows) error { return r.Scan(&newest) }); err != nil {
		return nil, err
	}
	frames := data.Frames{series}
	if newest != nil {
		frames = append(frames, numeric("newest_delivery_age_seconds", nil, *newest, "s", age))
	} else {
		frames = append(frames, finish(data.NewFrame("newest_delivery_age_seconds"), age, data.FrameTypeNumericMulti))
	}
	closed, err := closedJobs(ctx, env, req, m.Filters, bucket)
	if err != nil {
		return nil, err
	}
	return append(frames, closed), nil
}

// closedJobs is the frame "jobs_closed_without_github": per bucket of their end, the jobs CI
// Radar closed because GitHub never reported on them again, one field per kind (label
// closed_by: expired, past GitHub's limits; gone, answered 404 by the REST API). Each is
// a delivery GitHub should have sent and did not, so it belongs with ingest health.
func closedJobs(ctx context.Context, env Env, req Request, filters Filters, bucket time.Duration) (*data.Frame, error) {
	st := newStmt("ingest_health_closed")
	st.add("SELECT date_bin(", st.arg(seconds(bucket)), "::interval, j.completed_at, ", st.arg(bucketOrigin), ") AS t, j.closed_by, count(*)::float8\n",
		"FROM workflow_jobs j WHERE j.closed_by IN (", st.arg(store.ClosedExpired), ", ", st.arg(store.ClosedGone), ")",
		" AND j.completed_at >= ", st.arg(req.From), " AND j.completed_at < ", st.arg(req.To))
	filters.where(st, forgeOf("j"))
	st.add("\nGROUP BY 1, 2 ORDER BY 1, 2")
	type point struct {
		t  time.Time
		by string
		n  float64
	}
	var pts []point
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var p point
		if err := r.Scan(&p.t, &p.by, &p.n); err != nil {
			return err
		}
		p.t = p.t.UTC()
		pts = append(pts, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	f := wide("jobs_closed_without_github", pts, func(p point) (time.Time, string, float64) { return p.t, p.by, p.n },
		func(p point) data.Labels { return data.Labels{"closed_by": p.by} }, "jobs")
	// Both kinds are always there, empty when none happened: "none closed" is an answer a
	// panel shows as 0, not a missing series.
	for _, kind := range []string{store.ClosedExpired, store.ClosedGone} {
		if !hasLabel(f, "closed_by", kind) {
			f.Fields = append(f.Fields, data.NewField("jobs", data.Labels{"closed_by": kind}, make([]*float64, f.Rows())))
		}
	}
	return finish(f, st, data.FrameTypeTimeSeriesWide), nil
}

// forgeOf is the forges filter over a table aliased alias: the only filter ingest_health
// takes, the deliveries naming no repository the plugin reads.
func forgeOf(alias string) filterTarget {
	return filterTarget{"forges": alias + ".forge = ANY(%s)"}
}

// hasLabel reports whether a field of f carries label key=value.
func hasLabel(f *data.Frame, key, value string) bool {
	for _, fl := range f.Fields {
		if fl.Labels[key] == value {
			return true
		}
	}
	return false
}

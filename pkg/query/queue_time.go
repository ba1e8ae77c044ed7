package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// queueTimeModel is the queue_time query: percentiles of the real queue time (created or
// approved, to started; approval excluded, see store.Job.QueueSeconds) per bucket.
type queueTimeModel struct {
	common
	GroupBy string `json:"groupBy"`
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
// has taken it; jobs still queued are queued_now's business. Percentiles are nearest-rank
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
	st := newStmt("queue_time")
	st.add("SELECT ", g.expr, " AS grp, date_bin(", st.arg(seconds(bucketFor(req))), "::interval, j.created_at, ",
		st.arg(bucketOrigin), ") AS t,\n",
		"  percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY j.queue_s),\n",
		"  max(j.queue_s), avg(j.queue_s), count(*)::float8\n",
		"FROM workflow_jobs j\nWHERE j.created_at >= ", st.arg(req.From), " AND j.created_at < ", st.arg(req.To),
		" AND j.queue_s IS NOT NULL")
	m.Filters.where(st, jobFilters.without("conclusions"))
	st.add("\nGROUP BY 1, 2 ORDER BY 1, 2")

	series := &groupedSeries{label: g.label, fields: []string{"p50", "p90", "p95", "p99", "max", "avg", "count"}}
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var grp string
		var t time.Time
		var p []float64
		var mx, avg, n float64
		if err := r.Scan(&grp, &t, &p, &mx, &avg, &n); err != nil {
			return err
		}
		series.add(grp, t.UTC(), fp(p[0]), fp(p[1]), fp(p[2]), fp(p[3]), fp(mx), fp(avg), fp(n))
		return nil
	})
	if err != nil {
		return nil, err
	}
	frames := series.result("queue_time", st)
	for _, f := range frames {
		for _, fl := range f.Fields[1:7] {
			unit(fl, "s")
		}
	}
	return frames, nil
}

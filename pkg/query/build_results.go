package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// buildResultsModel is the build_results query.
type buildResultsModel struct {
	common
	SplitBy string `json:"splitBy"`
}

var buildSplits = map[string]struct{ expr, label string }{
	"none": {"''", ""},
	// Manual means someone pressed "Run workflow"; everything else GitHub started by itself.
	"trigger":  {"CASE WHEN r.event = 'workflow_dispatch' THEN 'manual' ELSE 'automatic' END", "trigger"},
	"event":    {"r.event", "event"},
	"repo":     {"r.repo", "repo"},
	"workflow": {"r.workflow_name", "workflow"},
}

// BuildResults answers build_results: completed workflow runs (every attempt is a build)
// per conclusion and bucket, and the success rate, where cancelled and skipped runs count
// neither way.
func BuildResults(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m buildResultsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	split, err := oneOf("splitBy", m.SplitBy, "none", "none", "trigger", "event", "repo", "workflow")
	if err != nil {
		return nil, err
	}
	s := buildSplits[split]
	st := newStmt("build_results")
	st.add("SELECT ", s.expr, ", date_bin(", st.arg(seconds(bucketFor(req))), "::interval, r.created_at, ", st.arg(bucketOrigin), "),\n",
		"  count(*) FILTER (WHERE r.conclusion = 'success')::float8,\n",
		"  count(*) FILTER (WHERE r.conclusion = 'failure')::float8,\n",
		"  count(*) FILTER (WHERE r.conclusion = 'cancelled')::float8,\n",
		"  count(*) FILTER (WHERE r.conclusion = 'timed_out')::float8,\n",
		"  count(*) FILTER (WHERE r.conclusion = 'skipped')::float8,\n",
		"  count(*) FILTER (WHERE r.conclusion NOT IN ('success', 'failure', 'cancelled', 'timed_out', 'skipped'))::float8\n",
		"FROM workflow_runs r\nWHERE r.created_at >= ", st.arg(req.From), " AND r.created_at < ", st.arg(req.To),
		" AND r.status = 'completed'")
	m.Filters.where(st, runFilters)
	st.add("\nGROUP BY 1, 2 ORDER BY 1, 2")

	series := &groupedSeries{label: s.label, fields: []string{"success", "failure", "cancelled", "timed_out", "skipped", "other", "success_rate"}}
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var grp string
		var t time.Time
		var ok, fail, cancel, timeout, skip, other float64
		if err := r.Scan(&grp, &t, &ok, &fail, &cancel, &timeout, &skip, &other); err != nil {
			return err
		}
		var rate *float64
		if decided := ok + fail + timeout + other; decided > 0 {
			rate = fp(ok / decided)
		}
		series.add(grp, t.UTC(), fp(ok), fp(fail), fp(cancel), fp(timeout), fp(skip), fp(other), rate)
		return nil
	})
	if err != nil {
		return nil, err
	}
	frames := series.result("build_results", st)
	for _, f := range frames {
		unit(f.Fields[7], "percentunit")
	}
	return frames, nil
}

package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// buildResultsModel is the build_results query.
type buildResultsModel struct {
	common
	SplitBy string `json:"splitBy"`
	// CountBy is "run" (default: a run counts once, by its latest attempt, as GitHub shows
	// it) or "attempt" (every attempt is a build).
	CountBy string `json:"countBy"`
	// Calendar buckets by calendar week (from Monday), month or year in UTC instead of
	// Grafana's interval: months and years are not a fixed number of seconds.
	Calendar string `json:"calendar"`
}

// latestAttempt keeps only a run's latest attempt (workflow_runs aliased r): a re-run
// replaces the attempt before it, as on GitHub's run page, even while it still runs.
const latestAttempt = " AND NOT EXISTS (SELECT 1 FROM workflow_runs la WHERE la.run_id = r.run_id AND la.forge = r.forge AND la.run_attempt > r.run_attempt)"

// supersededAttempts writes the completed attempts created in [from, to) that a later
// attempt replaced, each once: the attempt just below each re-run (found through the
// partial index on re-runs, migration 0015), to be taken off the rollups' counts of every
// attempt.
func supersededAttempts(st *stmt, expr string, bin func(string) string, from, to string, f Filters) {
	st.add("\n  UNION ALL\n  SELECT ", expr, ", ", bin("r.created_at"), ", r.conclusion, -1\n",
		"  FROM workflow_runs l CROSS JOIN LATERAL (SELECT * FROM workflow_runs p WHERE p.run_id = l.run_id AND p.forge = l.forge AND p.run_attempt < l.run_attempt\n",
		"    ORDER BY p.run_attempt DESC LIMIT 1) r\n",
		"  WHERE l.run_attempt > 1 AND l.created_at >= ", from, " AND l.created_at < ", to,
		" AND r.status = 'completed' AND r.created_at >= ", from, " AND r.created_at < ", to)
	f.where(st, runFilters)
}

var buildSplits = map[string]struct{ expr, label string }{
	"none": {"''", ""},
	// Manual means someone pressed "Run workflow" (GitLab: "Run pipeline", source web);
	// everything else the forge started by itself.
	"trigger":  {"CASE WHEN r.event IN ('workflow_dispatch', 'web') THEN 'manual' ELSE 'automatic' END", "trigger"},
	"event":    {"r.event", "event"},
	"repo":     {"r.repo", "repo"},
	"workflow": {"r.workflow_name", "workflow"},
	// A successful run one of whose jobs passed while a step failed (continue-on-error, 0017).
	"warnings": {"CASE WHEN r.conclusion = 'success' AND EXISTS (SELECT 1 FROM workflow_jobs wj WHERE wj.run_id = r.run_id" +
		" AND wj.run_attempt = r.run_attempt AND wj.forge = r.forge AND wj.passed_with_warnings) THEN 'with_warnings' ELSE 'without_warnings' END", "warnings"},
}

// runRollupFilters applies to rollup_run_hour aliased r, which keeps the event and the
// conclusion of runs.
var runRollupFilters = filterTarget{"events": "r.event = ANY(%s)", "conclusions": "r.conclusion = ANY(%s)"}

// BuildResults answers build_results: completed workflow runs per conclusion and bucket,
// and the success rate, where cancelled and skipped runs count neither way. A run counts
// by its latest attempt (countBy "run"), or every attempt counts (countBy "attempt").
func BuildResults(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m buildResultsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	split, err := oneOf("splitBy", m.SplitBy, "none", "none", "trigger", "event", "repo", "workflow", "warnings")
	if err != nil {
		return nil, err
	}
	countBy, err := oneOf("countBy", m.CountBy, "run", "run", "attempt")
	if err != nil {
		return nil, err
	}
	calendar, err := oneOf("calendar", m.Calendar, "", "week", "month", "year")
	if err != nil {
		return nil, err
	}
	latest := ""
	if countBy == "run" {
		latest = latestAttempt
	}
	s := buildSplits[split]
	bucket := fineBucket(req)
	// Calendar weeks, months and years (UTC) are whole hours, whatever interval Grafana asks.
	planBucket := bucket
	if calendar != "" {
		planBucket = time.Hour
	}
	p, err := planFine(ctx, env.DB, req, planBucket, split != "repo" && split != "workflow" && split != "warnings" && onlyFilters(m.Filters, "events", "conclusions"))
	if err != nil {
		return nil, err
	}
	st := newStmt("build_results")
	bin := func(col string) string { return "date_trunc('" + calendar + "', " + col + ", 'UTC')" }
	if calendar == "" {
		b, origin := st.arg(seconds(bucket)), st.arg(bucketOrigin)
		bin = func(col string) string { return "date_bin(" + b + "::interval, " + col + ", " + origin + ")" }
	}
	// One row per run, or per rollup row with its count, then counted per conclusion.
	st.add("SELECT s, t,\n",
		"  coalesce(sum(n) FILTER (WHERE c = 'success'), 0)::float8,\n",
		"  coalesce(sum(n) FILTER (WHERE c = 'failure'), 0)::float8,\n",
		"  coalesce(sum(n) FILTER (WHERE c = 'cancelled'), 0)::float8,\n",
		"  coalesce(sum(n) FILTER (WHERE c = 'timed_out'), 0)::float8,\n",
		"  coalesce(sum(n) FILTER (WHERE c = 'skipped'), 0)::float8,\n",
		"  coalesce(sum(n) FILTER (WHERE c NOT IN ('success', 'failure', 'cancelled', 'timed_out', 'skipped')), 0)::float8\n",
		"FROM (\n  SELECT ", s.expr, " AS s, ", bin("r.created_at"), " AS t, r.conclusion AS c, 1 AS n\n",
		"  FROM workflow_runs r\n  WHERE r.status = 'completed' AND ")
	if p.use {
		rf, rt := st.arg(p.rolledFrom), st.arg(p.rolledTo)
		st.add("r.created_at >= ", st.arg(req.From), " AND r.created_at < ", rf, latest)
		m.Filters.where(st, runFilters)
		// Two index ranges as two branches: an OR of both is planned as a whole-table scan.
		st.add("\n  UNION ALL\n  SELECT ", s.expr, ", ", bin("r.created_at"), ", r.conclusion, 1\n",
			"  FROM workflow_runs r\n  WHERE r.status = 'completed' AND r.created_at >= ", rt, " AND r.created_at < ", st.arg(req.To), latest)
		m.Filters.where(st, runFilters)
		// The rollups count every attempt.
		st.add("\n  UNION ALL\n  SELECT ", s.expr, ", ", bin("r.hour"), ", r.conclusion, r.n\n",
			"  FROM ", p.table("rollup_run_hour"), " r WHERE r.hour >= ", rf, " AND r.hour < ", rt)
		m.Filters.where(st, runRollupFilters)
		if countBy == "run" {
			supersededAttempts(st, s.expr, bin, rf, rt, m.Filters)
		}
	} else {
		st.add("r.created_at >= ", st.arg(req.From), " AND r.created_at < ", st.arg(req.To), latest)
		m.Filters.where(st, runFilters)
	}
	st.add("\n) x\nGROUP BY 1, 2")
	if p.use {
		// A bucket whose rolled-up runs were all superseded sums to nothing: no runs, no
		// row, as from the projections.
		st.add(" HAVING sum(n) > 0")
	}
	st.add(" ORDER BY 1, 2")

	series := &groupedSeries{label: s.label, fields: []string{"success", "failure", "cancelled", "timed_out", "skipped", "other", "success_rate"}}
	// Read in the driver's buffer: the group is copied only when it changes.
	var grp pgtype.DriverBytes
	var group string
	var t time.Time
	var ok, fail, cancel, timeout, skip, other float64
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&grp, &t, &ok, &fail, &cancel, &timeout, &skip, &other); err != nil {
			return err
		}
		if string(grp) != group {
			group = string(grp)
		}
		decided := ok + fail + timeout + other
		vals := cells(ok, fail, cancel, timeout, skip, other, ok/decided)
		if decided == 0 {
			vals[6] = nil
		}
		series.add(group, t.UTC(), vals...)
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

package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// nightlyFilters: scheduled runs have no label or runner group of their own, and the event
// is always schedule.
var nightlyFilters = runFilters.without("labels", "runnerGroups", "events")

// nightExpr is a run's night: the UTC day it was created in, written exactly as the
// expression of the partial index workflow_runs_nightly_idx (migration 0010), so that the
// planner reads the index in the answer's order.
const (
	epochUTC  = "1970-01-01 00:00:00+00"
	nightExpr = "date_bin('1 day', r.created_at, '" + epochUTC + "')"
)

// NightlyFailures answers nightly_failures: every scheduled run in the range, one row per
// repository, workflow and night (UTC), with its conclusion, the jobs that failed, the error
// signatures they hit, and how many of those signatures were first seen that night: "does
// it fail the same way as before?".
func NightlyFailures(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	// The runs come first, in the order of the answer, from the partial index of scheduled
	// runs (migration 0010), which holds that order: the scan stops at the limit. The day
	// is date_bin to the epoch (UTC midnight, as date_trunc('day', t, 'UTC')), which an
	// index can hold; the bounds on it follow from those on created_at and let the scan
	// start at the range's last day. The range itself is a tstzrange, [from, to), and not
	// two comparisons, which a prepared statement's generic plan (from its sixth run on)
	// combined with the created_at index, reading every run in the range. Then one pass
	// over each run's jobs, and the error occurrences they hit, gives its failing jobs and
	// signatures.
	st := newStmt("nightly_failures")
	from, to := st.arg(req.From), st.arg(req.To)
	w := webLinks(st, env).at("r.forge", "r.forge_url")
	// The night before is the same repository's and workflow's previous run in the answer:
	// when it passed and this one did not, the compare link lists what changed between them.
	prev := func(col string) string {
		return "lag(" + col + ") OVER (PARTITION BY r.repo, r.workflow_name ORDER BY r.night, r.run_id, r.run_attempt)"
	}
	st.add("SELECT r.night, r.run_id, r.repo, r.workflow_name, r.head_branch, r.conclusion, x.jobs, x.steps, x.sigs, coalesce(x.new_sigs, 0), ", w.run("r.repo", "r.run_id"), ",\n",
		"  left(r.head_sha, 7), ", w.commit("r.repo", "r.head_sha"), ",\n",
		"  CASE WHEN r.conclusion IN ", failed, " AND ", prev("r.conclusion"), " = 'success' AND ", prev("r.head_sha"), " <> r.head_sha\n",
		"    THEN ", w.compare("r.repo", prev("r.head_sha"), "r.head_sha"), " END, ", w.repo("r.repo"), ", r.forge\n",
		"FROM (\n",
		"  SELECT ", nightExpr, " AS night, r.*\n",
		"  FROM workflow_runs r\n",
		"  WHERE r.event = 'schedule' AND tstzrange(", from, ", ", to, ") @> r.created_at",
		"\n    AND ", nightExpr, " >= date_bin('1 day', ", from, "::timestamptz, '", epochUTC, "')",
		" AND ", nightExpr, " <= date_bin('1 day', ", to, "::timestamptz, '", epochUTC, "')")
	m.Filters.where(st, nightlyFilters)
	st.add("\n  ORDER BY ", nightExpr, " DESC, r.repo, r.workflow_name, r.run_id DESC, r.run_attempt DESC LIMIT 5000\n",
		") r\n",
		// Grouped, so that a run without a failed job makes no group, and none of the four
		// DISTINCT aggregates sets up its sort for it: most runs have none (LEFT JOIN, and
		// the NULLs the empty aggregate gave).
		"LEFT JOIN LATERAL (\n",
		"  SELECT string_agg(DISTINCT j.job_name, ', ') FILTER (WHERE j.conclusion IN ", failed, ") AS jobs,\n",
		// Where each failed job failed: "test: Run tests" (0017).
		"    string_agg(DISTINCT j.job_name || ': ' || j.failed_step, ', ') FILTER (WHERE j.conclusion IN ", failed, " AND j.failed_step <> '') AS steps,\n",
		"    string_agg(DISTINCT s.text, ' | ') AS sigs,\n",
		"    (count(DISTINCT s.signature_hash) FILTER (WHERE ")
	newThatNight(st, m.Filters)
	st.add("))::float8 AS new_sigs\n",
		"  FROM workflow_jobs j\n",
		"  LEFT JOIN (error_occurrences o JOIN error_signatures s ON s.signature_hash = o.signature_hash) ON o.job_id = j.job_id AND o.forge = j.forge\n",
		// Only failed jobs name anything here: failing jobs and steps are theirs, and error
		// occurrences are only ever found in failed jobs' logs (store.JobsToScan lists no
		// other). Their partial index (migration 0034) holds a few percent of the jobs, and
		// most runs have none: reading every job of 5,000 runs was most of the query.
		"  WHERE j.run_id = r.run_id AND j.run_attempt = r.run_attempt AND j.forge = r.forge AND j.conclusion IN ", failed, "\n",
		"  GROUP BY j.run_id\n",
		") x ON true\n",
		"ORDER BY r.night DESC, r.repo, r.workflow_name, r.run_id DESC, r.run_attempt DESC")

	f := data.NewFrame("nightly_failures",
		data.NewField("night", nil, []time.Time{}),
		data.NewField("run_id", nil, []int64{}),
		data.NewField("repo", nil, []string{}),
		data.NewField("workflow", nil, []string{}),
		data.NewField("head_branch", nil, []string{}),
		data.NewField("conclusion", nil, []string{}),
		data.NewField("failing_jobs", nil, []*string{}),
		data.NewField("failing_steps", nil, []*string{}),
		data.NewField("error_signatures", nil, []*string{}),
		data.NewField("new_signatures", nil, []float64{}),
		link(data.NewField("run_url", nil, []*string{}), "Open run"),
		data.NewField("commit", nil, []string{}),
		link(data.NewField("commit_url", nil, []*string{}), "Open commit"),
		link(data.NewField("compare_url", nil, []*string{}), "What changed since the last good night"),
		link(data.NewField("repo_url", nil, []*string{}), "Open repository"),
		data.NewField("forge", nil, []string{}), // github or gitlab: the Pipeline dashboard's links name it
	)
	return table(ctx, env.DB, st, f)
}

// newThatNight writes whether the signature s was first seen on the night r.night: by the
// store's first sighting, or on a scoped request by the first within the scope, so that a
// signature an out-of-scope repository hit first is still new to the team. The scoped test
// asks whether no in-scope sighting came before the night, which stops at the first one
// found; a signature the whole store first saw that night is new in scope too, and needs no
// look at its sightings.
func newThatNight(st *stmt, f Filters) {
	st.add("s.first_seen >= r.night")
	if f.scope.IsZero() {
		return
	}
	st.add(" OR NOT EXISTS (SELECT 1 FROM error_occurrences e WHERE e.signature_hash = s.signature_hash AND e.seen_at < r.night")
	f.whereScope(st, sightingFilters)
	st.add(")")
}

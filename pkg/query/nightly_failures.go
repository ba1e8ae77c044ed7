package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// nightlyFilters: scheduled runs have no label or runner group of their own, and the event
// is always schedule.
var nightlyFilters = runFilters.without("labels", "runnerGroups", "events")

// NightlyFailures answers nightly_failures: every scheduled run in the range, one row per
// repository, workflow and night (UTC), with its conclusion, the jobs that failed, the error
// signatures they hit, and how many of those signatures were first seen that night: "does
// it fail the same way as before?".
func NightlyFailures(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	st := newStmt("nightly_failures")
	st.add("SELECT date_trunc('day', r.created_at, 'UTC'), r.repo, r.workflow_name, r.head_branch, r.conclusion,\n",
		"  (SELECT string_agg(DISTINCT j.job_name, ', ') FROM workflow_jobs j\n",
		"     WHERE j.run_id = r.run_id AND j.run_attempt = r.run_attempt AND j.conclusion IN ", failed, "),\n",
		"  (SELECT string_agg(DISTINCT s.text, ' | ') FROM workflow_jobs j\n",
		"     JOIN error_occurrences o ON o.job_id = j.job_id JOIN error_signatures s ON s.signature_hash = o.signature_hash\n",
		"     WHERE j.run_id = r.run_id AND j.run_attempt = r.run_attempt),\n",
		"  (SELECT count(DISTINCT s.signature_hash) FROM workflow_jobs j\n",
		"     JOIN error_occurrences o ON o.job_id = j.job_id JOIN error_signatures s ON s.signature_hash = o.signature_hash\n",
		"     WHERE j.run_id = r.run_id AND j.run_attempt = r.run_attempt AND s.first_seen >= date_trunc('day', r.created_at, 'UTC'))::float8,\n",
		"  nullif(r.html_url, '')\n",
		"FROM workflow_runs r\nWHERE r.event = 'schedule' AND r.created_at >= ", st.arg(req.From), " AND r.created_at < ", st.arg(req.To))
	m.Filters.where(st, nightlyFilters)
	st.add("\nORDER BY 1 DESC, 2, 3, r.run_id DESC, r.run_attempt DESC LIMIT 5000")

	f := data.NewFrame("nightly_failures",
		data.NewField("night", nil, []time.Time{}),
		data.NewField("repo", nil, []string{}),
		data.NewField("workflow", nil, []string{}),
		data.NewField("head_branch", nil, []string{}),
		data.NewField("conclusion", nil, []string{}),
		data.NewField("failing_jobs", nil, []*string{}),
		data.NewField("error_signatures", nil, []*string{}),
		data.NewField("new_signatures", nil, []float64{}),
		link(data.NewField("run_url", nil, []*string{}), "Open run"),
	)
	return table(ctx, env.DB, st, f)
}

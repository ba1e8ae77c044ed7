package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// hostedGroup is the runner group of GitHub-hosted runners. Those are single-use machines
// named per job: as an inventory they would be one row per job, and a pool of them is never
// "full", so runners and runner_utilization leave them out.
const hostedGroup = "'GitHub Actions'"

// runnerFilters: a runner has an org, repositories it served, label sets and a group, but no
// workflow, branch, event or conclusion of its own.
var runnerFilters = jobFilters.without("workflows", "branches", "events", "conclusions")

// Runners answers runners. Until the reconciler fills a runner inventory (issue 5), the
// runners are the ones job events name: each with its group, the label sets it ran, the
// jobs and busy time within the range, when it was last seen and whether it is busy now
// (running a job at the end of the range).
func Runners(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	st := newStmt("runners")
	from, to := st.arg(req.From), st.arg(req.To)
	st.add("SELECT j.runner_name, max(j.runner_group_name), string_agg(DISTINCT j.label_key, ' | '),\n",
		"  CASE WHEN bool_or(j.status = 'in_progress') THEN 'busy' ELSE 'idle' END,\n",
		"  count(*)::float8,\n",
		"  sum(extract(epoch FROM least(coalesce(j.completed_at, ", to, "), ", to, ") - greatest(j.started_at, ", from, ")))::float8,\n",
		"  max(greatest(j.started_at, j.completed_at))\nFROM ")
	activeJobs(st, req, m.Filters, runnerFilters, "j.runner_name, j.runner_group_name, j.label_key, j.status, j.started_at, j.completed_at")
	st.add("\nWHERE j.runner_name <> '' AND j.runner_group_name <> ", hostedGroup, " AND j.started_at < ", to,
		" AND j.status IN ('in_progress', 'completed')\nGROUP BY j.runner_name ORDER BY j.runner_name")

	f := data.NewFrame("runners",
		data.NewField("runner_name", nil, []string{}),
		data.NewField("runner_group", nil, []string{}),
		data.NewField("label_keys", nil, []string{}),
		data.NewField("status", nil, []string{}),
		data.NewField("jobs", nil, []float64{}),
		unit(data.NewField("busy_seconds", nil, []float64{}), "s"),
		data.NewField("last_seen", nil, []*time.Time{}),
	)
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		vals, err := r.Values()
		if err != nil {
			return err
		}
		appendRow(f, vals)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return data.Frames{finish(f, st, data.FrameTypeTable)}, nil
}

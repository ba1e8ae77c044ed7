package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// hostedGroup is the runner group of GitHub-hosted runners. Those are single-use machines
// named per job: as an inventory they would be one row per job, and a pool of them is never
// "full", so runners and runner_utilization leave them out.
const hostedGroup = "'GitHub Actions'"

// runnerFilters: a runner has an org, repositories it served, label sets and a group, but no
// workflow, branch, event or conclusion of its own.
var runnerFilters = jobFilters.without("workflows", "branches", "events", "conclusions")

// inventoryFilters applies to the runner inventory (runners, aliased r): a runner serves a
// label set when it has every label of it, and an organisation's runners are those of its
// scope or of its repositories.
var inventoryFilters = filterTarget{
	"orgs":         "EXISTS (SELECT 1 FROM unnest(%s::text[]) o WHERE r.scope = 'org:' || o OR starts_with(r.scope, 'repo:' || o || '/'))",
	"labels":       "EXISTS (SELECT 1 FROM unnest(%s::text[]) k WHERE string_to_array(k, ',') <@ r.labels)",
	"runnerGroups": "r.runner_group_name = ANY(%s)",
}

// Runners answers runners: the self-hosted runner inventory the reconciler keeps (status
// online or offline, or busy), joined by name with what job events say about each runner in
// the range: jobs, busy time, last job. Runners that only job events name (an inventory not
// synced yet, or a runner already removed) are listed too, with status busy or idle from
// their jobs.
func Runners(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	st := newStmt("runners")
	from, to := st.arg(req.From), st.arg(req.To)
	st.add("WITH usage AS (\n",
		"  SELECT j.runner_name, max(j.runner_group_name) AS grp, string_agg(DISTINCT j.label_key, ' | ') AS label_keys,\n",
		"    CASE WHEN bool_or(j.status = 'in_progress') THEN 'busy' ELSE 'idle' END AS status, count(*)::float8 AS jobs,\n",
		"    sum(extract(epoch FROM least(coalesce(j.completed_at, ", to, "), ", to, ") - greatest(j.started_at, ", from, ")))::float8 AS busy_s,\n",
		"    max(greatest(j.started_at, j.completed_at)) AS last_job\n  FROM ")
	activeJobs(st, req, m.Filters, runnerFilters, "j.runner_name, j.runner_group_name, j.label_key, j.status, j.started_at, j.completed_at")
	st.add("\n  WHERE j.runner_name <> '' AND j.runner_group_name <> ", hostedGroup, " AND j.started_at < ", to,
		" AND j.status IN ('in_progress', 'completed')\n  GROUP BY j.runner_name\n",
		"), inventory AS (\n  SELECT r.* FROM runners r WHERE r.removed_at IS NULL")
	m.Filters.where(st, inventoryFilters)
	st.add("\n)\n",
		"SELECT coalesce(r.name, u.runner_name), coalesce(r.runner_group_name, u.grp), coalesce(r.label_key, u.label_keys),\n",
		"  CASE WHEN r.name IS NULL THEN u.status WHEN r.busy THEN 'busy' ELSE r.status END,\n",
		"  coalesce(u.jobs, 0), coalesce(u.busy_s, 0), greatest(r.last_seen_at, u.last_job), coalesce(r.os, ''), coalesce(r.scope, '')\n",
		"FROM inventory r FULL JOIN usage u ON u.runner_name = r.name\nORDER BY 1, 9")

	f := data.NewFrame("runners",
		data.NewField("runner_name", nil, []string{}),
		data.NewField("runner_group", nil, []string{}),
		data.NewField("label_keys", nil, []string{}),
		data.NewField("status", nil, []string{}),
		data.NewField("jobs", nil, []float64{}),
		unit(data.NewField("busy_seconds", nil, []float64{}), "s"),
		data.NewField("last_seen", nil, []*time.Time{}),
		data.NewField("os", nil, []string{}),
		data.NewField("scope", nil, []string{}),
	)
	return table(ctx, env.DB, st, f)
}

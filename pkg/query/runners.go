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

// runnerRollupFilters applies to rollup_runner_day and rollup_pool_hour, aliased r, which
// keep the label set and the runner group.
var runnerRollupFilters = filterTarget{"labels": "r.label_key = ANY(%s)", "runnerGroups": "r.runner_group_name = ANY(%s)"}

// inventoryFilters applies to the runner inventory (runners, aliased r): a runner serves a
// label set when it has every label of it, and an organisation's runners are those of its
// scope or of its repositories.
var inventoryFilters = filterTarget{
	// A runner is in scope by where it is registered: an organisation's runners with the
	// organisation, a repository's with the repository; an enterprise's are in no scope.
	"scope.org":    "CASE WHEN starts_with(r.scope, 'org:') THEN substr(r.scope, 5) WHEN starts_with(r.scope, 'repo:') THEN split_part(substr(r.scope, 6), '/', 1) END",
	"scope.repo":   "CASE WHEN starts_with(r.scope, 'repo:') THEN substr(r.scope, 6) END",
	"orgs":         "EXISTS (SELECT 1 FROM unnest(%s::text[]) o WHERE r.scope = 'org:' || o OR starts_with(r.scope, 'repo:' || o || '/'))",
	"labels":       "EXISTS (SELECT 1 FROM unnest(%s::text[]) k WHERE string_to_array(k, ',') <@ r.labels)",
	"runnerGroups": "r.runner_group_name = ANY(%s)",
	"forges":       "r.forge = ANY(%s)",
}

// Runners answers runners: the self-hosted runner inventory the reconciler keeps (status
// online or offline, or busy), joined by name with what job events say about each runner in
// the range: jobs, busy time, last job. Runners that only job events name (an inventory not
// synced yet, or a runner already removed) are listed too, with status busy or idle from
// their jobs.
//
// Over long ranges the whole final days come from rollup_runner_day and the final whole
// hours around them from rollup_runner_hour (migration 0033): jobs count on the day (hour)
// they started, busy time is cut at day (hour) edges, and the partial hours at the ends and
// anything from the watermark on are read from the projections the same way.
func Runners(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m common
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	p, err := planDayHours(ctx, env.DB, req, onlyFilters(m.Filters, "labels", "runnerGroups"))
	if err != nil {
		return nil, err
	}
	st := newStmt("runners")
	st.add("WITH usage AS (\n",
		"  SELECT runner_name, max(grp) AS grp, string_agg(DISTINCT label_key, ' | ') AS label_keys,\n",
		"    CASE WHEN bool_or(running) THEN 'busy' ELSE 'idle' END AS status, sum(jobs)::float8 AS jobs,\n",
		"    sum(busy_s)::float8 AS busy_s, max(last_job) AS last_job\n  FROM (")
	unionParts(st, req, p, func(w window) { runnerWindow(st, w, m.Filters) }, func(from, to string) {
		st.add("SELECT r.runner_name, r.runner_group_name, r.label_key, false, sum(r.jobs), sum(r.busy_s), max(r.last_job)\n    FROM (")
		dayHourRows(st, p, from, to, "r.runner_name, r.runner_group_name, r.label_key, r.jobs, r.busy_s, r.last_job",
			"rollup_runner_day", "rollup_runner_hour", func() { m.Filters.where(st, runnerRollupFilters) })
		st.add(") r GROUP BY 1, 2, 3")
	})
	st.add(") u\n  GROUP BY runner_name\n",
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

// runnerWindow writes what the projections say of each runner within w, as
// rollup_runner_day holds it for a day: (runner, group, label set, running, jobs started
// from w.countFrom, busy seconds within w, latest start or end of those jobs).
func runnerWindow(st *stmt, w window, f Filters) {
	from, to, since := st.arg(w.from), st.arg(w.to), st.arg(w.countFrom)
	st.add("SELECT j.runner_name, j.runner_group_name AS grp, j.label_key, j.status = 'in_progress' AS running,\n",
		"      count(*) FILTER (WHERE j.started_at >= ", since, ") AS jobs,\n",
		"      sum(extract(epoch FROM least(coalesce(j.completed_at, ", to, "), ", to, ") - greatest(j.started_at, ", from, "))) AS busy_s,\n",
		"      max(greatest(j.started_at, j.completed_at)) FILTER (WHERE j.started_at >= ", since, ") AS last_job\n    FROM ")
	activeJobs(st, Request{From: w.from, To: w.to}, f, runnerFilters, "j.runner_name, j.runner_group_name, j.label_key, j.status, j.started_at, j.completed_at")
	st.add("\n    WHERE j.runner_name <> '' AND j.runner_group_name <> ", hostedGroup, " AND j.started_at < ", to,
		" AND j.status IN ('in_progress', 'completed')\n    GROUP BY 1, 2, 3, 4")
}

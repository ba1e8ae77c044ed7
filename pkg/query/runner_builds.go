package query

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// runnerBuildsModel is the runner_builds query: the shared filters only.
type runnerBuildsModel struct {
	common
}

// osOf names the operating system a label set asks for, from GitHub's hosted runner
// labels (ubuntu-24.04, windows-2022, macos-14) and the self-hosted ones (linux, windows,
// macOS). A set that names none is "other".
const osOf = `CASE WHEN j.label_key ~* '(^|,)windows' THEN 'Windows'
    WHEN j.label_key ~* '(^|,)(macos|osx)' THEN 'macOS'
    WHEN j.label_key ~* '(^|,)(ubuntu|linux)' THEN 'Linux' ELSE 'other' END`

// RunnerBuilds answers runner_builds: the jobs (builds on a runner) completed in the
// range per runner label set and its operating system, with how they ended, the failure
// rate (failed among passed or failed) and the runner minutes they took. Most builds first.
func RunnerBuilds(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m runnerBuildsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	p, err := planTables(ctx, env.DB, req, onlyFilters(m.Filters, "labels", "conclusions"))
	if err != nil {
		return nil, err
	}
	st := newStmt("runner_builds")
	if p.use {
		runnerBuildsRolled(st, req, m.Filters, p)
	} else {
		st.add("SELECT ", osOf, " AS os, j.label_key, count(*)::float8,\n",
			"  count(*) FILTER (WHERE j.conclusion = 'success')::float8,\n",
			"  count(*) FILTER (WHERE j.conclusion IN ", failed, ")::float8,\n",
			"  count(*) FILTER (WHERE j.conclusion IN ('cancelled', 'skipped'))::float8,\n",
			"  (count(*) FILTER (WHERE j.conclusion IN ", failed, "))::float8 / nullif(count(*) FILTER (WHERE j.conclusion IN ", failed, " OR j.conclusion = 'success'), 0),\n",
			"  coalesce(sum(greatest(extract(epoch FROM j.completed_at - j.started_at), 0)), 0)::float8 / 60\n",
			"FROM workflow_jobs j WHERE j.created_at >= ", st.arg(req.From), " AND j.created_at < ", st.arg(req.To),
			" AND j.status = 'completed' AND j.label_key <> ''")
		m.Filters.where(st, jobFilters)
		st.add("\nGROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 1000")
	}

	f := data.NewFrame("runner_builds",
		data.NewField("os", nil, []string{}),
		data.NewField("label_key", nil, []string{}),
		data.NewField("builds", nil, []float64{}),
		data.NewField("success", nil, []float64{}),
		data.NewField("failure", nil, []float64{}),
		data.NewField("cancelled", nil, []float64{}),
		unit(data.NewField("failure_rate", nil, []*float64{}), "percentunit"),
		unit(data.NewField("minutes", nil, []float64{}), "m"),
	)
	return table(ctx, env.DB, st, f)
}

// buildRollupFilters applies to rollup_build_day and rollup_build_hour aliased r.
var buildRollupFilters = filterTarget{"labels": "r.label_key = ANY(%s)", "conclusions": "r.conclusion = ANY(%s)"}

// runnerBuildsRolled writes runner_builds over plan p: every part as (label set,
// conclusion, builds, seconds run), the raw parts grouped as rollup_table_days (migration
// 0034) groups a day, then summed per label set. The seconds are numeric throughout, so
// the minutes equal the projections' to the last digit.
func runnerBuildsRolled(st *stmt, req Request, fl Filters, p plan) {
	st.add("SELECT ", osOf, " AS os, j.label_key, sum(j.builds)::float8,\n",
		"  coalesce(sum(j.builds) FILTER (WHERE j.conclusion = 'success'), 0)::float8,\n",
		"  coalesce(sum(j.builds) FILTER (WHERE j.conclusion IN ", failed, "), 0)::float8,\n",
		"  coalesce(sum(j.builds) FILTER (WHERE j.conclusion IN ('cancelled', 'skipped')), 0)::float8,\n",
		"  coalesce(sum(j.builds) FILTER (WHERE j.conclusion IN ", failed, "), 0)::float8\n",
		"    / nullif(coalesce(sum(j.builds) FILTER (WHERE j.conclusion IN ", failed, " OR j.conclusion = 'success'), 0), 0)::float8,\n",
		"  coalesce(sum(j.busy_s), 0)::float8 / 60\n",
		"FROM (")
	unionParts(st, req, p, func(w window) {
		st.add("SELECT j.label_key, j.conclusion, count(*) AS builds, coalesce(sum(greatest(extract(epoch FROM j.completed_at - j.started_at), 0)), 0) AS busy_s\n",
			"  FROM workflow_jobs j WHERE j.created_at >= ", st.arg(w.from), " AND j.created_at < ", st.arg(w.to),
			" AND j.status = 'completed' AND j.label_key <> ''")
		fl.where(st, jobFilters)
		st.add(" GROUP BY 1, 2")
	}, func(from, to string) {
		dayHourRows(st, p, from, to, "r.label_key, r.conclusion, r.builds, r.busy_s", "rollup_build_day", "rollup_build_hour", func() {
			fl.where(st, buildRollupFilters)
		})
	})
	st.add("\n) j GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 1000")
}

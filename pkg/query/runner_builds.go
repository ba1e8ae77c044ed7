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
	st := newStmt("runner_builds")
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

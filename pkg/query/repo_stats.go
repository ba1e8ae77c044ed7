package query

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// repoStatsModel is the repo_stats (top N) query.
type repoStatsModel struct {
	common
	Dimension string `json:"dimension"`
	Metric    string `json:"metric"`
	Limit     int    `json:"limit"`
}

var repoStatsDims = map[string]string{
	"repo": "j.repo", "workflow": "j.workflow_name", "job": "j.job_name", "label": "j.label_key",
}

// repoStatsOrder maps a metric to its output column, so the ORDER BY is a constant.
var repoStatsOrder = map[string]string{
	"runs": "2", "failures": "4", "failure_rate": "5", "minutes": "6", "p95_duration": "7", "p95_queue": "8",
}

// failed lists the conclusions that count as failures; cancelled and skipped are neither
// failures nor successes, so they stay out of failure rates.
const failed = "('failure', 'timed_out', 'startup_failure')"

// RepoStats answers repo_stats: completed jobs created in the range, grouped by one
// dimension, every metric computed and the rows ranked by the chosen one.
func RepoStats(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m repoStatsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	dim, err := oneOf("dimension", m.Dimension, "repo", "repo", "workflow", "job", "label")
	if err != nil {
		return nil, err
	}
	metric, err := oneOf("metric", m.Metric, "runs", "runs", "failures", "failure_rate", "minutes", "p95_duration", "p95_queue")
	if err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 10, 1000)
	if err != nil {
		return nil, err
	}
	st := newStmt("repo_stats")
	st.add("SELECT ", repoStatsDims[dim], ", count(DISTINCT j.run_id)::float8, count(*)::float8,\n",
		"  count(*) FILTER (WHERE j.conclusion IN ", failed, ")::float8,\n",
		"  (count(*) FILTER (WHERE j.conclusion IN ", failed, "))::float8 / nullif(count(*) FILTER (WHERE j.conclusion NOT IN ('cancelled', 'skipped', '')), 0),\n",
		"  coalesce(sum(extract(epoch FROM j.completed_at - j.started_at)), 0)::float8 / 60,\n",
		"  percentile_disc(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM j.completed_at - j.started_at)::float8),\n",
		"  percentile_disc(0.95) WITHIN GROUP (ORDER BY j.queue_s)\n",
		"FROM workflow_jobs j\nWHERE j.created_at >= ", st.arg(req.From), " AND j.created_at < ", st.arg(req.To),
		" AND j.status = 'completed'")
	m.Filters.where(st, jobFilters)
	st.add("\nGROUP BY 1 ORDER BY ", repoStatsOrder[metric], " DESC NULLS LAST, 1 LIMIT ", st.arg(limit))

	f := data.NewFrame("repo_stats",
		data.NewField(dim, nil, []string{}),
		data.NewField("runs", nil, []float64{}),
		data.NewField("jobs", nil, []float64{}),
		data.NewField("failures", nil, []float64{}),
		unit(data.NewField("failure_rate", nil, []*float64{}), "percentunit"),
		unit(data.NewField("minutes", nil, []float64{}), "m"),
		unit(data.NewField("p95_duration", nil, []*float64{}), "s"),
		unit(data.NewField("p95_queue", nil, []*float64{}), "s"),
	)
	return table(ctx, env.DB, st, f)
}

package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// jobsModel is the jobs query.
type jobsModel struct {
	common
	States []string `json:"states"`
	Limit  int      `json:"limit"`
}

var jobStates = map[string]bool{"queued": true, "waiting": true, "in_progress": true, "completed": true}

// Jobs answers jobs: the newest jobs in the chosen states, with the run's trigger event
// and each job's age at the end of the range. Jobs not yet completed are
// listed whenever they were created, since a job queued since yesterday is still news;
// completed ones only when created within the range.
func Jobs(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m jobsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 500, 5000)
	if err != nil {
		return nil, err
	}
	states := values(m.States)
	for _, s := range states {
		if !jobStates[s] {
			return nil, badQuery("state %q is not one of queued, waiting, in_progress, completed", truncate(s, 80))
		}
	}
	if states == nil {
		states = []string{"queued", "waiting", "in_progress", "completed"}
	}
	st := newStmt("jobs")
	w := webLinks(st, env).at("j.forge", "j.forge_url")
	st.add("SELECT j.job_id, j.run_id, j.created_at, j.started_at, j.completed_at, j.repo, j.workflow_name, j.job_name,\n",
		"  j.status, j.conclusion, nullif(j.failed_step, ''), j.label_key, j.runner_name, j.runner_group_name, j.head_branch, coalesce(r.event, ''),\n",
		"  greatest(extract(epoch FROM ", st.arg(req.To), " - j.created_at), 0)::float8, j.queue_s,\n",
		"  greatest(extract(epoch FROM j.completed_at - j.started_at), 0)::float8,\n",
		"  ", w.job("j.repo", "j.run_id", "j.job_id"), ", ", w.run("j.repo", "j.run_id"), ", ", w.commit("j.repo", "j.head_sha"), ",\n",
		"  ", w.pull("j.repo", "r.pull_requests[1]"), ", ", w.repo("j.repo"), ", j.forge\n",
		"FROM workflow_jobs j LEFT JOIN workflow_runs r ON r.run_id = j.run_id AND r.run_attempt = j.run_attempt AND r.forge = j.forge\n",
		"WHERE j.status = ANY(", st.arg(states), ") AND j.created_at < ", st.arg(req.To),
		" AND (j.status <> 'completed' OR j.created_at >= ", st.arg(req.From), ")")
	m.Filters.where(st, jobFilters)
	st.add("\nORDER BY j.created_at DESC, j.job_id DESC LIMIT ", st.arg(limit))

	f := data.NewFrame("jobs",
		data.NewField("job_id", nil, []int64{}),
		data.NewField("run_id", nil, []int64{}),
		data.NewField("created_at", nil, []*time.Time{}),
		data.NewField("started_at", nil, []*time.Time{}),
		data.NewField("completed_at", nil, []*time.Time{}),
		data.NewField("repo", nil, []string{}),
		data.NewField("workflow", nil, []string{}),
		data.NewField("job_name", nil, []string{}),
		data.NewField("status", nil, []string{}),
		data.NewField("conclusion", nil, []string{}),
		data.NewField("failed_step", nil, []*string{}), // the first step that failed (0017)
		data.NewField("label_key", nil, []string{}),
		data.NewField("runner_name", nil, []string{}),
		data.NewField("runner_group", nil, []string{}),
		data.NewField("head_branch", nil, []string{}),
		data.NewField("event", nil, []string{}),
		unit(data.NewField("age_seconds", nil, []*float64{}), "s"),
		unit(data.NewField("queue_seconds", nil, []*float64{}), "s"),
		unit(data.NewField("duration_seconds", nil, []*float64{}), "s"),
		link(data.NewField("job_url", nil, []*string{}), "Open job"),
		link(data.NewField("run_url", nil, []*string{}), "Open run"),
		link(data.NewField("commit_url", nil, []*string{}), "Open commit"),
		link(data.NewField("pull_request_url", nil, []*string{}), "Open pull request"),
		link(data.NewField("repo_url", nil, []*string{}), "Open repository"),
		data.NewField("forge", nil, []string{}), // github or gitlab: the Pipeline dashboard's links name it
	)
	return table(ctx, env.DB, st, f)
}

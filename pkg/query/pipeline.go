package query

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// pipelineModel is the pipeline query: a run id, or a repository and branch whose latest
// run (created before the end of the range) is shown. Without either (no run id, an empty
// one, or "*" for a variable left on All) the newest run the filters allow is shown: the
// Pipeline dashboard opened without a run.
type pipelineModel struct {
	common
	RunID  json.RawMessage `json:"runId"`
	Repo   string          `json:"repo"`
	Branch string          `json:"branch"`
}

// runID reads runId, which the frontend sends as a number; a numeric string is accepted
// too, because an uninterpolated variable must give a clear error, not a JSON one.
func (m pipelineModel) runID() (int64, error) {
	raw := strings.Trim(strings.TrimSpace(string(m.RunID)), `"`)
	if raw == "" || raw == "null" || values([]string{raw}) == nil {
		return 0, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, badQuery("runId %q is not a positive number", truncate(raw, 80))
	}
	return id, nil
}

// Pipeline answers pipeline: the jobs of one run's latest attempt, in start order, with
// their stage (GitLab's) and times for a timeline panel: start_offset_seconds, queue_seconds and
// duration_seconds stacked are each job's bar on a Gantt chart.
func Pipeline(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m pipelineModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	id, err := m.runID()
	if err != nil {
		return nil, err
	}
	// A run out of scope is a run that does not exist: the same empty answer.
	scope := scopeOnly(req)
	st := newStmt("pipeline")
	switch {
	case id > 0:
		// A run id is only unique within a forge: the forges filter picks one, and where
		// both forges have the id, GitHub's run is shown (docs/gitlab.md).
		st.add("WITH run AS (SELECT j.run_id, j.forge, max(j.run_attempt) AS run_attempt FROM workflow_jobs j WHERE j.run_id = ", st.arg(id))
		scope.where(st, jobFilters)
		if fs := values(m.Filters.Forges); fs != nil {
			st.add(" AND j.forge = ANY(", st.arg(fs), ")")
		}
		st.add(" GROUP BY j.run_id, j.forge ORDER BY j.forge = 'github' DESC LIMIT 1)\n")
	case m.Repo != "" && m.Branch != "":
		st.add("WITH run AS (SELECT j.run_id, j.run_attempt, j.forge FROM workflow_jobs j WHERE j.repo = ", st.arg(m.Repo),
			" AND j.head_branch = ", st.arg(m.Branch), " AND j.created_at < ", st.arg(req.To))
		scope.where(st, jobFilters)
		st.add(" ORDER BY j.created_at DESC, j.run_id DESC, j.run_attempt DESC LIMIT 1)\n")
	case m.Repo != "" || m.Branch != "":
		return nil, badQuery("pipeline needs both repo and branch, or runId")
	default:
		st.add("WITH run AS (SELECT j.run_id, j.run_attempt, j.forge FROM workflow_jobs j WHERE j.created_at < ", st.arg(req.To))
		m.Filters.where(st, jobFilters.without("conclusions"))
		st.add(" ORDER BY j.created_at DESC, j.run_id DESC, j.run_attempt DESC LIMIT 1)\n")
	}
	w := webLinks(st, env).at("j.forge", "j.forge_url")
	st.add("SELECT j.run_id, j.run_attempt, j.job_id, j.job_name, j.status, j.conclusion, nullif(j.failed_step, ''),\n",
		"  j.created_at, j.started_at, j.completed_at,\n",
		"  j.queue_s, greatest(extract(epoch FROM j.completed_at - j.started_at), 0)::float8, j.runner_name, j.label_key,\n",
		"  ", w.job("j.repo", "j.run_id", "j.job_id"), ", j.repo, ", w.run("j.repo", "j.run_id"), ",\n",
		// Where each job's bar starts on a Gantt chart: seconds since the run's first job.
		"  extract(epoch FROM j.created_at - min(j.created_at) OVER ())::float8, j.stage, ", w.repo("j.repo"), ", j.forge\n",
		"FROM workflow_jobs j JOIN run USING (run_id, run_attempt, forge)\n",
		"ORDER BY coalesce(j.started_at, j.created_at), j.job_id")

	f := data.NewFrame("pipeline",
		data.NewField("run_id", nil, []int64{}),
		data.NewField("run_attempt", nil, []int64{}),
		data.NewField("job_id", nil, []int64{}),
		data.NewField("job_name", nil, []string{}),
		data.NewField("status", nil, []string{}),
		data.NewField("conclusion", nil, []string{}),
		data.NewField("failed_step", nil, []*string{}), // the first step that failed (0017)
		data.NewField("created_at", nil, []*time.Time{}),
		data.NewField("started_at", nil, []*time.Time{}),
		data.NewField("completed_at", nil, []*time.Time{}),
		unit(data.NewField("queue_seconds", nil, []*float64{}), "s"),
		unit(data.NewField("duration_seconds", nil, []*float64{}), "s"),
		data.NewField("runner_name", nil, []string{}),
		data.NewField("label_key", nil, []string{}),
		link(data.NewField("job_url", nil, []*string{}), "Open job"),
		data.NewField("repo", nil, []string{}),
		link(data.NewField("run_url", nil, []*string{}), "Open run"),
		unit(data.NewField("start_offset_seconds", nil, []*float64{}), "s"),
		data.NewField("stage", nil, []string{}), // GitLab's stage; '' for GitHub, which has none
		link(data.NewField("repo_url", nil, []*string{}), "Open repository"),
		data.NewField("forge", nil, []string{}), // github or gitlab: the Pipeline dashboard's links name it
	)
	return table(ctx, env.DB, st, f)
}

package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// activeJobsModel is the active_jobs query.
type activeJobsModel struct {
	common
	States []string `json:"states"`
}

var openStates = map[string]bool{"queued": true, "waiting": true, "in_progress": true}

// runWebURL recovers a run's web address from its job's html_url (…/actions/runs/ID/job/N),
// so the table needs no join with workflow_runs.
const runWebURL = "substring(j.html_url FROM '^(https?://.+/actions/runs/[0-9]+)')"

// ActiveJobs answers active_jobs: every job queued, waiting or running at the end of the
// range (now, on a live dashboard), oldest first, with no row cap: the job an "oldest
// queued" alert fires for is always on the screen. (Not to be confused with activeJobs, the
// subquery of jobs active during a range.) Jobs closed as expired or gone are completed
// and so not here.
//
// age is the time since creation; queue_seconds the wait for a runner so far (approval
// excluded, as in queued_now) or, for a running job, its whole queue time; run_seconds
// how long a running job has run. All are clamped at zero.
func ActiveJobs(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m activeJobsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	states := values(m.States)
	for _, s := range states {
		if !openStates[s] {
			return nil, badQuery("state %q is not one of queued, waiting, in_progress", truncate(s, 80))
		}
	}
	if states == nil {
		states = []string{"queued", "waiting", "in_progress"}
	}
	st := newStmt("active_jobs")
	at := st.arg(req.To)
	st.add("SELECT j.job_id, j.created_at, j.status, greatest(extract(epoch FROM ", at, " - j.created_at), 0)::float8,\n",
		"  CASE WHEN j.status = 'in_progress' THEN j.queue_s WHEN j.status = 'queued' THEN greatest(extract(epoch FROM ", at,
		" - CASE WHEN j.queued_last_at > j.waiting_last_at THEN j.queued_last_at ELSE j.created_at END), 0)::float8 END,\n",
		"  CASE WHEN j.status = 'in_progress' THEN greatest(extract(epoch FROM ", at, " - j.started_at), 0)::float8 END,\n",
		"  j.label_key, j.repo, j.workflow_name, j.job_name, j.runner_name, j.runner_group_name, j.head_branch,\n",
		"  nullif(j.html_url, ''), ", runWebURL, "\n",
		"FROM workflow_jobs j\n",
		// The partial index on open jobs holds only these rows, however large the table.
		"WHERE j.status <> 'completed' AND j.status = ANY(", st.arg(states), ") AND j.created_at < ", at)
	m.Filters.where(st, jobFilters.without("conclusions"))
	st.add("\nORDER BY j.created_at, j.job_id")

	f := data.NewFrame("active_jobs",
		data.NewField("job_id", nil, []int64{}),
		data.NewField("created_at", nil, []*time.Time{}),
		data.NewField("status", nil, []string{}),
		unit(data.NewField("age", nil, []float64{}), "s"),
		unit(data.NewField("queue_seconds", nil, []*float64{}), "s"),
		unit(data.NewField("run_seconds", nil, []*float64{}), "s"),
		data.NewField("label_key", nil, []string{}),
		data.NewField("repo", nil, []string{}),
		data.NewField("workflow", nil, []string{}),
		data.NewField("job_name", nil, []string{}),
		data.NewField("runner_name", nil, []string{}),
		data.NewField("runner_group", nil, []string{}),
		data.NewField("head_branch", nil, []string{}),
		link(data.NewField("job_url", nil, []*string{}), "Open job"),
		link(data.NewField("run_url", nil, []*string{}), "Open run"),
	)
	return table(ctx, env.DB, st, f)
}

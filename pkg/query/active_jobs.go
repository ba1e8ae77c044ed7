package query

import (
	"context"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// activeJobsModel is the active_jobs query.
type activeJobsModel struct {
	common
	States []string `json:"states"`
}

var openStates = map[string]bool{"queued": true, "waiting": true, "in_progress": true}

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
	st := newStmt("active_jobs")
	at := st.arg(req.To)
	// Ages and URLs are worked out here from the raw columns: as SQL expressions (numeric
	// interval arithmetic, string searches) they were most of the database's time per row.
	st.add("SELECT j.job_id, j.run_id, j.created_at, j.status, j.started_at,\n",
		"  CASE WHEN j.queued_last_at > j.waiting_last_at THEN j.queued_last_at END, j.queue_s,\n",
		"  j.label_key, j.repo, j.workflow_name, j.job_name, j.runner_name, j.runner_group_name, j.head_branch,\n",
		// NULL html_url: the URL its columns spell (migration 0030).
		"  job_html_url(j.html_url, j.forge_url, j.repo, j.run_id, j.job_id),\n",
		"  j.forge, j.forge_url\n",
		"FROM workflow_jobs j\n",
		// The partial index on open jobs by creation (migration 0015) holds only these rows,
		// however large the table, already in the answer's order: no sort.
		"WHERE j.status <> 'completed' AND j.created_at < ", at)
	if states != nil {
		st.add(" AND j.status = ANY(", st.arg(states), ")")
	}
	m.Filters.where(st, jobFilters.without("conclusions"))
	st.add("\nORDER BY j.created_at, j.job_id")

	var c activeColumns
	var r activeRow
	base := env.gitHubWebURL()
	err := collect(ctx, env.DB, st, func(rows pgx.Rows) error {
		if err := rows.Scan(&r.id, &r.runID, &r.created, &r.status, &r.started, &r.approved, &r.queue, &r.labels, &r.repo,
			&r.workflow, &r.job, &r.runner, &r.group, &r.branch, &r.url, &r.forge, &r.forgeURL); err != nil {
			return err
		}
		r.links(base)
		c.add(&r, req.To)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return data.Frames{finish(c.frame(), st, data.FrameTypeTable)}, nil
}

// activeRow is one row as read.
type activeRow struct {
	id, runID                                          int64
	created, started, approved                         *time.Time
	queue                                              *float64
	status, labels, repo, workflow, job, runner, group string
	branch, url, forge, forgeURL                       string
	runURL                                             *string
	repoURL                                            string
}

// links sets the job's and run's pages: GitHub's on the configured base, a GitLab job's
// on its own instance (see weburl.go).
func (r *activeRow) links(base string) {
	r.repoURL = repoPage(r.forge, r.forgeURL, r.repo, base)
	if r.forge != "gitlab" {
		r.url = rebase(r.url, base)
		r.runURL = runWebURL(r.url)
		return
	}
	r.url = gitLabPage(r.forgeURL, r.repo, "jobs", r.id)
	r.runURL = nonEmpty(gitLabPage(r.forgeURL, r.repo, "pipelines", r.runID))
}

// activeColumns are the table's columns, filled row by row.
type activeColumns struct {
	ids, runIDs                                                []int64
	created                                                    []*time.Time
	age                                                        []float64
	queue, run                                                 []*float64
	status, labels, repo, workflow, job, runner, group, branch []string
	forge                                                      []string
	jobURL, runURL, repoURL                                    []*string
}

// since is the seconds from t to now, never negative; nil when t is.
func since(now time.Time, t *time.Time) *float64 {
	if t == nil {
		return nil
	}
	return fp(max(now.Sub(*t), 0).Seconds())
}

func (c *activeColumns) add(r *activeRow, now time.Time) {
	var queue, run *float64
	switch r.status {
	case "in_progress":
		if r.queue != nil { // a copy: the scan target is reused row after row
			queue = fp(*r.queue)
		}
		run = since(now, r.started)
	case "queued":
		// A job approved after waiting for an environment waits for a runner from then.
		queue = since(now, r.created)
		if r.approved != nil {
			queue = since(now, r.approved)
		}
	}
	age := since(now, r.created)
	if age == nil {
		age = fp(0)
	}
	var created *time.Time
	if r.created != nil {
		t := r.created.UTC()
		created = &t
	}
	c.ids, c.runIDs, c.created, c.age = append(c.ids, r.id), append(c.runIDs, r.runID), append(c.created, created), append(c.age, *age)
	c.queue, c.run = append(c.queue, queue), append(c.run, run)
	c.status, c.labels, c.repo = append(c.status, r.status), append(c.labels, r.labels), append(c.repo, r.repo)
	c.workflow, c.job, c.runner = append(c.workflow, r.workflow), append(c.job, r.job), append(c.runner, r.runner)
	c.group, c.branch = append(c.group, r.group), append(c.branch, r.branch)
	c.jobURL, c.runURL = append(c.jobURL, nonEmpty(r.url)), append(c.runURL, r.runURL)
	c.repoURL, c.forge = append(c.repoURL, nonEmpty(r.repoURL)), append(c.forge, r.forge)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// runWebURL recovers a run's web address from its job's (…/actions/runs/ID/job/N), so the
// table needs no join with workflow_runs.
func runWebURL(jobURL string) *string {
	i := strings.Index(jobURL, "/job/")
	if i <= 0 {
		return nil
	}
	return nonEmpty(jobURL[:i])
}

func (c *activeColumns) frame() *data.Frame {
	return data.NewFrame("active_jobs",
		data.NewField("job_id", nil, nonNil(c.ids)),
		data.NewField("run_id", nil, nonNil(c.runIDs)),
		data.NewField("created_at", nil, nonNil(c.created)),
		data.NewField("status", nil, nonNil(c.status)),
		unit(data.NewField("age", nil, nonNil(c.age)), "s"),
		unit(data.NewField("queue_seconds", nil, nonNil(c.queue)), "s"),
		unit(data.NewField("run_seconds", nil, nonNil(c.run)), "s"),
		data.NewField("label_key", nil, nonNil(c.labels)),
		data.NewField("repo", nil, nonNil(c.repo)),
		data.NewField("workflow", nil, nonNil(c.workflow)),
		data.NewField("job_name", nil, nonNil(c.job)),
		data.NewField("runner_name", nil, nonNil(c.runner)),
		data.NewField("runner_group", nil, nonNil(c.group)),
		data.NewField("head_branch", nil, nonNil(c.branch)),
		link(data.NewField("job_url", nil, nonNil(c.jobURL)), "Open job"),
		link(data.NewField("run_url", nil, nonNil(c.runURL)), "Open run"),
		link(data.NewField("repo_url", nil, nonNil(c.repoURL)), "Open repository"),
		data.NewField("forge", nil, nonNil(c.forge)), // github or gitlab: the Pipeline dashboard's links name it
	)
}

// nonNil gives an empty column rather than a nil one, so the field keeps its type.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

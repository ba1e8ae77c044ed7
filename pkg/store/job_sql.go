package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// jobColumns is the order in which Job fields travel to and from workflow_jobs.
var jobColumns = []column{
	{name: "job_id", typ: "int8"}, {name: "run_id", typ: "int8"}, {name: "run_attempt", typ: "int8"},
	{name: "org", typ: "text"}, {name: "repo", typ: "text"}, {name: "repo_id", typ: "int8"},
	{name: "workflow_name", typ: "text"}, {name: "job_name", typ: "text"},
	{name: "head_branch", typ: "text"}, {name: "head_sha", typ: "text"},
	// A text[] per row cannot travel inside unnest (arrays must be rectangular), so the
	// labels travel as a JSON array and are unpacked here.
	{name: "labels", typ: "text", expr: "ARRAY(SELECT jsonb_array_elements_text(u.labels::jsonb))"},
	{name: "label_key", typ: "text"},
	{name: "runner_id", typ: "int8"}, {name: "runner_name", typ: "text"},
	{name: "runner_group_id", typ: "int8"}, {name: "runner_group_name", typ: "text"},
	{name: "status", typ: "text"}, {name: "conclusion", typ: "text"},
	{name: "created_at", typ: "timestamptz"}, {name: "started_at", typ: "timestamptz"}, {name: "completed_at", typ: "timestamptz"},
	{name: "waiting_since", typ: "timestamptz"}, {name: "waiting_last_at", typ: "timestamptz"}, {name: "queued_last_at", typ: "timestamptz"},
	{name: "approval_wait_s", typ: "float8"}, {name: "queue_s", typ: "float8"},
	{name: "html_url", typ: "text"}, {name: "run_url", typ: "text"},
	{name: "first_seen_at", typ: "timestamptz"}, {name: "last_seen_at", typ: "timestamptz"},
}

var (
	upsertJobsSQL = upsertSQL("workflow_jobs", "job_id", jobColumns)
	selectJobsSQL = "SELECT " + selectList(jobColumns) + " FROM workflow_jobs"
)

// mergeExistingJobs folds the stored rows into the batch's rows, so the batch holds the
// complete merged state to write back.
func mergeExistingJobs(ctx context.Context, tx pgx.Tx, jobs map[int64]*Job) error {
	if len(jobs) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(jobs))
	for id := range jobs {
		ids = append(ids, id)
	}
	stored, err := queryJobs(ctx, tx, selectJobsSQL+" WHERE job_id = ANY($1)", ids)
	if err != nil {
		return err
	}
	for _, s := range stored {
		jobs[s.JobID].Merge(s)
	}
	return nil
}

// queryJobs reads rows selected with selectJobsSQL.
func queryJobs(ctx context.Context, q querier, sql string, args ...any) ([]*Job, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read jobs: %w", err)
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		var j Job
		var approval float64
		var queue *float64
		if err := rows.Scan(&j.JobID, &j.RunID, &j.RunAttempt, &j.Org, &j.Repo, &j.RepoID, &j.WorkflowName, &j.JobName,
			&j.HeadBranch, &j.HeadSHA, &j.Labels, &j.LabelKey, &j.RunnerID, &j.RunnerName, &j.RunnerGroupID,
			&j.RunnerGroupName, &j.Status, &j.Conclusion, &j.CreatedAt, &j.StartedAt, &j.CompletedAt,
			&j.WaitingSince, &j.WaitingLastAt, &j.QueuedLastAt, &approval, &queue,
			&j.HTMLURL, &j.RunURL, &j.FirstSeenAt, &j.LastSeenAt); err != nil {
			return nil, fmt.Errorf("scan job: %w", err)
		}
		normaliseJob(&j)
		out = append(out, &j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read jobs: %w", err)
	}
	return out, nil
}

// normaliseJob gives values read from Postgres the same shape as values built from a
// payload (UTC times, empty label list), so merged rows compare equal either way.
func normaliseJob(j *Job) {
	for _, p := range []**time.Time{&j.CreatedAt, &j.StartedAt, &j.CompletedAt, &j.WaitingSince, &j.WaitingLastAt, &j.QueuedLastAt} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	j.FirstSeenAt, j.LastSeenAt = j.FirstSeenAt.UTC(), j.LastSeenAt.UTC()
	if len(j.Labels) == 0 {
		j.Labels = nil
	}
}

func upsertJobs(ctx context.Context, tx pgx.Tx, jobs map[int64]*Job) error {
	if len(jobs) == 0 {
		return nil
	}
	n := len(jobs)
	cols := make([][]any, len(jobColumns))
	for i := range cols {
		cols[i] = make([]any, 0, n)
	}
	for _, j := range jobs {
		labels, err := json.Marshal(nonNil(j.Labels))
		if err != nil {
			return fmt.Errorf("encode labels of job %d: %w", j.JobID, err)
		}
		vals := []any{j.JobID, j.RunID, j.RunAttempt, j.Org, j.Repo, j.RepoID, j.WorkflowName, j.JobName,
			j.HeadBranch, j.HeadSHA, string(labels), j.LabelKey, j.RunnerID, j.RunnerName, j.RunnerGroupID,
			j.RunnerGroupName, j.Status, j.Conclusion, j.CreatedAt, j.StartedAt, j.CompletedAt,
			j.WaitingSince, j.WaitingLastAt, j.QueuedLastAt, j.ApprovalWait().Seconds(), j.QueueSeconds(),
			j.HTMLURL, j.RunURL, j.FirstSeenAt, j.LastSeenAt}
		for i, v := range vals {
			cols[i] = append(cols[i], v)
		}
	}
	if _, err := tx.Exec(ctx, upsertJobsSQL, asArgs(cols)...); err != nil {
		return fmt.Errorf("upsert %d jobs: %w", n, err)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

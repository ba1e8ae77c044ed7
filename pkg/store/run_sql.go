package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// runColumns is the order in which Run fields travel to and from workflow_runs.
var runColumns = []column{
	{name: "run_id", typ: "int8"}, {name: "run_attempt", typ: "int8"},
	{name: "org", typ: "text"}, {name: "repo", typ: "text"}, {name: "repo_id", typ: "int8"},
	{name: "workflow_id", typ: "int8"}, {name: "workflow_name", typ: "text"}, {name: "display_title", typ: "text"},
	{name: "run_number", typ: "int8"}, {name: "event", typ: "text"}, {name: "actor", typ: "text"},
	{name: "triggering_actor", typ: "text"}, {name: "status", typ: "text"}, {name: "conclusion", typ: "text"},
	{name: "head_branch", typ: "text"}, {name: "head_sha", typ: "text"}, {name: "default_branch", typ: "text"},
	{name: "repo_visibility", typ: "text"},
	// Like job labels, a per-row array travels as text: here a Postgres array literal.
	{name: "pull_requests", typ: "text", expr: "u.pull_requests::integer[]"},
	{name: "created_at", typ: "timestamptz"}, {name: "run_started_at", typ: "timestamptz"}, {name: "updated_at", typ: "timestamptz"},
	{name: "html_url", typ: "text"}, {name: "first_seen_at", typ: "timestamptz"}, {name: "last_seen_at", typ: "timestamptz"},
	// Forge (0025): the key's third part, and the instance.
	{name: "forge", typ: "text"}, {name: "forge_url", typ: "text"},
}

var (
	upsertRunsSQL = upsertSQL("workflow_runs", "run_id, run_attempt, forge", runColumns)
	selectRunsSQL = "SELECT " + selectList(runColumns) + " FROM workflow_runs"
)

// selectRunsByKeySQL reads the stored rows a batch merges into; like selectJobsByIDSQL it
// needs a custom plan.
var selectRunsByKeySQL = selectRunsSQL +
	" WHERE (run_id, run_attempt) IN (SELECT * FROM unnest($1::int8[], $2::int8[]))"

// queryRuns reads rows selected with selectRunsSQL.
func queryRuns(ctx context.Context, q querier, sql string, args ...any) ([]*Run, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	return scanRuns(rows)
}

// scanRuns reads and closes rows selected with selectRunsSQL.
func scanRuns(rows pgx.Rows) ([]*Run, error) {
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		var r Run
		if err := rows.Scan(&r.RunID, &r.RunAttempt, &r.Org, &r.Repo, &r.RepoID, &r.WorkflowID, &r.WorkflowName,
			&r.DisplayTitle, &r.RunNumber, &r.Event, &r.Actor, &r.TriggeringActor, &r.Status, &r.Conclusion,
			&r.HeadBranch, &r.HeadSHA, &r.DefaultBranch, &r.RepoVisibility, &r.PullRequests, &r.CreatedAt, &r.RunStartedAt,
			&r.UpdatedAt, &r.HTMLURL, &r.FirstSeenAt, &r.LastSeenAt, &r.Forge, &r.ForgeURL); err != nil {
			return nil, fmt.Errorf("scan run: %w", err)
		}
		normaliseRun(&r)
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	return out, nil
}

func normaliseRun(r *Run) {
	for _, p := range []**time.Time{&r.CreatedAt, &r.RunStartedAt, &r.UpdatedAt} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	r.FirstSeenAt, r.LastSeenAt = r.FirstSeenAt.UTC(), r.LastSeenAt.UTC()
	if len(r.PullRequests) == 0 {
		r.PullRequests = nil
	}
}

// queueUpsertRuns queues the write of the merged rows.
func queueUpsertRuns(b *pgx.Batch, runs map[runKey]*Run) {
	cols := make([][]any, len(runColumns))
	for _, r := range runs {
		vals := []any{r.RunID, r.RunAttempt, r.Org, r.Repo, r.RepoID, r.WorkflowID, r.WorkflowName, r.DisplayTitle,
			r.RunNumber, r.Event, r.Actor, r.TriggeringActor, r.Status, r.Conclusion, r.HeadBranch, r.HeadSHA,
			r.DefaultBranch, r.RepoVisibility, intArrayLiteral(r.PullRequests), r.CreatedAt, r.RunStartedAt, r.UpdatedAt,
			r.HTMLURL, r.FirstSeenAt, r.LastSeenAt, r.Forge, r.ForgeURL}
		for i, v := range vals {
			cols[i] = append(cols[i], v)
		}
	}
	b.Queue(upsertRunsSQL, asArgs(cols)...)
}

func intArrayLiteral(v []int32) string {
	b := []byte{'{'}
	for i, n := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", n)
	}
	return string(append(b, '}'))
}

package store

import (
	"context"
	"fmt"
	"strings"
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
	// labels travel as a Postgres array literal and are cast here. (They used to travel as
	// JSON, unpacked by a sub-select per row: a jsonb parse each, ~3% of Postgres' CPU.)
	{name: "labels", typ: "text", expr: "u.labels::text[]"},
	{name: "label_key", typ: "text"},
	{name: "runner_id", typ: "int8"}, {name: "runner_name", typ: "text"},
	{name: "runner_group_id", typ: "int8"}, {name: "runner_group_name", typ: "text"},
	{name: "status", typ: "text"}, {name: "conclusion", typ: "text"},
	{name: "created_at", typ: "timestamptz"}, {name: "started_at", typ: "timestamptz"}, {name: "completed_at", typ: "timestamptz"},
	{name: "waiting_since", typ: "timestamptz"}, {name: "waiting_last_at", typ: "timestamptz"}, {name: "queued_last_at", typ: "timestamptz"},
	{name: "approval_wait_s", typ: "float8"}, {name: "queue_s", typ: "float8"},
	{name: "html_url", typ: "text"}, {name: "run_url", typ: "text"},
	{name: "first_seen_at", typ: "timestamptz"}, {name: "last_seen_at", typ: "timestamptz"},
	// Lifecycle (0015): who closed the job; derived from the row, like queue_s: the wait of a
	// job that ended without a runner, and the flag for contradictory timestamps.
	{name: "closed_by", typ: "text"}, {name: "abandoned_wait_s", typ: "float8"}, {name: "inconsistent", typ: "bool"},
	// Steps (0017): derived from the merged steps but the flag, which merges as an or.
	{name: "failed_step", typ: "text"}, {name: "passed_with_warnings", typ: "bool"}, {name: "steps_flagged", typ: "bool"},
	// Cost (0018): the repository's visibility.
	{name: "repo_visibility", typ: "text"},
	// Forge (0025): the key's second half, the instance, and GitLab's own fields; manual_wait_s
	// is derived from the row like queue_s.
	{name: "forge", typ: "text"}, {name: "forge_url", typ: "text"}, {name: "stage", typ: "text"},
	{name: "allow_failure", typ: "bool"}, {name: "queued_at", typ: "timestamptz"}, {name: "manual_since", typ: "timestamptz"},
	{name: "manual_wait_s", typ: "float8"}, {name: "failure_reason", typ: "text"},
}

var (
	upsertJobsSQL = upsertSQL("workflow_jobs", "job_id, forge", jobColumns)
	selectJobsSQL = "SELECT " + selectList(jobColumns) + " FROM workflow_jobs"
)

// selectJobsByIDSQL reads the stored rows a batch merges into. It needs a custom plan:
// planned while the table was small, a generic plan scans it whole for ever after (Open).
var selectJobsByIDSQL = selectJobsSQL + " WHERE job_id = ANY($1)"

// queryJobs reads rows selected with selectJobsSQL.
func queryJobs(ctx context.Context, q querier, sql string, args ...any) ([]*Job, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read jobs: %w", err)
	}
	return scanJobs(rows)
}

// scanJobs reads and closes rows selected with selectJobsSQL.
func scanJobs(rows pgx.Rows) ([]*Job, error) {
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		var j Job
		var approval float64
		var queue, abandoned *float64
		var inconsistent, warnings bool
		var failedStep string
		var manualWait *float64
		var htmlURL, runURL *string
		if err := rows.Scan(&j.JobID, &j.RunID, &j.RunAttempt, &j.Org, &j.Repo, &j.RepoID, &j.WorkflowName, &j.JobName,
			&j.HeadBranch, &j.HeadSHA, &j.Labels, &j.LabelKey, &j.RunnerID, &j.RunnerName, &j.RunnerGroupID,
			&j.RunnerGroupName, &j.Status, &j.Conclusion, &j.CreatedAt, &j.StartedAt, &j.CompletedAt,
			&j.WaitingSince, &j.WaitingLastAt, &j.QueuedLastAt, &approval, &queue,
			&htmlURL, &runURL, &j.FirstSeenAt, &j.LastSeenAt, &j.ClosedBy, &abandoned, &inconsistent,
			&failedStep, &warnings, &j.StepsFlagged, &j.RepoVisibility,
			&j.Forge, &j.ForgeURL, &j.Stage, &j.AllowFailure, &j.QueuedAt, &j.ManualSince, &manualWait,
			&j.FailureReason); err != nil {
			return nil, fmt.Errorf("scan job: %w", err)
		}
		j.HTMLURL, j.RunURL = loadedURL(&j, htmlURL, jobHTMLURL), loadedURL(&j, runURL, jobRunURL)
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
	for _, p := range []**time.Time{&j.CreatedAt, &j.StartedAt, &j.CompletedAt, &j.WaitingSince, &j.WaitingLastAt, &j.QueuedLastAt,
		&j.QueuedAt, &j.ManualSince} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	j.FirstSeenAt, j.LastSeenAt = j.FirstSeenAt.UTC(), j.LastSeenAt.UTC()
	if len(j.Labels) == 0 {
		j.Labels = nil
	}
	if j.Status == "completed" && j.ClosedBy == "" {
		// Written by a receiver older than 0015 while the migration ran.
		j.ClosedBy = ClosedGitHub
	}
}

// queueUpsertJobs queues the write of the merged rows.
func queueUpsertJobs(b *pgx.Batch, jobs map[jobKey]*Job) error {
	var a jobArrays
	for _, j := range jobs {
		if err := a.add(j); err != nil {
			return err
		}
	}
	b.Queue(upsertJobsSQL, a.args()...)
	return nil
}

// jobArrays holds one typed slice per column of jobColumns. Typed slices encode without
// reflection per element, which halved the Go side of a batch write.
type jobArrays struct {
	ids, runIDs, attempts, repoIDs                                     []int64
	orgs, repos, workflows, names, branches, shas, labels, labelKeys   []string
	runnerIDs, groupIDs                                                []*int64
	runners, groups, statuses, conclusions                             []string
	htmlURLs, runURLs                                                  []*string
	created, started, completed, waitingSince, waitingLast, queuedLast []*time.Time
	approval                                                           []float64
	queue                                                              []*float64
	firstSeen, lastSeen                                                []time.Time
	closedBy                                                           []string
	abandoned                                                          []*float64
	inconsistent                                                       []bool
	failedSteps                                                        []string
	warnings, stepsFlagged                                             []bool
	visibility                                                         []string
	forges, forgeURLs, stages, failureReasons                          []string
	allowFailure                                                       []bool
	queuedAt, manualSince                                              []*time.Time
	manualWait                                                         []*float64
}

func (a *jobArrays) add(j *Job) error {
	a.ids, a.runIDs, a.attempts = append(a.ids, j.JobID), append(a.runIDs, j.RunID), append(a.attempts, j.RunAttempt)
	a.orgs, a.repos, a.repoIDs = append(a.orgs, j.Org), append(a.repos, j.Repo), append(a.repoIDs, j.RepoID)
	a.workflows, a.names = append(a.workflows, j.WorkflowName), append(a.names, j.JobName)
	a.branches, a.shas = append(a.branches, j.HeadBranch), append(a.shas, j.HeadSHA)
	a.labels, a.labelKeys = append(a.labels, textArrayLiteral(j.Labels)), append(a.labelKeys, j.LabelKey)
	a.runnerIDs, a.runners = append(a.runnerIDs, j.RunnerID), append(a.runners, j.RunnerName)
	a.groupIDs, a.groups = append(a.groupIDs, j.RunnerGroupID), append(a.groups, j.RunnerGroupName)
	a.statuses, a.conclusions = append(a.statuses, j.Status), append(a.conclusions, j.Conclusion)
	a.created, a.started, a.completed = append(a.created, j.CreatedAt), append(a.started, j.StartedAt), append(a.completed, j.CompletedAt)
	a.waitingSince, a.waitingLast = append(a.waitingSince, j.WaitingSince), append(a.waitingLast, j.WaitingLastAt)
	a.queuedLast = append(a.queuedLast, j.QueuedLastAt)
	a.approval, a.queue = append(a.approval, j.ApprovalWait().Seconds()), append(a.queue, j.QueueSeconds())
	a.htmlURLs = append(a.htmlURLs, storedURL(j, j.HTMLURL, jobHTMLURL))
	a.runURLs = append(a.runURLs, storedURL(j, j.RunURL, jobRunURL))
	a.firstSeen, a.lastSeen = append(a.firstSeen, j.FirstSeenAt), append(a.lastSeen, j.LastSeenAt)
	a.closedBy, a.abandoned = append(a.closedBy, j.ClosedBy), append(a.abandoned, j.AbandonedWaitSeconds())
	a.inconsistent = append(a.inconsistent, j.Inconsistent())
	a.failedSteps, a.warnings = append(a.failedSteps, j.FailedStep()), append(a.warnings, j.PassedWithWarnings())
	a.stepsFlagged = append(a.stepsFlagged, j.StepsFlagged)
	a.visibility = append(a.visibility, j.RepoVisibility)
	a.forges, a.forgeURLs, a.stages = append(a.forges, j.Forge), append(a.forgeURLs, j.ForgeURL), append(a.stages, j.Stage)
	a.allowFailure, a.queuedAt = append(a.allowFailure, j.AllowFailure), append(a.queuedAt, j.QueuedAt)
	a.manualSince, a.manualWait = append(a.manualSince, j.ManualSince), append(a.manualWait, j.ManualWaitSeconds())
	a.failureReasons = append(a.failureReasons, j.FailureReason)
	return nil
}

// args returns the slices in the order of jobColumns.
func (a *jobArrays) args() []any {
	return []any{a.ids, a.runIDs, a.attempts, a.orgs, a.repos, a.repoIDs, a.workflows, a.names,
		a.branches, a.shas, a.labels, a.labelKeys, a.runnerIDs, a.runners, a.groupIDs, a.groups,
		a.statuses, a.conclusions, a.created, a.started, a.completed, a.waitingSince, a.waitingLast,
		a.queuedLast, a.approval, a.queue, a.htmlURLs, a.runURLs, a.firstSeen, a.lastSeen,
		a.closedBy, a.abandoned, a.inconsistent, a.failedSteps, a.warnings, a.stepsFlagged, a.visibility,
		a.forges, a.forgeURLs, a.stages, a.allowFailure, a.queuedAt, a.manualSince, a.manualWait, a.failureReasons}
}

// textArrayLiteral writes strings as a Postgres text[] literal. Every element is quoted,
// so commas, braces, spaces and the word NULL stay text; inside the quotes only '"' and
// '\' are escaped. Strings never hold NUL here (clean removed it).
func textArrayLiteral(v []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

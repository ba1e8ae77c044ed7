package store

import (
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// stepColumns is the order in which Step fields travel to workflow_job_steps (0017).
var stepColumns = []column{
	{name: "job_id", typ: "int8"}, {name: "number", typ: "int4"}, {name: "name", typ: "text"},
	{name: "status", typ: "text"}, {name: "conclusion", typ: "text"},
	{name: "started_at", typ: "timestamptz"}, {name: "completed_at", typ: "timestamptz"},
	{name: "duration_s", typ: "float8"}, {name: "inconsistent", typ: "bool"},
}

// The steps are merged in Go like their job, under the job's advisory lock, so the upsert
// simply writes the merged rows.
var (
	upsertStepsSQL = upsertSQL("workflow_job_steps", "job_id, number", stepColumns)
	// selectStepsByJobSQL reads the stored steps of a batch's jobs, in the order that
	// scanSteps groups them.
	selectStepsByJobSQL = "SELECT job_id, number, name, status, conclusion, started_at, completed_at FROM workflow_job_steps" +
		" WHERE job_id = ANY($1) ORDER BY job_id, number"
)

// scanSteps reads and closes rows selected with selectStepsByJobSQL, by job id.
func scanSteps(rows pgx.Rows) (map[int64][]Step, error) {
	defer rows.Close()
	out := map[int64][]Step{}
	for rows.Next() {
		var jobID int64
		var number int32
		var s Step
		if err := rows.Scan(&jobID, &number, &s.Name, &s.Status, &s.Conclusion, &s.StartedAt, &s.CompletedAt); err != nil {
			return nil, fmt.Errorf("scan step: %w", err)
		}
		s.Number = int64(number)
		for _, p := range []**time.Time{&s.StartedAt, &s.CompletedAt} {
			if *p != nil {
				u := (*p).UTC()
				*p = &u
			}
		}
		out[jobID] = append(out[jobID], s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read steps: %w", err)
	}
	for id, s := range out {
		out[id] = slices.Clip(s)
	}
	return out, nil
}

// sameStep reports two versions of a step with the same row.
func sameStep(x, y *Step) bool {
	return x.Number == y.Number && x.Name == y.Name && x.Status == y.Status && x.Conclusion == y.Conclusion &&
		timeEqual(x.StartedAt, y.StartedAt) && timeEqual(x.CompletedAt, y.CompletedAt)
}

func timeEqual(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// stepArrays holds one typed slice per column of stepColumns.
type stepArrays struct {
	jobIDs             []int64
	numbers            []int32
	names, sts, concls []string
	started, completed []*time.Time
	durations          []*float64
	inconsistent       []bool
}

func (a *stepArrays) add(jobID int64, s *Step) {
	a.jobIDs, a.numbers = append(a.jobIDs, jobID), append(a.numbers, int32(s.Number))
	a.names, a.sts, a.concls = append(a.names, s.Name), append(a.sts, s.Status), append(a.concls, s.Conclusion)
	a.started, a.completed = append(a.started, s.StartedAt), append(a.completed, s.CompletedAt)
	a.durations, a.inconsistent = append(a.durations, s.Duration()), append(a.inconsistent, s.Inconsistent())
}

// queueUpsertSteps queues the write of the merged steps that differ from the stored ones
// (both lists sorted by number, the stored ones a subset of the merged), and reports how
// many it writes (0: nothing queued). A queued job's deliveries carry no steps, and a
// completion rewrites only the steps that were still running.
//
// workflow_job_steps is keyed by job id alone: steps are GitHub's only (GitLab's hooks send
// none), so a GitLab job that shares a GitHub job's id neither writes nor reads them.
func queueUpsertSteps(b *pgx.Batch, jobs map[jobKey]*Job, stored map[int64][]Step) int {
	var a stepArrays
	ids := make([]int64, 0, len(jobs))
	for k := range jobs {
		if k.forge == ForgeGitHub {
			ids = append(ids, k.id)
		}
	}
	slices.Sort(ids) // a fixed order of row locks, as for the jobs' advisory locks
	for _, id := range ids {
		old := stored[id]
		job := jobs[jobKey{id, ForgeGitHub}]
		for i := range job.Steps {
			s := &job.Steps[i]
			for len(old) > 0 && old[0].Number < s.Number {
				old = old[1:]
			}
			if len(old) > 0 && sameStep(&old[0], s) {
				continue
			}
			a.add(id, s)
		}
	}
	if len(a.jobIDs) == 0 {
		return 0
	}
	b.Queue(upsertStepsSQL, a.jobIDs, a.numbers, a.names, a.sts, a.concls, a.started, a.completed, a.durations, a.inconsistent)
	return len(a.jobIDs)
}

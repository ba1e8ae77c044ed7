package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Who closed a job (workflow_jobs.closed_by). GitHub closes a job with a completed event.
// CI Radar closes a job GitHub will never report on again: one that outlived GitHub's own
// limits (expired), or one the REST API no longer knows (gone). Those synthetic closures
// carry the conclusion of the same name, so they are a state of their own and never pass
// for a cancellation.
const (
	ClosedGitHub  = "github"
	ClosedExpired = "expired"
	ClosedGone    = "gone"
)

// closureEvent is the event name of the deliveries that carry synthetic closures. They go
// to the raw log like the reconciler's REST API rows (target type "api", so ingest counts
// and health leave them out), which is how a closure survives Reproject: the raw log is
// replayed and the closure merges again, by the same rule, in whatever order.
const closureEvent = "ciradar_job_closure"

// closeRank orders closures: a real completion beats any synthetic one, and a 404 (gone,
// what the API said) beats an expiry (what the clock said). Equal ranks merge field by
// field (mergeClosure). The order is total, so taking the higher is a semilattice join.
func closeRank(by string) int {
	switch by {
	case ClosedGitHub, ClosedGitLab:
		return 3
	case ClosedGone:
		return 2
	case ClosedExpired:
		return 1
	}
	return 0
}

// mergeClosure folds o's completion into j's. A real completed event that arrives after a
// synthetic closure replaces its conclusion and end; a synthetic closure never touches a
// real one. Two real completions merge as they always did (the greater conclusion, the
// later end); two closures of one kind keep the earlier end.
func (j *Job) mergeClosure(o *Job) {
	jr, or := closeRank(j.ClosedBy), closeRank(o.ClosedBy)
	switch {
	case or > jr:
		j.ClosedBy, j.Conclusion, j.CompletedAt = o.ClosedBy, o.Conclusion, o.CompletedAt
	case or < jr:
	case or == closeRank(ClosedGitHub):
		j.Conclusion = joinStr(j.Conclusion, o.Conclusion)
		j.CompletedAt = maxTime(j.CompletedAt, o.CompletedAt)
	default:
		j.Conclusion = joinStr(j.Conclusion, o.Conclusion)
		j.CompletedAt = minTime(j.CompletedAt, o.CompletedAt)
	}
}

// Abandoned reports a job that completed without a runner ever taking it: cancelled,
// expired or gone while queued, or while waiting for an approval (its wait for a runner is
// then about nothing: the approval wait is taken off, see AbandonedWaitSeconds). Skipped
// jobs never asked for a runner. The approval itself is not a condition: receipt order,
// which bounds it, is not reliable enough to decide what a job is.
//
// A GitLab job asks for a runner when it enters 'pending' (queued_at): one cancelled while
// its earlier stages held it, or while manual, never did, and is not abandoned.
func (j *Job) Abandoned() bool {
	if j.Forge == ForgeGitLab && j.QueuedAt == nil {
		return false
	}
	return j.Status == "completed" && j.RunnerName == "" && j.Conclusion != "skipped" && j.CreatedAt != nil && j.CompletedAt != nil
}

// AbandonedWaitSeconds is an abandoned job's wait: from creation (GitLab: from entering
// 'pending') to its end, less the approval wait, never negative. It is a lower bound of a queue time that never ended. Nil
// for every other job.
func (j *Job) AbandonedWaitSeconds() *float64 {
	if !j.Abandoned() {
		return nil
	}
	from := *j.CreatedAt
	if j.Forge == ForgeGitLab {
		from = *j.QueuedAt // the wait for a runner starts in 'pending', as its queue time does
	}
	s := max(j.CompletedAt.Sub(from)-j.ApprovalWait(), 0).Seconds()
	return &s
}

// Inconsistent reports timestamps that contradict each other: started before created, or
// completed before started or created. The row is stored as sent and flagged; its queue
// time, wait and duration are clamped at zero.
func (j *Job) Inconsistent() bool {
	before := func(a, b *time.Time) bool { return a != nil && b != nil && a.Before(*b) }
	ran := j.RunnerName != "" // only a job a runner took has a real started_at (jobFromEvent)
	return ran && before(j.StartedAt, j.CreatedAt) || ran && before(j.CompletedAt, j.StartedAt) ||
		before(j.CompletedAt, j.CreatedAt)
}

// closurePayload is the body of a closure delivery.
type closurePayload struct {
	JobID    int64     `json:"job_id"`
	ClosedBy string    `json:"closed_by"`
	ClosedAt time.Time `json:"closed_at"`
	Reason   string    `json:"reason,omitempty"`
}

// ClosureItem closes a job as expired or gone, as of closedAt (the job's end), decided at
// decided. The delivery id names the job and the kind, so deciding twice costs nothing.
func ClosureItem(jobID int64, kind string, closedAt, decided time.Time, reason string) (Item, error) {
	if kind != ClosedExpired && kind != ClosedGone {
		return Item{}, fmt.Errorf("close job %d: %q is not a synthetic closure", jobID, kind)
	}
	body, err := json.Marshal(closurePayload{JobID: jobID, ClosedBy: kind, ClosedAt: closedAt.UTC(), Reason: reason})
	if err != nil {
		return Item{}, fmt.Errorf("encode closure of job %d: %w", jobID, err)
	}
	return apiItem(fmt.Sprintf("closure:%s:%d", kind, jobID), closureEvent, kind, body, decided)
}

// closureJob is the projection of a closure delivery: a completed job with the closure's
// kind as its conclusion and nothing else, so the merge fills in the rest from the job's
// real events.
func closureJob(d Delivery) (Projection, error) {
	var c closurePayload
	if err := decode(d.Payload, &c); err != nil {
		return Projection{}, fmt.Errorf("%w: %s: %v", ErrMalformed, closureEvent, err)
	}
	if c.JobID == 0 || (c.ClosedBy != ClosedExpired && c.ClosedBy != ClosedGone) || c.ClosedAt.IsZero() {
		return Projection{}, fmt.Errorf("%w: %s without a job id, kind or time", ErrMalformed, closureEvent)
	}
	at := c.ClosedAt.UTC()
	j := &Job{JobID: c.JobID, Forge: forgeOf(d), Status: "completed", Conclusion: c.ClosedBy, ClosedBy: c.ClosedBy, CompletedAt: &at,
		FirstSeenAt: d.ReceivedAt.UTC(), LastSeenAt: d.ReceivedAt.UTC()}
	return Projection{Action: c.ClosedBy, Job: j}, nil
}

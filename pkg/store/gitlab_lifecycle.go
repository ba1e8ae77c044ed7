package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// GitLab's own limits (its StuckCiJobsWorker and the job timeout). A pending job no runner
// took within a day is dropped; a running job ends at its timeout, the project's (an hour
// unless the project says otherwise). GitLab itself acts on these from a periodic worker,
// and sends the failed hook then, so CI Radar waits GitLabExpiryGrace past the limit before
// it closes a job itself: GitLab's own word usually comes first, and wins.
const (
	GitLabPendingLimit     = 24 * time.Hour
	GitLabDefaultTimeout   = time.Hour
	GitLabExpiryGrace      = time.Hour
	gitlabShortestDeadline = 10 * time.Minute // GitLab refuses a job timeout under 10 minutes
)

// GitLabExpiryCandidate is an open GitLab job the limits might have ended.
type GitLabExpiryCandidate struct {
	JobID                          int64
	Repo, Status                   string
	QueuedAt, CreatedAt, StartedAt *time.Time
	FirstSeenAt                    time.Time
}

// Deadline is when GitLab's limits ended the job at the latest, and which limit that was;
// ok is false for a job no limit ends: one held by its earlier stages (created) follows
// its pipeline, and a manual job waits for a person as long as it takes.
func (c GitLabExpiryCandidate) Deadline(timeout time.Duration) (end time.Time, why string, ok bool) {
	first := func(ts ...*time.Time) time.Time {
		for _, t := range ts {
			if t != nil {
				return *t
			}
		}
		return c.FirstSeenAt
	}
	switch c.Status {
	case "queued":
		return first(c.QueuedAt, c.CreatedAt).Add(GitLabPendingLimit), "pending longer than GitLab's 24 hours", true
	case "in_progress":
		return first(c.StartedAt, c.QueuedAt, c.CreatedAt).Add(timeout),
			fmt.Sprintf("running longer than its GitLab timeout (%s)", timeout), true
	}
	return time.Time{}, "", false
}

// ExpireGitLabJobs closes GitLab's open jobs past GitLab's own limits, GitLabExpiryGrace
// ago, as expired (closed_by), at the limit. timeout gives a project's job timeout by its
// full path (0: GitLab's default hour). GitHub's rows are left to ExpireJobs.
func (s *Store) ExpireGitLabJobs(ctx context.Context, now time.Time, timeout func(repo string) time.Duration) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT job_id, repo, status, queued_at, created_at, started_at, first_seen_at
		FROM workflow_jobs WHERE forge = 'gitlab' AND status IN ('queued', 'in_progress')
		  AND coalesce(started_at, queued_at, created_at, first_seen_at) < $1`, now.Add(-gitlabShortestDeadline-GitLabExpiryGrace))
	if err != nil {
		return 0, fmt.Errorf("list gitlab jobs to expire: %w", err)
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (GitLabExpiryCandidate, error) {
		var c GitLabExpiryCandidate
		err := r.Scan(&c.JobID, &c.Repo, &c.Status, &c.QueuedAt, &c.CreatedAt, &c.StartedAt, &c.FirstSeenAt)
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("list gitlab jobs to expire: %w", err)
	}
	var items []Item
	for _, c := range cands {
		t := timeout(c.Repo)
		if t <= 0 {
			t = GitLabDefaultTimeout
		}
		end, why, ok := c.Deadline(t)
		if !ok || end.Add(GitLabExpiryGrace).After(now) {
			continue
		}
		it, err := GitLabClosureItem(c.JobID, ClosedExpired, end, now, why)
		if err != nil {
			return 0, err
		}
		items = append(items, it)
	}
	return s.writeClosures(ctx, items)
}

// GitLabClosureItem closes a GitLab job as expired or gone, like ClosureItem for GitHub's:
// the delivery is GitLab's, so the closure lands on the GitLab job of that id.
func GitLabClosureItem(jobID int64, kind string, closedAt, decided time.Time, reason string) (Item, error) {
	if kind != ClosedExpired && kind != ClosedGone {
		return Item{}, fmt.Errorf("close gitlab job %d: %q is not a synthetic closure", jobID, kind)
	}
	body, err := json.Marshal(closurePayload{JobID: jobID, ClosedBy: kind, ClosedAt: closedAt.UTC(), Reason: reason})
	if err != nil {
		return Item{}, fmt.Errorf("encode closure of gitlab job %d: %w", jobID, err)
	}
	d := Delivery{ID: fmt.Sprintf("closure:gitlab:%s:%d", kind, jobID), Event: closureEvent, Action: kind,
		TargetType: APITarget, ReceivedAt: decided.UTC(), Payload: body, Forge: ForgeGitLab}
	p, err := Project(d)
	if err != nil {
		return Item{}, err
	}
	return Item{Delivery: d, Projection: p}, nil
}

package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// GitHub's own limits (docs.github.com, "Usage limits"): past them GitHub ends a job
// itself, and a job still open here past them only missed its last event.
const (
	// QueuedLimit: GitHub cancels a job queued for 24 hours; in practice some last until
	// 48. Closing earlier could close a job GitHub still runs.
	QueuedLimit = 48 * time.Hour
	// ApprovalLimit: a job waiting for an environment approval fails after 30 days.
	ApprovalLimit = 30 * 24 * time.Hour
	// HostedRunLimit and SelfHostedRunLimit bound one job's execution.
	HostedRunLimit     = 6 * time.Hour
	SelfHostedRunLimit = 5 * 24 * time.Hour
	// RunLimit bounds a whole workflow run, and so every job in it.
	RunLimit = 35 * 24 * time.Hour
)

// ExpiryCandidate is an open job as the expiry sweep sees it.
type ExpiryCandidate struct {
	JobID           int64
	Status          string
	Labels          []string
	RunnerName      string
	RunnerGroupName string
	CreatedAt       *time.Time
	StartedAt       *time.Time
	ApprovedAt      *time.Time
	FirstSeenAt     time.Time
}

// Hosted reports a job on a GitHub-hosted runner: only that has the short run limit, so
// without evidence of it a job counts as self-hosted (the longer limit never closes a job
// GitHub still runs).
func (c ExpiryCandidate) Hosted() bool {
	for _, l := range c.Labels {
		if strings.EqualFold(l, "self-hosted") {
			return false
		}
	}
	return strings.EqualFold(c.RunnerGroupName, "GitHub Actions") || strings.HasPrefix(c.RunnerName, "GitHub Actions ")
}

// Deadline is when GitHub's limits ended the job at the latest, and which limit that was.
func (c ExpiryCandidate) Deadline() (time.Time, string) {
	created := c.FirstSeenAt
	if c.CreatedAt != nil {
		created = *c.CreatedAt
	}
	end, why := created.Add(RunLimit), "run older than 35 days"
	earlier := func(t time.Time, reason string) {
		if t.Before(end) {
			end, why = t, reason
		}
	}
	switch c.Status {
	case "queued":
		from := created
		if c.ApprovedAt != nil && c.ApprovedAt.After(from) {
			from = *c.ApprovedAt
		}
		earlier(from.Add(QueuedLimit), "queued longer than 48 hours")
	case "waiting":
		earlier(created.Add(ApprovalLimit), "waiting for approval longer than 30 days")
	case "in_progress":
		started := created
		if c.StartedAt != nil {
			started = *c.StartedAt
		}
		if c.Hosted() {
			earlier(started.Add(HostedRunLimit), "running on a GitHub-hosted runner longer than 6 hours")
		} else {
			earlier(started.Add(SelfHostedRunLimit), "running on a self-hosted runner longer than 5 days")
		}
	}
	return end, why
}

// ExpireJobs closes every open job that has outlived GitHub's limits as of now, as expired,
// its end at the limit. It needs no GitHub credential. It returns how many it closed.
func (s *Store) ExpireJobs(ctx context.Context, now time.Time) (int, error) {
	// The shortest limit is the hosted run limit, counted from the start, which is after
	// the creation: nothing created since now-6h can have expired.
	rows, err := s.pool.Query(ctx, `SELECT job_id, status, labels, runner_name, runner_group_name, created_at, started_at,
			CASE WHEN queued_last_at > waiting_last_at THEN queued_last_at END, first_seen_at
		FROM workflow_jobs WHERE forge = 'github' AND status <> 'completed' AND coalesce(created_at, first_seen_at) < $1`, now.Add(-HostedRunLimit))
	if err != nil {
		return 0, fmt.Errorf("list jobs to expire: %w", err)
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ExpiryCandidate, error) {
		var c ExpiryCandidate
		err := r.Scan(&c.JobID, &c.Status, &c.Labels, &c.RunnerName, &c.RunnerGroupName, &c.CreatedAt, &c.StartedAt,
			&c.ApprovedAt, &c.FirstSeenAt)
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("list jobs to expire: %w", err)
	}
	var items []Item
	for _, c := range cands {
		end, why := c.Deadline()
		if end.After(now) {
			continue
		}
		it, err := ClosureItem(c.JobID, ClosedExpired, end, now, why)
		if err != nil {
			return 0, err
		}
		items = append(items, it)
	}
	return s.writeClosures(ctx, items)
}

// CloseGone closes a job the REST API answered 404 for, as gone, at at.
func (s *Store) CloseGone(ctx context.Context, jobID int64, at time.Time) error {
	it, err := ClosureItem(jobID, ClosedGone, at, at, "the REST API answered 404")
	if err != nil {
		return err
	}
	_, err = s.writeClosures(ctx, []Item{it})
	return err
}

// closureBatch bounds one transaction of closures.
const closureBatch = 500

func (s *Store) writeClosures(ctx context.Context, items []Item) (int, error) {
	n := 0
	for len(items) > 0 {
		b := items[:min(len(items), closureBatch)]
		items = items[len(b):]
		res, err := s.Write(ctx, b)
		if err != nil {
			return n, fmt.Errorf("close jobs: %w", err)
		}
		n += res.Stored
	}
	return n, nil
}

package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// gitlabJobAt stores GitLab's real job hook, edited to a job of id in status, created,
// queued and started at the given times (nil: not yet), received at recv.
func gitlabJobAt(t *testing.T, s *store.Store, repo string, id int64, status string, started *time.Time, queuedFor float64, recv time.Time) {
	t.Helper()
	body := fixtures.GitLabEdited("job", func(doc map[string]any) {
		doc["build_id"], doc["build_status"], doc["build_queued_duration"] = id, status, queuedFor
		doc["project"].(map[string]any)["path_with_namespace"] = repo
		doc["build_created_at_iso"] = recv.Add(-time.Duration(queuedFor * float64(time.Second))).Format(time.RFC3339)
		delete(doc, "build_created_at")
		for _, k := range []string{"build_started_at", "build_finished_at", "build_finished_at_iso", "build_started_at_iso"} {
			delete(doc, k)
		}
		if started != nil {
			doc["build_started_at_iso"] = started.Format(time.RFC3339)
		}
		if status == "pending" || status == "manual" {
			delete(doc, "runner")
		}
	})
	d := store.Delivery{ID: fmt.Sprintf("hook-%d-%s", id, status), Event: store.GitLabJobHook, ReceivedAt: recv, Payload: body, Forge: store.ForgeGitLab}
	p, err := store.Project(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(context.Background(), []store.Item{{Delivery: d, Projection: p}}); err != nil {
		t.Fatal(err)
	}
}

// GitLab's open jobs close as expired at GitLab's own limits, an hour of grace later: a
// pending job after a day, a running one at its project's timeout (an hour by default).
// Manual jobs and jobs held by earlier stages never expire, and GitHub's rows are not
// touched.
func TestExpireGitLabJobs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	const slow = "gitlab-org/slow-builds" // its project timeout is 4h
	cases := []struct {
		name      string
		id        int64
		status    string
		started   *time.Time
		queuedFor float64
		recv      time.Time
		repo      string
		wantEnd   *time.Time // nil: still open
	}{
		{"pending past a day and the grace", 1, "pending", nil, 0, now.Add(-26 * time.Hour), "gitlab-org/gitlab-test", ago(2 * time.Hour)},
		{"pending within the grace", 2, "pending", nil, 0, now.Add(-24*time.Hour - 30*time.Minute), "gitlab-org/gitlab-test", nil},
		{"pending for hours", 3, "pending", nil, 0, now.Add(-10 * time.Hour), "gitlab-org/gitlab-test", nil},
		{"running past the default hour", 4, "running", ago(3 * time.Hour), 5, now.Add(-3 * time.Hour), "gitlab-org/gitlab-test", ago(2 * time.Hour)},
		{"running within a long project timeout", 5, "running", ago(3 * time.Hour), 5, now.Add(-3 * time.Hour), slow, nil},
		{"manual for days", 6, "manual", nil, 0, now.Add(-72 * time.Hour), "gitlab-org/gitlab-test", nil},
		{"held by earlier stages for days", 7, "created", nil, 0, now.Add(-72 * time.Hour), "gitlab-org/gitlab-test", nil},
	}
	for _, c := range cases {
		gitlabJobAt(t, s, c.repo, c.id, c.status, c.started, c.queuedFor, c.recv)
	}
	// A GitHub job with an id of the GitLab ones, queued 30h: within GitHub's 48h.
	ghRecv := now.Add(-30 * time.Hour)
	if _, err := s.Write(ctx, []store.Item{jobItem(t, 1, "queued", ghRecv)}); err != nil {
		t.Fatal(err)
	}
	timeout := func(repo string) time.Duration {
		if repo == slow {
			return 4 * time.Hour
		}
		return 0
	}
	n, err := s.ExpireGitLabJobs(ctx, now, timeout)
	if err != nil || n != 2 {
		t.Fatalf("expired %d, %v; want 2", n, err)
	}
	jobs, err := s.Jobs(ctx, store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.Job{}
	for _, j := range jobs {
		got[fmt.Sprintf("%s:%d", j.Forge, j.JobID)] = j
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := got[fmt.Sprintf("gitlab:%d", c.id)]
			if c.wantEnd == nil {
				if j.Status == "completed" {
					t.Fatalf("closed: %+v", j)
				}
				return
			}
			if j.Status != "completed" || j.ClosedBy != store.ClosedExpired || j.Conclusion != store.ClosedExpired ||
				j.CompletedAt == nil || !j.CompletedAt.Equal(*c.wantEnd) {
				t.Fatalf("status %s closed_by %s conclusion %s end %v; want expired at %v", j.Status, j.ClosedBy, j.Conclusion, j.CompletedAt, c.wantEnd)
			}
		})
	}
	if j := got["github:1"]; j.Status != "queued" {
		t.Fatalf("GitHub job 1 is %s, want queued", j.Status)
	}
	// Deciding again stores nothing new.
	if n, err := s.ExpireGitLabJobs(ctx, now, timeout); err != nil || n != 0 {
		t.Fatalf("second pass expired %d, %v", n, err)
	}
}

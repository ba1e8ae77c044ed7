package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/google/go-github/v62/github"
)

// openJob stores a job GitHub once reported queued or running, created `age` before now.
func openJob(t *testing.T, st *store.Store, repo store.RepoRef, id int64, status string, labels []string, age time.Duration, now time.Time) {
	t.Helper()
	created := github.Timestamp{Time: now.Add(-age)}
	j := &github.WorkflowJob{ID: github.Int64(id), RunID: github.Int64(id), Status: github.String(status),
		Labels: labels, CreatedAt: &created, StartedAt: &created}
	if status == "in_progress" {
		j.RunnerName, j.RunnerGroupName = github.String("GitHub Actions 7"), github.String("GitHub Actions")
	}
	it, err := store.JobItem(repo, j, now.Add(-age))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(context.Background(), []store.Item{it}); err != nil {
		t.Fatal(err)
	}
}

// Without a GitHub credential a cycle still closes jobs past GitHub's limits, and does
// nothing else.
func TestExpiryWithoutCredential(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	repo := store.RepoRef{ID: 1, FullName: "acme/api", Org: "acme"}
	openJob(t, st, repo, 1, "queued", []string{"ubuntu-latest"}, 50*time.Hour, now)
	openJob(t, st, repo, 2, "queued", []string{"ubuntu-latest"}, 2*time.Hour, now)
	openJob(t, st, repo, 3, "in_progress", []string{"ubuntu-latest"}, 7*time.Hour, now)
	r, err := reconcile.New(reconcile.Config{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	cycle, err := r.Cycle(ctx)
	if err != nil || cycle.Expired != 2 || cycle.API.Requests != 0 {
		t.Fatalf("cycle %+v, %v; want 2 jobs expired and no API request", cycle, err)
	}
	got := counts(t, st, `SELECT job_id::text || ' ' || status || '/' || closed_by, count(*) FROM workflow_jobs GROUP BY 1`)
	want := map[string]int{"1 completed/expired": 1, "2 queued/": 1, "3 completed/expired": 1}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("jobs %v, want %v", got, want)
		}
	}
}

// A job the API answers 404 for is closed as gone in the same cycle, and leaves the queue.
func TestGoneJobClosedAtOnce(t *testing.T) {
	e := newEnv(t, envOptions{repos: 2, hours: 3, seed: 3})
	now := e.sim.Now()
	repo := e.sim.World().Repos[0]
	ref := store.RepoRef{ID: repo.ID, FullName: repo.FullName(), Org: repo.Org.Name}
	openJob(t, e.store, ref, 987_654_321, "queued", []string{"ubuntu-latest"}, time.Hour, now)
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, Now: e.sim.Now, StuckAfter: 30 * time.Minute, MaxStuck: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	cycle, err := r.Cycle(context.Background())
	if err != nil || cycle.Gone != 1 {
		t.Fatalf("cycle %+v, %v; want the unknown job closed as gone", cycle, err)
	}
	got := counts(t, e.store, `SELECT status || '/' || conclusion || '/' || closed_by, count(*) FROM workflow_jobs WHERE job_id = 987654321 GROUP BY 1`)
	if got["completed/gone/gone"] != 1 {
		t.Fatalf("job row %v, want completed/gone/gone", got)
	}
}

// Before asking GitHub to redeliver, the reconciler records when each delivery was first
// made, from the hook's delivery listing: the projection's receipt time for it.
func TestRedeliveryRecordsOriginalTime(t *testing.T) {
	e := newEnv(t, envOptions{repos: 2, hours: 6, noise: simulate.Noise{Drop: 0.1}, seed: 12})
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, Hooks: e.hookList(), Now: e.sim.Now, StuckAfter: 1000 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cycle, err := r.Cycle(context.Background())
	if err != nil || cycle.Redelivered == 0 {
		t.Fatalf("cycle %+v, %v; want redeliveries", cycle, err)
	}
	got := map[string]int{}
	for _, row := range pgtest.Rows(t, e.store, `SELECT (o.delivered_at >= $1 AND o.delivered_at <= $2 AND d.received_at > o.delivered_at)::text, count(*)
		FROM delivery_origins o JOIN deliveries d USING (delivery_id) GROUP BY 1`, start, e.sim.Now()) {
		got[row[0].(string)] = int(row[1].(int64))
	}
	if len(got) != 1 || got["true"] != cycle.Redelivered {
		t.Fatalf("origins %v; want all %d redelivered deliveries with their simulated first delivery time", got, cycle.Redelivered)
	}
}

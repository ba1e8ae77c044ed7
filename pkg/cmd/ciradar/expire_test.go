package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/google/go-github/v62/github"
)

// `ciradar reconcile -once` with no GitHub credential at all still closes the jobs past
// GitHub's limits, and leaves younger ones alone.
func TestReconcileOnceWithoutCredential(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewDatabase(t)
	s, err := store.Open(ctx, db, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC()
	repo := store.RepoRef{ID: 1, FullName: "acme/api", Org: "acme"}
	for id, age := range map[int64]time.Duration{1: 50 * time.Hour, 2: time.Hour} {
		created := github.Timestamp{Time: now.Add(-age)}
		it, err := store.JobItem(repo, &github.WorkflowJob{ID: github.Int64(id), RunID: github.Int64(id), Status: github.String("queued"),
			Labels: []string{"ubuntu-latest"}, CreatedAt: &created}, now.Add(-age))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Write(ctx, []store.Item{it}); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(binary, "reconcile", "-once")
	cmd.Env = []string{"CIRADAR_DATABASE_URL=" + db, "PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reconcile -once without a credential: %v\n%s", err, out)
	}
	for id, want := range map[int64]string{1: "completed/expired", 2: "queued/"} {
		var status, closedBy string
		if err := s.Pool().QueryRow(ctx, "SELECT status, closed_by FROM workflow_jobs WHERE job_id = $1", id).Scan(&status, &closedBy); err != nil {
			t.Fatal(err)
		}
		if got := status + "/" + closedBy; got != want {
			t.Errorf("job %d: %s, want %s", id, got, want)
		}
	}
}

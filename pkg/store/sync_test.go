package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/google/go-github/v62/github"
)

// TestJobItemMatchesWebhook: a job fetched from the REST API projects to the same row as
// GitHub's webhook for the same state, and writing it again is a duplicate.
func TestJobItemMatchesWebhook(t *testing.T) {
	ctx := context.Background()
	body := fixtures.Get("workflow_job.completed.1")
	var ev struct {
		WorkflowJob *github.WorkflowJob `json:"workflow_job"`
		Repo        struct {
			ID            int64  `json:"id"`
			FullName      string `json:"full_name"`
			DefaultBranch string `json:"default_branch"`
			Visibility    string `json:"visibility"`
		} `json:"repository"`
		Org struct {
			Login string `json:"login"`
		} `json:"organization"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)
	hook, api := newStore(t), newStore(t)
	if _, err := hook.Write(ctx, []store.Item{item(t, "guid-1", "workflow_job", body, at)}); err != nil {
		t.Fatal(err)
	}
	it, err := store.JobItem(store.RepoRef{ID: ev.Repo.ID, FullName: ev.Repo.FullName, Org: ev.Org.Login, Visibility: ev.Repo.Visibility}, ev.WorkflowJob, at)
	if err != nil {
		t.Fatal(err)
	}
	for want := 1; want >= 0; want-- {
		res, err := api.Write(ctx, []store.Item{it})
		if err != nil || res.Stored != want {
			t.Fatalf("write api job: stored %d, %v; want %d", res.Stored, err, want)
		}
	}
	if a, b := snapshot(t, hook), snapshot(t, api); !reflect.DeepEqual(a, b) {
		t.Errorf("webhook and API rows differ:\n hook %+v\n api  %+v", a.Jobs, b.Jobs)
	}
}

// TestSaveRunnersAndScans: the inventory follows the listing (a runner that disappears is
// marked removed), samples accumulate, and a scanned job counts once per signature.
func TestSaveRunnersAndScans(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)
	a := store.Runner{ID: 1, Name: "acme-linux-01", OS: "Linux", Labels: []string{"self-hosted", "linux"}, Status: "online", Busy: true}
	b := store.Runner{ID: 2, Name: "acme-linux-02", OS: "Linux", Labels: []string{"self-hosted", "linux"}, Status: "offline"}
	if err := s.SaveRunners(ctx, "org:acme", []store.Runner{a, b}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRunners(ctx, "org:acme", []store.Runner{a}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var live, removed, samples int
	var key string
	err := s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE removed_at IS NULL), count(*) FILTER (WHERE removed_at IS NOT NULL),
		(SELECT count(*) FROM runner_samples), min(label_key) FROM runners`).Scan(&live, &removed, &samples, &key)
	if err != nil || live != 1 || removed != 1 || samples != 3 || key != "linux,self-hosted" {
		t.Errorf("runners: %d live, %d removed, %d samples, key %q, %v; want 1, 1, 3, linux,self-hosted", live, removed, samples, key, err)
	}

	scan := store.ScanResult{JobID: 7, Repo: "acme/api", State: store.ScanFound, HTTPStatus: 200, Hash: "h1",
		Text: "--- FAIL: TestX (<dur>)", Excerpt: "--- FAIL: TestX (0.1s)", SeenAt: t0, ScannedAt: t0}
	for range 2 {
		if err := s.SaveScan(ctx, scan); err != nil {
			t.Fatal(err)
		}
	}
	later := scan
	later.JobID, later.SeenAt = 8, t0.Add(-time.Hour)
	if err := s.SaveScan(ctx, later); err != nil {
		t.Fatal(err)
	}
	var count int
	var first time.Time
	if err := s.Pool().QueryRow(ctx, "SELECT count, first_seen FROM error_signatures WHERE signature_hash = 'h1'").Scan(&count, &first); err != nil {
		t.Fatal(err)
	}
	if count != 2 || !first.Equal(t0.Add(-time.Hour)) {
		t.Errorf("signature: count %d, first seen %v; want 2 jobs, first seen an hour earlier", count, first)
	}
}

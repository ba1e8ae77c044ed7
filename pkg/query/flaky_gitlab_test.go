package query_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A GitLab job that failed and passed on retry (a new job of the same pipeline and commit)
// is flaky, and its failed_job_url stays on its own GitLab instance, while the GitHub
// addresses are put on the configured GitHub base.
func TestFlakyJobsGitLabLink(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s := openStore(t, url)
	at := t0.Add(50 * time.Hour)
	var items []store.Item
	for i, status := range []string{"failed", "success"} {
		start := at.Add(time.Duration(i) * 10 * time.Minute)
		body := fixtures.GitLabEdited("job", func(doc map[string]any) {
			doc["build_id"], doc["build_status"], doc["pipeline_id"] = 4100+i, status, 41
			doc["build_created_at_iso"], doc["build_started_at_iso"] = start.Format(time.RFC3339), start.Add(time.Minute).Format(time.RFC3339)
			doc["build_finished_at_iso"] = start.Add(3 * time.Minute).Format(time.RFC3339)
			for _, k := range []string{"build_created_at", "build_started_at", "build_finished_at"} {
				delete(doc, k)
			}
		})
		d := store.Delivery{ID: fmt.Sprintf("gl-%d", i), Event: store.GitLabJobHook, Payload: body, ReceivedAt: start.Add(3 * time.Minute), Forge: store.ForgeGitLab}
		p, err := store.Project(d)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, store.Item{Delivery: d, Projection: p})
	}
	if _, err := s.Write(ctx, items); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	env := query.Env{DB: pool, GitHubWebURL: "https://ghe.example.com"}
	req := query.Request{RefID: "A", From: at.Add(-time.Hour), To: at.Add(time.Hour), Interval: time.Minute, MaxDataPoints: 100, JSON: []byte(`{}`)}
	frames, err := types["flaky_jobs"](ctx, env, req)
	if err != nil {
		t.Fatal(err)
	}
	f := frames[0]
	if f.Rows() != 1 {
		t.Fatalf("%d flaky rows, want 1", f.Rows())
	}
	want := "http://192.168.64.1:3005/gitlab-org/gitlab-test/-/jobs/4100"
	if got := text(f, "failed_job_url", 0); got != want {
		t.Fatalf("failed_job_url %q, want %q", got, want)
	}
	if got := text(f, "repo_url", 0); got != "http://192.168.64.1:3005/gitlab-org/gitlab-test" {
		t.Fatalf("repo_url %q", got)
	}
}

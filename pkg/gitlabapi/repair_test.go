package gitlabapi

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/gitlabapi/gitlabfake"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestNewRefusesBadConfig(t *testing.T) {
	cases := []struct{ name, url, token string }{
		{"no token", DefaultURL, ""},
		{"not a URL", "gitlab.com", "t"},
		{"wrong scheme", "ftp://gitlab.example.com", "t"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(c.url, c.token, nil); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// The repair against a fake GitLab built from GitLab's real pipeline hook: the first cycle
// stores the pipeline and every job (paged), an idle cycle costs one request, an update is
// repaired, and the rows merge with a hook already stored for the same job.
func TestRepairPipelinesSinceCheckpoint(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fake, srv := gitlabfake.Start(t)
	c, err := New(srv.URL, gitlabfake.Token, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c.pageSize = 2
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	first := time.Date(2016, 8, 1, 0, 0, 0, 0, time.UTC)

	// A hook got through for one job before the repair: the repair must not undo it.
	hook := fixtures.GitLabEdited("job", func(doc map[string]any) {
		doc["build_id"], doc["pipeline_id"] = 378, 31
		doc["project"] = map[string]any{"id": 1, "path_with_namespace": "gitlab-org/gitlab-test", "web_url": srv.URL + "/gitlab-org/gitlab-test"}
	})
	d := store.Delivery{ID: "hook-378", Event: store.GitLabJobHook, ReceivedAt: now.Add(-time.Hour), Payload: hook, Forge: store.ForgeGitLab}
	p, err := store.Project(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, []store.Item{{Delivery: d, Projection: p}}); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name                    string
		change                  func()
		wantCalls               int64
		wantPipelines, wantJobs int
		wantStored              int
	}{
		{"first cycle", func() {}, 1 + 3, 1, 5, 6},
		{"idle", func() {}, 1, 0, 0, 0},
		{"pipeline moved on", func() { fake.Update("failed", time.Date(2016, 8, 12, 16, 0, 0, 0, time.UTC), 4, "failed") }, 1 + 3, 1, 5, 2},
		{"idle again", func() {}, 1, 0, 0, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change()
			res, err := c.Repair(ctx, s, s, "gitlab-org/gitlab-test", first, now)
			if err != nil {
				t.Fatal(err)
			}
			if res.Calls != st.wantCalls || res.Pipelines != st.wantPipelines || res.Jobs != st.wantJobs || res.Stored != st.wantStored {
				t.Fatalf("result %+v, want %d calls, %d pipelines, %d jobs, %d stored (requests %v)",
					res, st.wantCalls, st.wantPipelines, st.wantJobs, st.wantStored, fake.Calls())
			}
		})
	}
	jobs, err := s.Jobs(ctx, store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]store.Job{}
	for _, j := range jobs {
		if j.Forge != store.ForgeGitLab || j.ForgeURL != srv.URL || j.Repo != "gitlab-org/gitlab-test" {
			t.Fatalf("job %d: forge %q %q repo %q", j.JobID, j.Forge, j.ForgeURL, j.Repo)
		}
		byID[j.JobID] = j
	}
	if len(byID) != 5 {
		t.Fatalf("%d jobs, want 5", len(byID))
	}
	// 379 was 'created' and became 'failed'; 378 keeps the runner tags its hook gave.
	if j := byID[379]; j.Status != "completed" || j.Conclusion != "failure" {
		t.Fatalf("job 379 %s/%s, want completed/failure", j.Status, j.Conclusion)
	}
	if j := byID[378]; j.LabelKey != "docker,linux" || j.Stage != "test" || j.QueueSeconds() == nil {
		t.Fatalf("job 378 labels %q stage %q queue %v", j.LabelKey, j.Stage, j.QueueSeconds())
	}
	if j := byID[380]; j.Status != "completed" || j.Conclusion != "skipped" || !j.AllowFailure {
		t.Fatalf("job 380 %+v", j)
	}
	// The pipeline's second completion does not replace its first conclusion: runs merge
	// their conclusions as GitHub's attempts do (docs/gitlab.md, "Known gaps").
	runs, err := s.Runs(ctx)
	if err != nil || len(runs) != 1 || runs[0].Forge != store.ForgeGitLab || runs[0].Event != "merge_request_event" ||
		runs[0].Status != "completed" || !runs[0].UpdatedAt.Equal(time.Date(2016, 8, 12, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("runs %+v %v", runs, err)
	}
}

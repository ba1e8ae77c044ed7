package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// GitLab's real Pipeline Hook carries its jobs, which project as their Job Hooks would.
func TestGitLabPipelineHookBuilds(t *testing.T) {
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	p, err := store.Project(store.Delivery{ID: "pl", Event: store.GitLabPipelineHook, Payload: fixtures.GitLabGet("pipeline"),
		ReceivedAt: at, Forge: store.ForgeGitLab})
	if err != nil || p.Run == nil || p.Job != nil {
		t.Fatalf("projection %+v: %v", p, err)
	}
	byID := map[int64]*store.Job{}
	for _, j := range p.Jobs {
		byID[j.JobID] = j
	}
	if len(byID) != 5 || len(p.Jobs) != 5 {
		t.Fatalf("%d jobs, want the hook's 5", len(p.Jobs))
	}
	const web = "http://192.168.64.1:3005/gitlab-org/gitlab-test"
	started := ptrTime("2016-08-12T15:26:12Z")
	queued := started.Add(-196 * time.Second)
	cases := []struct {
		name string
		id   int64
		want store.Job
	}{
		{"finished", 378, store.Job{Stage: "test", JobName: "test-build", Status: "completed", Conclusion: "success", ClosedBy: store.ClosedGitLab,
			RunnerName: "shared-runners-manager-6.gitlab.com", StartedAt: started, CompletedAt: ptrTime("2016-08-12T15:26:29Z"), QueuedAt: &queued}},
		{"finished without finished_at", 377, store.Job{Stage: "test", JobName: "test-image", Status: "completed", Conclusion: "success", ClosedBy: store.ClosedGitLab,
			RunnerName: "shared-runners-manager-6.gitlab.com", StartedAt: started, QueuedAt: &queued}},
		{"held by earlier stages", 379, store.Job{Stage: "deploy", JobName: "staging", Status: "created"}},
		{"skipped manual", 380, store.Job{Stage: "deploy", JobName: "production", Status: "completed", Conclusion: "skipped", ClosedBy: store.ClosedGitLab,
			AllowFailure: true, RunnerName: "shared-runners-manager-1.gitlab.com", RunnerGroupName: "instance_type", Labels: []string{"docker", "gce"}, LabelKey: "docker,gce"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := byID[c.id]
			if j == nil {
				t.Fatalf("job %d not projected", c.id)
			}
			w := c.want
			w.JobID, w.RunID, w.RunAttempt, w.Org, w.Repo, w.RepoID = c.id, 31, 1, "gitlab-org", "gitlab-org/gitlab-test", 1
			w.HeadBranch, w.HeadSHA = "master", "bcbb5ec396a2c0f828686f14fac9b80b780504f2"
			w.CreatedAt, w.RunnerID, w.RunnerGroupID = ptrTime("2016-08-12T15:23:28Z"), j.RunnerID, nil
			w.HTMLURL, w.RunURL = fmt.Sprintf("%s/-/jobs/%d", web, c.id), web+"/-/pipelines/31"
			w.Forge, w.ForgeURL, w.FirstSeenAt, w.LastSeenAt = store.ForgeGitLab, "http://192.168.64.1:3005", at, at
			if (w.RunnerName == "") != (j.RunnerID == nil) {
				t.Fatalf("runner id %v for runner %q", j.RunnerID, w.RunnerName)
			}
			if !reflect.DeepEqual(*j, w) {
				t.Fatalf("job\n got %+v\nwant %+v", *j, w)
			}
		})
	}
}

// A build entry without an id, or one Postgres could not store, is left out; the pipeline
// and its other jobs still project.
func TestGitLabPipelineHookBadBuilds(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(b map[string]any)
		wantN int
	}{
		{"no id", func(b map[string]any) { delete(b, "id") }, 4},
		{"timestamp before 1970", func(b map[string]any) { b["created_at"] = "1969-12-31 00:00:00 UTC" }, 4},
		{"as sent", func(map[string]any) {}, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
				c.edit(doc["builds"].([]any)[1].(map[string]any))
			})
			p, err := store.Project(store.Delivery{ID: "pl", Event: store.GitLabPipelineHook, Payload: body, ReceivedAt: time.Now(), Forge: store.ForgeGitLab})
			if err != nil || p.Run == nil || len(p.Jobs) != c.wantN {
				t.Fatalf("run %v, %d jobs (want %d): %v", p.Run != nil, len(p.Jobs), c.wantN, err)
			}
		})
	}
	body := fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
		doc["builds"].([]any)[0].(map[string]any)["id"] = "380"
	})
	if _, err := store.Project(store.Delivery{ID: "pl", Event: store.GitLabPipelineHook, Payload: body, ReceivedAt: time.Now(), Forge: store.ForgeGitLab}); err == nil {
		t.Fatal("a build id sent as text was accepted")
	}
}

// BenchmarkProjectGitLabPipelineHook parses GitLab's real Pipeline Hook into its run and
// jobs, as sent (5 builds) and with its builds repeated up to the projected cap.
func BenchmarkProjectGitLabPipelineHook(b *testing.B) {
	for _, n := range []int{5, store.MaxPipelineBuilds} {
		body := fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
			real := doc["builds"].([]any)
			builds := make([]any, 0, n)
			for i := range n {
				c := map[string]any{}
				for k, v := range real[i%len(real)].(map[string]any) {
					c[k] = v
				}
				c["id"] = 1000 + i
				builds = append(builds, c)
			}
			doc["builds"] = builds
		})
		b.Run(fmt.Sprintf("builds=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			d := store.Delivery{ID: "pl", Event: store.GitLabPipelineHook, Payload: body, ReceivedAt: time.Now(), Forge: store.ForgeGitLab}
			for b.Loop() {
				if p, err := store.Project(d); err != nil || len(p.Jobs) != n {
					b.Fatalf("%d jobs: %v", len(p.Jobs), err)
				}
			}
		})
	}
}

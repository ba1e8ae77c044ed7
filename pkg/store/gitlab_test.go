package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

func ptrTime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// GitLab's real hooks project onto the shared model as docs/gitlab.md maps them.
func TestGitLabProjectsRealHooks(t *testing.T) {
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	project := func(name, event string) store.Projection {
		p, err := store.Project(store.Delivery{ID: name, Event: event, Payload: fixtures.GitLabGet(name), ReceivedAt: at, Forge: store.ForgeGitLab})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return p
	}
	t.Run("job hook", func(t *testing.T) {
		p := project("job", store.GitLabJobHook)
		j := p.Job
		if p.Action != "success" || j == nil || p.Run != nil {
			t.Fatalf("projection %+v", p)
		}
		queued := ptrTime("2023-01-10T13:50:05Z").Add(-193009 * time.Microsecond)
		want := store.Job{JobID: 3580121225, RunID: 743121198, RunAttempt: 1,
			// The hook's project, not its repository: they disagree in GitLab's example.
			Org: "gitlab-org", Repo: "gitlab-org/gitlab-test", RepoID: 1,
			WorkflowName: "Build pipeline", JobName: "auto_deploy:start", Stage: "coordinated:tag",
			HeadBranch: "main", HeadSHA: "95d49d1efbd941908580e79d65e4b5ecaf4a8305",
			Labels: []string{"linux", "docker"}, LabelKey: "docker,linux",
			RunnerID: j.RunnerID, RunnerName: "4-blue.shared.runners-manager.gitlab.com/default", RunnerGroupName: "instance_type",
			Status: "completed", Conclusion: "success", ClosedBy: store.ClosedGitLab,
			CreatedAt: ptrTime("2023-01-10T13:50:02Z"), StartedAt: ptrTime("2023-01-10T13:50:05Z"),
			CompletedAt: ptrTime("2023-01-10T13:50:54Z"), QueuedAt: &queued,
			HTMLURL: "http://192.168.64.1:3005/gitlab-org/gitlab-test/-/jobs/3580121225",
			RunURL:  "http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/743121198",
			Forge:   store.ForgeGitLab, ForgeURL: "http://192.168.64.1:3005",
			FirstSeenAt: at, LastSeenAt: at}
		if j.RunnerID == nil || *j.RunnerID != 12270837 {
			t.Fatalf("runner id %v", j.RunnerID)
		}
		if !reflect.DeepEqual(*j, want) {
			t.Fatalf("job\n got %+v\nwant %+v", *j, want)
		}
		if q := j.QueueSeconds(); q == nil || *q < 0.19 || *q > 0.2 {
			t.Fatalf("queue seconds %v, want GitLab's queued_duration 0.193", q)
		}
	})
	t.Run("older job hook without project", func(t *testing.T) {
		j := project("build", store.GitLabJobHook).Job
		// 'created': held by its earlier stages, asking no runner yet; its runner is not real.
		if j.Status != "created" || j.RunnerName != "" || j.Labels != nil || j.StartedAt != nil {
			t.Fatalf("created job %+v", j)
		}
		if j.Repo != "gitlab-org/gitlab-test" || j.Org != "gitlab-org" || j.RepoID != 380 || j.ForgeURL != "http://192.168.64.1:3005" {
			t.Fatalf("place from repository.homepage: %q %q %d %q", j.Repo, j.Org, j.RepoID, j.ForgeURL)
		}
		if !j.CreatedAt.Equal(*ptrTime("2021-02-23T02:41:37.886Z")) || j.FailureReason != "" {
			t.Fatalf("created_at %v, failure reason %q", j.CreatedAt, j.FailureReason)
		}
	})
	t.Run("pipeline hook", func(t *testing.T) {
		p := project("pipeline", store.GitLabPipelineHook)
		r := p.Run
		if p.Action != "success" || r == nil || p.Job != nil {
			t.Fatalf("projection %+v", p)
		}
		want := store.Run{RunID: 31, RunAttempt: 1, Org: "gitlab-org", Repo: "gitlab-org/gitlab-test", RepoID: 1,
			DisplayTitle: "test", RunNumber: 123, Event: "merge_request_event", Actor: "user1", TriggeringActor: "user1",
			Status: "completed", Conclusion: "success", HeadBranch: "master", HeadSHA: "bcbb5ec396a2c0f828686f14fac9b80b780504f2",
			DefaultBranch: "master", RepoVisibility: "public", PullRequests: []int32{1},
			CreatedAt: ptrTime("2016-08-12T15:23:28Z"), UpdatedAt: ptrTime("2016-08-12T15:26:29Z"),
			HTMLURL: "http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/31",
			Forge:   store.ForgeGitLab, ForgeURL: "http://192.168.64.1:3005", FirstSeenAt: at, LastSeenAt: at}
		if !reflect.DeepEqual(*r, want) {
			t.Fatalf("run\n got %+v\nwant %+v", *r, want)
		}
	})
}

// Nested groups keep their whole path as the org, and a self-managed instance under a
// relative URL keeps it in its base URL.
func TestGitLabPlaces(t *testing.T) {
	cases := []struct {
		name, path, web, wantOrg, wantURL string
	}{
		{"top-level group", "acme/api", "https://gitlab.com/acme/api", "acme", "https://gitlab.com"},
		{"nested groups", "a/b/c/project", "https://gitlab.com/a/b/c/project", "a/b/c", "https://gitlab.com"},
		{"relative URL root", "team/app", "https://example.com/gitlab/team/app", "team", "https://example.com/gitlab"},
		{"user namespace on a port", "jsmith/tool", "http://10.0.0.5:8080/jsmith/tool/", "jsmith", "http://10.0.0.5:8080"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
				p := doc["project"].(map[string]any)
				p["path_with_namespace"], p["web_url"] = c.path, c.web
			})
			p, err := store.Project(store.Delivery{ID: "x", Event: store.GitLabPipelineHook, Payload: body, ReceivedAt: time.Now(), Forge: store.ForgeGitLab})
			if err != nil {
				t.Fatal(err)
			}
			if p.Run.Org != c.wantOrg || p.Run.Repo != c.path || p.Run.ForgeURL != c.wantURL {
				t.Fatalf("org %q repo %q url %q, want %q %q %q", p.Run.Org, p.Run.Repo, p.Run.ForgeURL, c.wantOrg, c.path, c.wantURL)
			}
		})
	}
}

// A GitLab payload whose fields have the wrong type, or that is not JSON, is malformed;
// every other GitLab event is kept raw without a projection.
func TestGitLabBadAndOtherPayloads(t *testing.T) {
	set := func(name, key string, v any) []byte {
		return fixtures.GitLabEdited(name, func(doc map[string]any) { doc[key] = v })
	}
	bad := []struct {
		name, event string
		body        []byte
	}{
		{"job id as a string", store.GitLabJobHook, set("job", "build_id", "3580121225")},
		{"job without an id", store.GitLabJobHook, set("job", "build_id", nil)},
		{"pipeline id as a string", store.GitLabPipelineHook, fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
			doc["object_attributes"].(map[string]any)["id"] = "31"
		})},
		{"pipeline without attributes", store.GitLabPipelineHook, set("pipeline", "object_attributes", nil)},
		{"queued duration as text", store.GitLabJobHook, set("job", "build_queued_duration", "fast")},
		{"timestamp as a number", store.GitLabJobHook, set("job", "build_created_at", 1673358602)},
		{"timestamp in no GitLab form", store.GitLabJobHook, set("job", "build_started_at", "yesterday")},
		{"runner tags not a list", store.GitLabJobHook, fixtures.GitLabEdited("job", func(doc map[string]any) {
			doc["runner"].(map[string]any)["tags"] = "linux"
		})},
		{"not JSON", store.GitLabJobHook, []byte(`{"build_id": 1,`)},
		{"other event, not JSON", "Push Hook", []byte(`not json`)},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := store.Project(store.Delivery{ID: "x", Event: c.event, Payload: c.body, ReceivedAt: time.Now(), Forge: store.ForgeGitLab})
			if !errors.Is(err, store.ErrMalformed) {
				t.Fatalf("error %v, want ErrMalformed", err)
			}
		})
	}
	for _, p := range fixtures.GitLab() {
		if p.Event == store.GitLabJobHook || p.Event == store.GitLabPipelineHook {
			continue
		}
		t.Run("raw "+p.Name, func(t *testing.T) {
			got, err := store.Project(store.Delivery{ID: p.Name, Event: p.Event, Payload: p.Body, ReceivedAt: time.Now(), Forge: store.ForgeGitLab})
			if err != nil || got.Job != nil || got.Run != nil {
				t.Fatalf("projection %+v, %v: want none, no error", got, err)
			}
		})
	}
}

// A GitLab job and a GitHub job with the same id are two rows; so are a pipeline and a run.
func TestGitLabIDsDoNotCollideWithGitHub(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 11, 4, 8, 0, 0, 0, time.UTC)
	gh := jobEvent{jobID: 3580121225, runID: 31, status: "completed", created: at, started: at.Add(time.Minute),
		completed: at.Add(time.Hour), conclusion: "failure", runner: "gh-runner", labels: []string{"ubuntu-latest"}}
	items := []store.Item{
		item(t, "gh-job", "workflow_job", gh.payload(t), at),
		item(t, "gh-run", "workflow_run", fixtures.Edited("workflow_run.completed.1", func(doc map[string]any) {
			doc["workflow_run"].(map[string]any)["id"] = 31
		}), at),
		gitlabItem(t, "gl-job", store.GitLabJobHook, fixtures.GitLabGet("job"), at),
		// Without its builds, which would add jobs of their own (gitlab_builds_test.go).
		gitlabItem(t, "gl-pipeline", store.GitLabPipelineHook, fixtures.GitLabEdited("pipeline", func(doc map[string]any) { delete(doc, "builds") }), at),
	}
	if _, err := s.Write(ctx, items); err != nil {
		t.Fatal(err)
	}
	snap := snapshot(t, s)
	if len(snap.Jobs) != 2 || len(snap.Runs) != 2 {
		t.Fatalf("%d jobs, %d runs; want 2 and 2", len(snap.Jobs), len(snap.Runs))
	}
	forges := map[string]store.Job{}
	for _, j := range snap.Jobs {
		forges[j.Forge] = j
	}
	if forges["github"].RunnerName != "gh-runner" || forges["gitlab"].Stage != "coordinated:tag" ||
		forges["github"].ForgeURL != "https://github.com" {
		t.Fatalf("rows mixed up: %+v", forges)
	}
	var deliveries map[string]string = map[string]string{}
	rows, err := s.Pool().Query(ctx, "SELECT delivery_id, forge FROM deliveries")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, forge string
		if err := rows.Scan(&id, &forge); err != nil {
			t.Fatal(err)
		}
		deliveries[id] = forge
	}
	if deliveries["gh-job"] != "github" || deliveries["gl-job"] != "gitlab" || deliveries["gl-pipeline"] != "gitlab" {
		t.Fatalf("delivery forges %v", deliveries)
	}
}

// The projection invariants for GitLab: duplicates count once, any order and any batching
// of a job's hooks give the same row, status only moves forward, and reproject rebuilds the
// same rows. Jobs follow GitLab's paths: created, pending, running, finished; manual jobs
// wait for a person first; a job hook may come before its pipeline's.
func TestGitLabOrderIndependenceAndReproject(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const jobs, permutations = 30, 8
	rng := rand.New(rand.NewPCG(19, 25))
	base := time.Date(2026, 10, 2, 8, 0, 0, 0, time.UTC)
	type ev struct {
		job int
		e   gitlabJobEvent
	}
	var events []ev
	for j := range jobs {
		created := base.Add(time.Duration(rng.IntN(3600)) * time.Second)
		queued := created.Add(time.Duration(60+rng.IntN(600)) * time.Second) // earlier stages ran meanwhile
		started := queued.Add(time.Duration(1+rng.IntN(300)) * time.Second)
		e := gitlabJobEvent{created: created, queued: queued, started: started,
			finished: started.Add(time.Duration(30+rng.IntN(3000)) * time.Second), allowFailure: j%5 == 0,
			runner: []string{"docker-1", "docker-2", "gpu-1"}[rng.IntN(3)],
			tags:   [][]string{{"docker", "linux"}, {"gpu"}, {"saas-linux-small-amd64"}}[rng.IntN(3)]}
		final := []string{"success", "failed", "canceled"}[rng.IntN(3)]
		path := []string{"created", "pending", "running", final}
		if j%4 == 0 {
			path = []string{"created", "manual", "pending", "running", final}
		}
		for k, st := range path {
			x := e
			x.status = st
			// Hooks leave when their state begins: pending at the queue, running at the start.
			switch st {
			case "created":
				x.received = created
			case "manual":
				x.received = created.Add(queued.Sub(created) / 3)
			case "pending":
				x.received = queued.Add(time.Second)
			case "running":
				x.received = started
			default:
				x.received = e.finished
			}
			_ = k
			events = append(events, ev{job: j, e: x})
		}
	}
	var want map[int64]store.Job
	for p := range permutations {
		offset := int64(p+1) * 1_000_000
		order := rng.Perm(len(events))
		if p == 0 {
			order = reverse(len(events))
		}
		var batch []store.Item
		flush := func() {
			if _, err := s.Write(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
		for i, idx := range order {
			e := events[idx]
			je := e.e
			je.jobID, je.pipelineID = offset+int64(e.job), offset+int64(e.job/3)
			id := gitlabDeliveryID(je.jobID, je.status, 0)
			it := gitlabItem(t, id, store.GitLabJobHook, je.payload(t), je.received)
			batch = append(batch, it)
			if i%7 == 0 { // a duplicate: the same delivery again, received later
				batch = append(batch, gitlabItem(t, id, store.GitLabJobHook, je.payload(t), je.received.Add(time.Hour)))
			}
			if rng.IntN(4) == 0 {
				flush()
			}
		}
		flush()
		got := jobsByLocalID(t, s, offset)
		if len(got) != jobs {
			t.Fatalf("permutation %d: %d rows, want %d", p, len(got), jobs)
		}
		for id, g := range got {
			// The links name the copy's own ids: checked here, then left out of the comparison.
			if !strings.HasSuffix(g.HTMLURL, fmt.Sprintf("/-/jobs/%d", offset+id)) || !strings.Contains(g.RunURL, "/-/pipelines/") {
				t.Fatalf("job %d links %q %q", id, g.HTMLURL, g.RunURL)
			}
			g.HTMLURL, g.RunURL = "", ""
			got[id] = g
		}
		if want == nil {
			want = got
			continue
		}
		for id, w := range want {
			if g := got[id]; !reflect.DeepEqual(g, w) {
				t.Fatalf("permutation %d, job %d differs:\n got %+v\nwant %+v", p, id, g, w)
			}
		}
	}
	for id, j := range want {
		e := events[slices.IndexFunc(events, func(x ev) bool { return x.job == int(id) })].e
		q := j.QueueSeconds()
		if j.Status != "completed" || j.Forge != store.ForgeGitLab || j.QueuedAt == nil || q == nil {
			t.Fatalf("job %d not fully merged: %+v", id, j)
		}
		// The queue is GitLab's pending time, never the wait for earlier stages or a person.
		if wantQ := e.started.Sub(e.queued).Seconds(); *q != wantQ {
			t.Fatalf("job %d queue %v s, want %v s", id, *q, wantQ)
		}
		mw := j.ManualWaitSeconds()
		if (id%4 == 0) != (mw != nil) || (mw != nil && *mw <= 0) {
			t.Fatalf("job %d manual wait %v", id, mw)
		}
		if j.ApprovalWait() != 0 || j.AllowFailure != (id%5 == 0) {
			t.Fatalf("job %d approval wait %v, allow_failure %v", id, j.ApprovalWait(), j.AllowFailure)
		}
	}

	// Pipelines come after their jobs (and one never comes): their rows join, the jobs stay.
	for k := range int64(jobs / 3) {
		if k == 0 {
			continue
		}
		body := gitlabPipeline(1_000_000+k, "success", "schedule", base)
		if _, err := s.Write(ctx, []store.Item{gitlabItem(t, "pl-"+string(rune('a'+k)), store.GitLabPipelineHook, body, base.Add(2*time.Hour))}); err != nil {
			t.Fatal(err)
		}
	}
	live := snapshot(t, s)
	if st, err := s.Reproject(ctx, 13); err != nil || st.Skipped != 0 || st.Projected == 0 {
		t.Fatalf("reproject: %+v %v", st, err)
	}
	if rebuilt := snapshot(t, s); !reflect.DeepEqual(live, rebuilt) {
		t.Fatalf("reprojected GitLab rows differ from live ingest")
	}
	var nightly int
	if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM workflow_runs WHERE forge = 'gitlab' AND event = 'schedule'").Scan(&nightly); err != nil || nightly != jobs/3-1 {
		t.Fatalf("%d scheduled pipelines (%v), want %d", nightly, err, jobs/3-1)
	}
}

// Status only moves forward through GitLab's paths, and a job's times are never erased.
func TestGitLabStatusOnlyMovesForward(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2026, 9, 2, 10, 0, 0, 0, time.UTC)
	e := gitlabJobEvent{jobID: 77, pipelineID: 7, created: created, queued: created.Add(time.Minute),
		started: created.Add(2 * time.Minute), finished: created.Add(5 * time.Minute), runner: "r1", tags: []string{"docker"}}
	cases := []struct {
		name     string
		sequence []string
		want     string
	}{
		{"in order", []string{"created", "pending", "running", "success"}, "completed"},
		{"finished first", []string{"failed", "created", "pending", "running"}, "completed"},
		{"running then stale pending", []string{"running", "pending", "created"}, "in_progress"},
		{"manual path", []string{"created", "manual", "pending"}, "waiting"},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			je := e
			je.jobID += int64(ci)
			var prev *store.Job
			for i, st := range c.sequence {
				je.status, je.received = st, created.Add(time.Duration(i)*time.Second)
				if _, err := s.Write(ctx, []store.Item{gitlabItem(t, gitlabDeliveryID(je.jobID, st, i), store.GitLabJobHook, je.payload(t), je.received)}); err != nil {
					t.Fatal(err)
				}
				cur := jobsByLocalID(t, s, 0)[je.jobID]
				if prev != nil {
					if glRank(cur.Status) < glRank(prev.Status) {
						t.Fatalf("after %s: status went back from %s to %s", st, prev.Status, cur.Status)
					}
					if prev.StartedAt != nil && (cur.StartedAt == nil || !cur.StartedAt.Equal(*prev.StartedAt)) {
						t.Fatalf("after %s: started_at changed from %v to %v", st, prev.StartedAt, cur.StartedAt)
					}
				}
				prev = &cur
			}
			if prev.Status != c.want {
				t.Fatalf("final status %s, want %s", prev.Status, c.want)
			}
		})
	}
}

func glRank(status string) int {
	return map[string]int{"created": 1, "queued": 2, "waiting": 3, "in_progress": 4, "completed": 5}[status]
}

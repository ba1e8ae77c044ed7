package gitlabapi

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/gitlabapi/gitlabfake"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// A reconcile cycle's API cost against the fake GitLab: the first cycle lists the group,
// repairs its project, asks about its two old open jobs (one still running, one GitLab no
// longer knows: closed as gone), reads its job timeout, lists the runners and signs a
// failed job's trace; an idle cycle costs one request for the
// project (the group listing is kept for an hour, the timeout for a day); a backfill loads
// the same pipeline again without moving the reconciler's checkpoint, and stores nothing
// new. A job running past the project's own timeout (2h here, not GitLab's default hour)
// is closed as expired, an hour of grace later.
func TestSyncCycleCost(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fake, _, srv := startWithRunnerDetails(t)
	c, err := New(srv.URL, gitlabfake.Token, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c.pageSize = 2
	now := time.Date(2016, 8, 13, 0, 0, 0, 0, time.UTC)
	sync := &Sync{Client: c, Store: s, Groups: []string{"gitlab-org"}, Lookback: 30 * 24 * time.Hour}
	// A job of the project running since 2.5h before the first cycle: past GitLab's default
	// hour and its grace, within the project's 2h and the grace until an hour later.
	started := now.Add(-150 * time.Minute)
	hook := fixtures.GitLabEdited("job", func(doc map[string]any) {
		doc["build_id"], doc["build_status"], doc["pipeline_id"] = 999, "running", 31
		doc["build_started_at_iso"] = started.Format(time.RFC3339)
		for _, k := range []string{"build_started_at", "build_finished_at", "build_finished_at_iso"} {
			delete(doc, k)
		}
	})
	// GitLab still says it runs when asked (a stuck check); job 1001, open as well, it no
	// longer knows.
	fake.Single = map[string]any{"999": map[string]any{"id": 999, "name": "slow", "stage": "test", "status": "running",
		"started_at": started.Format(time.RFC3339), "created_at": started.Format(time.RFC3339),
		"pipeline": map[string]any{"id": 31, "project_id": 1, "ref": "main", "sha": "abc"}},
		// The pipeline's staging deploy, held by its earlier stages for good: asked about
		// once it has been so for a day, and still so.
		"379": map[string]any{"id": 379, "name": "staging", "stage": "deploy", "status": "created",
			"created_at": "2016-08-12T15:23:28Z", "pipeline": map[string]any{"id": 31, "project_id": 1, "ref": "main", "sha": "abc"}}}
	gone := fixtures.GitLabEdited("job", func(doc map[string]any) {
		doc["build_id"], doc["build_status"], doc["pipeline_id"] = 1001, "running", 31
		doc["build_started_at_iso"] = started.Format(time.RFC3339)
		for _, k := range []string{"build_started_at", "build_finished_at", "build_finished_at_iso"} {
			delete(doc, k)
		}
	})
	// And a job that failed, whose trace the first cycle signs.
	fake.Traces["1000"] = traceFailedTest
	failed := fixtures.GitLabEdited("job", func(doc map[string]any) {
		doc["build_id"], doc["build_status"], doc["pipeline_id"] = 1000, "failed", 31
		doc["build_failure_reason"] = "script_failure"
	})
	for _, d := range []store.Delivery{
		{ID: "hook-999", Event: store.GitLabJobHook, ReceivedAt: started, Payload: hook, Forge: store.ForgeGitLab},
		{ID: "hook-1000", Event: store.GitLabJobHook, ReceivedAt: started, Payload: failed, Forge: store.ForgeGitLab},
		{ID: "hook-1001", Event: store.GitLabJobHook, ReceivedAt: started, Payload: gone, Forge: store.ForgeGitLab},
	} {
		p, err := store.Project(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Write(ctx, []store.Item{{Delivery: d, Projection: p}}); err != nil {
			t.Fatal(err)
		}
	}

	steps := []struct {
		name                             string
		at                               time.Time
		run                              func(at time.Time) (calls int64, projects, pipelines, stored int, err error)
		wantCalls                        int64
		wantProjects, wantPipes, wantNew int
	}{
		{"first cycle: group, pipelines, 3 pages of jobs, 2 stuck jobs, timeout, 2 pages of runners and their 3 tags, a trace", now, cycle(sync), 1 + 1 + 3 + 2 + 1 + 2 + 3 + 1, 1, 1, 6},
		{"idle cycle: one request", now.Add(time.Minute), cycle(sync), 1, 1, 0, 0},
		{"idle again", now.Add(2 * time.Minute), cycle(sync), 1, 1, 0, 0},
		{"backfill: everything again, nothing new", now.Add(3 * time.Minute), func(at time.Time) (int64, int, int, int, error) {
			st, err := c.Backfill(ctx, s, nil, []string{"gitlab-org"}, at.Add(-30*24*time.Hour), at)
			return st.Calls, st.Projects, st.Pipelines, st.Stored, err
		}, 1 + 1 + 3, 1, 1, 0},
		{"idle after the backfill: its positions were its own", now.Add(4 * time.Minute), cycle(sync), 1, 1, 0, 0},
		{"group and runners listed again after an hour; the running job, asked again, expires", now.Add(2 * time.Hour), cycle(sync), 1 + 1 + 1 + 2, 1, 0, 1},
		{"timeout and runners' tags read again after a day, and the job held for a day asked about", now.Add(26 * time.Hour), cycle(sync), 1 + 1 + 1 + 1 + 2 + 3, 1, 0, 0},
		{"the held job is not asked again within a day", now.Add(27 * time.Hour), cycle(sync), 1 + 1 + 2, 1, 0, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			calls, projects, pipes, stored, err := st.run(st.at)
			if err != nil {
				t.Fatal(err)
			}
			if calls != st.wantCalls || projects != st.wantProjects || pipes != st.wantPipes || stored != st.wantNew {
				t.Fatalf("%d calls, %d projects, %d pipelines, %d stored; want %d, %d, %d, %d (requests %v)",
					calls, projects, pipes, stored, st.wantCalls, st.wantProjects, st.wantPipes, st.wantNew, fake.Calls())
			}
		})
	}
	// A runner unregistered is marked removed at the next listing.
	fake.Mu.Lock()
	fake.Runners = fake.Runners[:2]
	fake.Mu.Unlock()
	if calls, _, _, _, err := cycle(sync)(now.Add(28 * time.Hour)); err != nil || calls != 1+1+1 {
		t.Fatalf("%d calls, %v; want the group, the pipelines and one page of runners", calls, err)
	}
	// The held job's pipeline is deleted: GitLab forgets the job, and the next day's check
	// closes it as gone rather than leaving it open for ever.
	fake.Mu.Lock()
	delete(fake.Single, "379")
	fake.Mu.Unlock()
	if _, _, _, _, err := cycle(sync)(now.Add(51 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"gitlab:group:gitlab-org 12270837 4-blue.shared.runners-manager.gitlab.com/default group_type online f docker,linux",
		"gitlab:group:gitlab-org 12270838 group-runner-2 group_type online f gpu",
		"gitlab:group:gitlab-org 12270839 group-runner-3 group_type offline t ",
	}
	if got := gitlabRunners(t, s); !slices.Equal(got, want) {
		t.Fatalf("runners\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var occ string
	if err := s.Pool().QueryRow(ctx, `SELECT format('%s %s %s %s', o.forge, o.job_id, o.repo, g.text) FROM error_occurrences o
		JOIN error_signatures g USING (signature_hash)`).Scan(&occ); err != nil {
		t.Fatalf("error occurrences: %v", err)
	}
	if !strings.HasPrefix(occ, "gitlab 1000 gitlab-org/gitlab-test --- FAIL: TestParseConfig") {
		t.Fatalf("occurrence %q", occ)
	}
	jobs, err := s.Jobs(ctx, store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, j := range jobs {
		if j.JobID == 1001 && j.ClosedBy != store.ClosedGone {
			t.Fatalf("job 1001 closed_by %q, want gone", j.ClosedBy)
		}
		found = found || j.JobID == 999
		if j.JobID == 379 && j.ClosedBy != store.ClosedGone {
			t.Fatalf("job 379 (held, then forgotten) closed_by %q, want gone", j.ClosedBy)
		}
		if j.JobID == 999 && (j.Forge != store.ForgeGitLab || j.ClosedBy != store.ClosedExpired || j.CompletedAt == nil ||
			!j.CompletedAt.Equal(started.Add(2*time.Hour))) {
			t.Fatalf("job 999: forge %s closed_by %q end %v, want expired at the 2h timeout", j.Forge, j.ClosedBy, j.CompletedAt)
		}
	}
	if !found {
		t.Fatal("job 999 is missing")
	}
}

// gitlabRunners reads the GitLab runner inventory: id, name, group, status, removed, labels.
func gitlabRunners(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT format('%s %s %s %s %s %s %s', scope, runner_id, name, runner_group_name, status, removed_at IS NOT NULL, label_key)
		FROM runners WHERE forge = 'gitlab' ORDER BY runner_id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// cycle runs one Sync cycle; what it stored counts its expiries too.
func cycle(s *Sync) func(time.Time) (int64, int, int, int, error) {
	return func(at time.Time) (int64, int, int, int, error) {
		st, err := s.Cycle(context.Background(), at)
		return st.Calls, st.Projects, st.Pipelines, st.Stored + st.Expired, err
	}
}

// A wrong token is refused by GitLab; the cycle says so and stores nothing.
func TestSyncWrongToken(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, srv := gitlabfake.Start(t)
	c, err := New(srv.URL, "glpat-wrong", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	sync := &Sync{Client: c, Store: s, Projects: []string{"gitlab-org/gitlab-test"}}
	st, err := sync.Cycle(ctx, time.Now())
	if err == nil || st.Stored != 0 || st.Projects != 0 {
		t.Fatalf("stats %+v, error %v; want a refusal and nothing stored", st, err)
	}
	if jobs, err := s.Jobs(ctx, store.JobFilter{}); err != nil || len(jobs) != 0 {
		t.Fatalf("jobs %v, %v", jobs, err)
	}
}

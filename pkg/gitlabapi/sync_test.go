package gitlabapi

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// A reconcile cycle's API cost against the fake GitLab: the first cycle lists the group and
// repairs its project; an idle cycle costs one request for the project (the group listing
// is kept for an hour); a backfill loads the same pipeline again without moving the
// reconciler's checkpoint, and stores nothing new.
func TestSyncCycleCost(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fake, srv := startFake(t)
	c, err := New(srv.URL, "glpat-test", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c.pageSize = 2
	now := time.Date(2016, 8, 13, 0, 0, 0, 0, time.UTC)
	sync := &Sync{Client: c, Store: s, Groups: []string{"gitlab-org"}, Lookback: 30 * 24 * time.Hour}

	steps := []struct {
		name                             string
		at                               time.Time
		run                              func(at time.Time) (calls int64, projects, pipelines, stored int, err error)
		wantCalls                        int64
		wantProjects, wantPipes, wantNew int
	}{
		{"first cycle: group, pipelines, 3 pages of jobs", now, cycle(sync), 1 + 1 + 3, 1, 1, 6},
		{"idle cycle: one request", now.Add(time.Minute), cycle(sync), 1, 1, 0, 0},
		{"idle again", now.Add(2 * time.Minute), cycle(sync), 1, 1, 0, 0},
		{"backfill: everything again, nothing new", now.Add(3 * time.Minute), func(at time.Time) (int64, int, int, int, error) {
			st, err := c.Backfill(ctx, s, nil, []string{"gitlab-org"}, at.Add(-30*24*time.Hour), at)
			return st.Calls, st.Projects, st.Pipelines, st.Stored, err
		}, 1 + 1 + 3, 1, 1, 0},
		{"idle after the backfill: its positions were its own", now.Add(4 * time.Minute), cycle(sync), 1, 1, 0, 0},
		{"group listed again after an hour", now.Add(2 * time.Hour), cycle(sync), 1 + 1, 1, 0, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			calls, projects, pipes, stored, err := st.run(st.at)
			if err != nil {
				t.Fatal(err)
			}
			if calls != st.wantCalls || projects != st.wantProjects || pipes != st.wantPipes || stored != st.wantNew {
				t.Fatalf("%d calls, %d projects, %d pipelines, %d stored; want %d, %d, %d, %d (requests %v)",
					calls, projects, pipes, stored, st.wantCalls, st.wantProjects, st.wantPipes, st.wantNew, fake.calls())
			}
		})
	}
}

func cycle(s *Sync) func(time.Time) (int64, int, int, int, error) {
	return func(at time.Time) (int64, int, int, int, error) {
		st, err := s.Cycle(context.Background(), at)
		return st.Calls, st.Projects, st.Pipelines, st.Stored, err
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
	_, srv := startFake(t)
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

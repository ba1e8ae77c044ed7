package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/gitlabapi"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// gitlabRecorder stands in for the GitLab part of a cycle (its own tests run it against a
// fake GitLab API); here the question is only whether a cycle runs it, without a GitHub
// credential, and reports what it said.
type gitlabRecorder struct {
	cycles int
	at     time.Time
	stats  gitlabapi.SyncStats
	err    error
}

func (g *gitlabRecorder) Cycle(_ context.Context, now time.Time) (gitlabapi.SyncStats, error) {
	g.cycles++
	g.at = now
	return g.stats, g.err
}

func TestCycleRunsGitLab(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		gl      *gitlabRecorder
		wantErr string
	}{
		{"repairs", &gitlabRecorder{stats: gitlabapi.SyncStats{Projects: 2, Pipelines: 3, Jobs: 7, Calls: 5}}, ""},
		{"a failure is the cycle's error", &gitlabRecorder{err: errors.New("401 Unauthorized")}, "gitlab: 401 Unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(Config{Store: st, GitLab: c.gl, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			cs, err := r.Cycle(ctx)
			if c.gl.cycles != 1 || !c.gl.at.Equal(now) {
				t.Fatalf("GitLab ran %d times at %v", c.gl.cycles, c.gl.at)
			}
			if cs.GitLab != c.gl.stats {
				t.Fatalf("cycle stats %+v, want %+v", cs.GitLab, c.gl.stats)
			}
			if (c.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
}

package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
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

// Without a GitLab token, GitLab's jobs known from hooks alone still expire at GitLab's own
// limits (its default job timeout); with one, the GitLab cycle does it per project.
func TestExpireGitLabWithoutToken(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for id, age := range map[int64]time.Duration{1: 26 * time.Hour, 2: 3 * time.Hour} {
		recv := now.Add(-age)
		body := fixtures.GitLabEdited("job", func(doc map[string]any) {
			doc["build_id"], doc["build_status"], doc["build_queued_duration"] = id, "pending", 0
			doc["build_created_at_iso"] = recv.Format(time.RFC3339)
			for _, k := range []string{"build_created_at", "build_started_at", "build_finished_at", "build_started_at_iso", "build_finished_at_iso", "runner"} {
				delete(doc, k)
			}
		})
		d := store.Delivery{ID: fmt.Sprintf("hook-%d", id), Event: store.GitLabJobHook, ReceivedAt: recv, Payload: body, Forge: store.ForgeGitLab}
		p, err := store.Project(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Write(ctx, []store.Item{{Delivery: d, Projection: p}}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name        string
		gl          GitLab
		wantExpired int
	}{
		{"a GitLab cycle expires them itself", &gitlabRecorder{}, 0},
		{"no GitLab token", nil, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(Config{Store: st, GitLab: c.gl, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			cs, err := r.Cycle(ctx)
			if err != nil || cs.Expired != c.wantExpired {
				t.Fatalf("expired %d, %v; want %d", cs.Expired, err, c.wantExpired)
			}
		})
	}
	var closed string
	if err := st.Pool().QueryRow(ctx, "SELECT string_agg(job_id || ':' || closed_by, ',' ORDER BY job_id) FROM workflow_jobs WHERE forge = 'gitlab'").Scan(&closed); err != nil {
		t.Fatal(err)
	}
	if closed != "1:expired,2:" {
		t.Fatalf("closed %q, want job 1 expired and job 2 open", closed)
	}
}

package simulate_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/gitlabapi"
	"github.com/ciradar/ciradar/pkg/simulate"
)

// TestGitLabLifecycleMatchesTruth is TestLifecycleMatchesTruth for a GitLab world:
// pipelines cancelled while a job waits (5%), with hooks dropped, duplicated (5%) and
// reordered (20%). GitLab forgets no single job, so the world's vanish rate (5%) must
// leave its jobs alone. After one GitLab reconcile cycle (the repair, then the stuck jobs)
// every figure equals the truth (but the manual waits, whose start a dropped 'manual' hook
// takes away), and each job cancelled while it waited is cancelled.
func TestGitLabLifecycleMatchesTruth(t *testing.T) {
	ctx := context.Background()
	st, committer := newStoreAndCommitter(t)
	var clock atomic.Int64
	recv := receivers(t, committer, st, true, &clock)

	cfg := smallWorld()
	cfg.VanishRate, cfg.QueueCancelRate = 0.05, 0.05
	if err := cfg.SetForge(simulate.ForgeGitLab); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(cfg, 14, start)
	if err != nil {
		t.Fatal(err)
	}
	target := simulate.HTTPTarget{GitLabURL: recv.URL + "/webhook/gitlab", GitLabSecret: gitlabToken}
	sim, err := simulate.New(w, simulate.Options{Noise: simulate.Noise{Drop: 0.05, Duplicate: 0.05, Reorder: 0.2},
		Deliver: target.Deliver, Concurrency: 1, BeforeSend: func(d simulate.Delivery) { clock.Store(d.At.Unix()) }})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sim.GitLabAPI(gitlabAPIToken))
	defer api.Close()
	w.GitLabURL = api.URL
	// 30 hours: no job can outlive a GitLab limit, so only 404s close jobs.
	end := start.Add(30 * time.Hour)
	if err := sim.RunFast(ctx, end); err != nil {
		t.Fatal(err)
	}
	truth := sim.Truth()
	gone, cancelled := 0, 0
	for _, f := range truth.Fates {
		switch f.Becomes {
		case "completed/gone":
			gone++
		case "completed/cancelled":
			cancelled++
		}
	}
	if gone != 0 {
		t.Errorf("%d GitLab jobs forgotten, want none", gone)
	}
	if cancelled == 0 || truth.Deliveries.Dropped == 0 {
		t.Fatalf("the world is too quiet: %d gone, %d cancelled while queued, deliveries %+v", gone, cancelled, truth.Deliveries)
	}
	client, err := gitlabapi.New(api.URL, gitlabAPIToken, api.Client())
	if err != nil {
		t.Fatal(err)
	}
	sync := &gitlabapi.Sync{Client: client, Store: st, Groups: w.GitLabGroups(), Lookback: 72 * time.Hour,
		StuckAfter: time.Nanosecond, RecheckAfter: time.Nanosecond, MaxStuck: 1_000_000, MaxTraces: -1}
	stats, err := sync.Cycle(ctx, end)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d gone, %d cancelled while queued; deliveries %+v; cycle %+v", gone, cancelled, truth.Deliveries, stats)
	holdsTruth(t, truth, readStore(t, st), readForges(t, st), true, false)
	for _, f := range truth.Fates {
		var closedBy, conclusion string
		if err := st.Pool().QueryRow(ctx, "SELECT closed_by, conclusion FROM workflow_jobs WHERE job_id = $1 AND forge = 'gitlab'", f.JobID).
			Scan(&closedBy, &conclusion); err != nil {
			t.Fatalf("job %d: %v", f.JobID, err)
		}
		if "completed/"+conclusion != f.Becomes {
			t.Errorf("job %d: conclusion %s (closed by %s), want %s", f.JobID, conclusion, closedBy, f.Becomes)
		}
	}
}

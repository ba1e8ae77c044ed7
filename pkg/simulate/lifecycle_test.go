package simulate_test

import (
	"context"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
	"github.com/ciradar/ciradar/pkg/webhook"
)

// TestLifecycleMatchesTruth (issue 14): jobs GitHub forgets (5%) and runs cancelled while a
// job waits (5%), with 5% of deliveries dropped, 5% duplicated and 20% reordered. After
// one reconcile cycle (redelivery, then stuck jobs, which closes the forgotten ones as gone)
// every figure equals the truth, and queued_now counts no forgotten job.
//
// The receiver's clock reads each delivery's simulated send time, as in real life, and
// stays at the end of the world while the reconciler's redeliveries arrive: hours late for
// the deliveries dropped early. Approval waits and the queue times of gated jobs still match,
// because a redelivery is projected as of its first delivery (store/origins.go).
func TestLifecycleMatchesTruth(t *testing.T) {
	ctx := context.Background()
	st, committer := newStoreAndCommitter(t)
	var clock atomic.Int64
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: committer, Rejections: st, Timeout: 10 * time.Second,
		Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	recv := httptest.NewServer(h)
	defer recv.Close()
	target := simulate.HTTPTarget{URL: recv.URL, Secret: secret}
	hooks := fakegithub.NewHookLog(72*time.Hour, func(ctx context.Context, d fakegithub.HookDelivery) (int, error) {
		return target.Resend(ctx, d.Headers, d.Body)
	})

	cfg := smallWorld()
	cfg.VanishRate, cfg.QueueCancelRate = 0.05, 0.05
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(cfg, 14, start)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(w, simulate.Options{Noise: simulate.Noise{Drop: 0.05, Duplicate: 0.05, Reorder: 0.2},
		Deliver: target.Deliver, Hooks: hooks, Secret: secret, Concurrency: 1,
		BeforeSend: func(d simulate.Delivery) { clock.Store(d.At.Unix()) }})
	if err != nil {
		t.Fatal(err)
	}
	// 30 hours: no job can outlive a GitHub limit, so only 404s close jobs.
	if err := sim.RunFast(ctx, start.Add(30*time.Hour)); err != nil {
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
	if gone == 0 || cancelled == 0 || truth.Deliveries.Dropped == 0 || truth.Deliveries.Duplicates == 0 || truth.Deliveries.Reordered == 0 {
		t.Fatalf("the world is too quiet: %d gone, %d cancelled while queued, deliveries %+v", gone, cancelled, truth.Deliveries)
	}

	api := httptest.NewServer(fakegithub.New(fakegithub.Config{Source: sim.Source(), Hooks: hooks, Token: "tok", Now: sim.Now, RateLimit: 1_000_000}))
	defer api.Close()
	client, err := githubapi.New(githubapi.Config{BaseURL: api.URL + "/api/v3/", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	var hookList []githubapi.Hook
	for _, o := range w.Orgs {
		hookList = append(hookList, githubapi.Hook{Org: o.Name, ID: o.HookID})
	}
	r, err := reconcile.New(reconcile.Config{Store: st, API: client, Hooks: hookList, Now: sim.Now,
		StuckAfter: time.Nanosecond, MaxStuck: 1_000_000, MaxRedeliveries: 1_000_000, MaxLogs: -1})
	if err != nil {
		t.Fatal(err)
	}
	cycle, err := r.Cycle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cycle.Gone != gone {
		t.Errorf("the cycle closed %d jobs as gone, want %d", cycle.Gone, gone)
	}

	got := readStore(t, st)
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"jobs by status and conclusion", truth.Jobs, got.Jobs},
		{"run attempts by status and conclusion", truth.Runs, got.Runs},
		{"runs by trigger event", truth.RunsByEvent, got.RunsByEvent},
		{"queue time of jobs that needed no approval", truth.QueueTimeUngated, got.QueueUngated},
		{"queue time of all jobs", truth.QueueTime, got.QueueTime},
		{"approval waits", truth.Approvals, got.Approvals},
		{"abandoned jobs per label set", truth.Abandoned, got.Abandoned},
		{"nightly failures", truth.NightlyFailures, got.NightlyFailures},
		{"flaky jobs", truth.Flaky, got.Flaky},
	} {
		if !reflect.DeepEqual(c.want, c.got) {
			t.Errorf("%s:\n truth %+v\n store %+v", c.name, c.want, c.got)
		}
	}
	for _, f := range truth.Fates {
		var closedBy, conclusion string
		if err := st.Pool().QueryRow(ctx, "SELECT closed_by, conclusion FROM workflow_jobs WHERE job_id = $1", f.JobID).
			Scan(&closedBy, &conclusion); err != nil {
			t.Fatalf("job %d: %v", f.JobID, err)
		}
		if "completed/"+conclusion != f.Becomes {
			t.Errorf("job %d: conclusion %s (closed by %s), want %s", f.JobID, conclusion, closedBy, f.Becomes)
		}
	}

	// queued_now at the end of the world: exactly the jobs still queued, none forgotten.
	frames, err := query.QueuedNow(ctx, query.Env{DB: st.Pool()}, query.Request{From: start, To: sim.Now(),
		JSON: []byte(`{"value": "count"}`)})
	if err != nil {
		t.Fatal(err)
	}
	queued := 0.0
	for _, f := range frames {
		if len(f.Fields) > 0 && f.Rows() > 0 {
			queued += f.Fields[0].At(0).(float64)
		}
	}
	if want := float64(truth.Jobs["queued"]); queued != want {
		t.Errorf("queued_now counts %v jobs, truth has %v queued", queued, want)
	}
}

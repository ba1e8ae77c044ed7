package simulate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/gitlabapi"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

const (
	gitlabToken    = "sim-gitlab-hook-token"
	gitlabAPIToken = "glpat-sim-test"
)

// TestGitLabStoreMatchesTruth plays a GitLab world, and a mixed one, through the real
// receivers (GitHub's /webhook and GitLab's /webhook/gitlab) and group committer into
// Postgres, with noise, then runs one GitLab reconcile cycle (gitlabapi.Sync) against the
// world's fake GitLab API, and holds the store to the ground truth, forge by forge.
//
// GitLab's queue time is its own queued_duration, carried by the hooks and the API, so it
// holds whatever the receiver's clock; a manual job's wait for a person is measured from
// receipts, so it needs the receiver's clock to be the send time, as GitHub's approval
// waits do. Drops are repaired by the GitLab reconciler from the API (GitHub's dropped
// hooks need GitHub's redelivery, pkg/reconcile), so drops are switched on where every
// organisation is on GitLab.
func TestGitLabStoreMatchesTruth(t *testing.T) {
	cases := []struct {
		name        string
		forge       string
		noise       simulate.Noise
		concurrency int
		simClock    bool
	}{
		{"gitlab, receiver clock is the send time, duplicates and reordering", simulate.ForgeGitLab,
			simulate.Noise{Duplicate: 0.1, Reorder: 0.1}, 1, true},
		{"gitlab, wall clock, drops repaired by one reconcile cycle", simulate.ForgeGitLab,
			simulate.Noise{Duplicate: 0.1, Reorder: 0.1, Drop: 0.03}, 8, false},
		{"mixed, receiver clock is the send time, duplicates and reordering", simulate.ForgeMixed,
			simulate.Noise{Duplicate: 0.1, Reorder: 0.1}, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st, committer := newStoreAndCommitter(t)
			var clock atomic.Int64
			receiver := receivers(t, committer, st, c.simClock, &clock)

			cfg := smallWorld()
			if err := cfg.SetForge(c.forge); err != nil {
				t.Fatal(err)
			}
			start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
			w, err := simulate.NewWorld(cfg, 42, start)
			if err != nil {
				t.Fatal(err)
			}
			target := simulate.HTTPTarget{URL: receiver.URL + "/webhook", Secret: secret,
				GitLabURL: receiver.URL + "/webhook/gitlab", GitLabSecret: gitlabToken}
			sim, err := simulate.New(w, simulate.Options{Noise: c.noise, Deliver: target.Deliver, Concurrency: c.concurrency,
				BeforeSend: func(d simulate.Delivery) { clock.Store(d.At.Unix()) }})
			if err != nil {
				t.Fatal(err)
			}
			api := httptest.NewServer(sim.GitLabAPI(gitlabAPIToken))
			defer api.Close()
			w.GitLabURL = api.URL // the hooks' project URLs are the reconciler's instance
			end := start.Add(48 * time.Hour)
			if err := sim.RunFast(ctx, end); err != nil {
				t.Fatal(err)
			}
			client, err := gitlabapi.New(api.URL, gitlabAPIToken, api.Client())
			if err != nil {
				t.Fatal(err)
			}
			sync := &gitlabapi.Sync{Client: client, Store: st, Groups: w.GitLabGroups(), Lookback: 72 * time.Hour}
			stats, err := sync.Cycle(ctx, end)
			if err != nil {
				t.Fatalf("reconcile: %v", err)
			}
			truth := sim.Truth()
			t.Logf("%d events, %d requests (%d duplicates, %d reordered, %d dropped); reconcile: %+v",
				truth.Deliveries.Events, truth.Deliveries.Sent, truth.Deliveries.Duplicates, truth.Deliveries.Reordered,
				truth.Deliveries.Dropped, stats)
			d := truth.Deliveries
			if d.Failed > 0 || d.Duplicates == 0 || d.Reordered == 0 || (c.noise.Drop > 0) != (d.Dropped > 0) {
				t.Fatalf("deliveries: %+v; want no failures, and the noise asked for", d)
			}
			gl := truth.Forges[simulate.ForgeGitLab]
			if gl == nil || len(truth.ManualWaits) == 0 || truth.PassedWithWarnings == 0 || len(truth.NightlyFailures) == 0 ||
				gl.Jobs["completed/skipped"] == 0 || gl.RunsByEvent["schedule"] == 0 || stats.Pipelines == 0 {
				t.Fatalf("the world is too quiet to test: forges %+v, manual waits %v", truth.Forges, truth.ManualWaits)
			}
			holdsTruth(t, truth, readStore(t, st), readForges(t, st), c.simClock, c.noise.Drop == 0)
			// A minute later nothing has changed: the checkpoints hold, and no pipeline is
			// fetched again.
			idle, err := sync.Cycle(ctx, end.Add(time.Minute))
			if err != nil || idle.Pipelines != 0 || idle.Stored != 0 {
				t.Errorf("idle cycle: %+v, %v; want nothing repaired", idle, err)
			}
			t.Logf("idle cycle: %d requests for %d projects", idle.Calls, idle.Projects)
		})
	}
}

// receivers serves GitHub's and GitLab's webhook handlers, as ciradar serve mounts them.
func receivers(t *testing.T, sink webhook.Sink, st *store.Store, simClock bool, clock *atomic.Int64) *httptest.Server {
	t.Helper()
	cfg := webhook.Config{Secrets: []string{secret}, Sink: sink, Rejections: st, Timeout: 10 * time.Second}
	if simClock {
		cfg.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
	}
	gh, err := webhook.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Secrets = []string{gitlabToken}
	gl, err := webhook.NewGitLabHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", gh)
	mux.Handle("POST /webhook/gitlab", gl)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// forgeFigures are the store's per-forge counts, and GitLab's manual waits.
type forgeFigures struct {
	Forges      map[string]*simulate.ForgeTruth
	ManualWaits map[string]simulate.Stats
}

func readForges(t *testing.T, st *store.Store) forgeFigures {
	t.Helper()
	f := forgeFigures{Forges: map[string]*simulate.ForgeTruth{}}
	forge := func(name string) *simulate.ForgeTruth {
		if f.Forges[name] == nil {
			f.Forges[name] = &simulate.ForgeTruth{Jobs: map[string]int{}, Runs: map[string]int{}, RunsByEvent: map[string]int{}}
		}
		return f.Forges[name]
	}
	status := `status || CASE WHEN conclusion = '' THEN '' ELSE '/' || conclusion END`
	for _, r := range pgtest.Rows(t, st, `SELECT forge, `+status+`, count(*)::int FROM workflow_jobs GROUP BY 1, 2`) {
		forge(r[0].(string)).Jobs[r[1].(string)] = int(r[2].(int32))
	}
	for _, r := range pgtest.Rows(t, st, `SELECT forge, `+status+`, count(*)::int FROM workflow_runs GROUP BY 1, 2`) {
		forge(r[0].(string)).Runs[r[1].(string)] = int(r[2].(int32))
	}
	for _, r := range pgtest.Rows(t, st, `SELECT forge, event, count(DISTINCT run_id)::int FROM workflow_runs GROUP BY 1, 2`) {
		forge(r[0].(string)).RunsByEvent[r[1].(string)] = int(r[2].(int32))
	}
	waits := map[string][]float64{}
	for _, r := range pgtest.Rows(t, st, `SELECT label_key, manual_wait_s FROM workflow_jobs WHERE manual_wait_s IS NOT NULL`) {
		waits[r[0].(string)] = append(waits[r[0].(string)], r[1].(float64))
	}
	f.ManualWaits = summarise(waits)
	return f
}

// holdsTruth compares every figure; those measured from receipt times only with the
// receiver's clock at the send time. A manual job's wait starts at the receipt of its
// 'manual' hook, which no API answer brings back once dropped, so it is compared only
// when every hook arrived.
func holdsTruth(t *testing.T, truth simulate.Truth, got storeFigures, forges forgeFigures, simClock, allHooks bool) {
	t.Helper()
	checks := []struct {
		name       string
		want, got  any
		needsClock bool
		needsHooks bool
	}{
		{"jobs by forge, status and conclusion", truth.Forges, forges.Forges, false, false},
		{"jobs by status and conclusion", truth.Jobs, got.Jobs, false, false},
		{"run attempts by status and conclusion", truth.Runs, got.Runs, false, false},
		{"runs by trigger event", truth.RunsByEvent, got.RunsByEvent, false, false},
		{"queue time of jobs that needed no approval", truth.QueueTimeUngated, got.QueueUngated, false, false},
		{"nightly failures", truth.NightlyFailures, got.NightlyFailures, false, false},
		{"flaky jobs", truth.Flaky, got.Flaky, false, false},
		{"abandoned jobs per label set", truth.Abandoned, got.Abandoned, false, false},
		{"step durations", truth.StepDurations, got.StepDurations, false, false},
		{"failing step of every failed job", truth.FailedSteps, got.FailedSteps, false, false},
		{"jobs that passed with warnings", truth.PassedWithWarnings, got.PassedWithWarnings, false, false},
		{"queue time of all jobs", truth.QueueTime, got.QueueTime, true, false},
		{"approval waits", truth.Approvals, got.Approvals, true, false},
		{"manual job waits", truth.ManualWaits, forges.ManualWaits, true, true},
	}
	for _, ch := range checks {
		if ch.needsClock && !simClock || ch.needsHooks && !allHooks {
			continue
		}
		if !reflect.DeepEqual(ch.want, ch.got) {
			t.Errorf("%s:\n truth %+v\n store %+v", ch.name, ch.want, ch.got)
		}
	}
}

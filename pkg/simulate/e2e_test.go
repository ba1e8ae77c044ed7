package simulate_test

import (
	"context"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/webhook"
)

const secret = "sim-test-secret"

// smallWorld is the default world cut down to a few repositories, with the new error
// starting on day one so that two days show it.
func smallWorld() simulate.Config {
	c := simulate.DefaultConfig()
	c.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: 7}, {Name: "acme-labs", Repos: 3}}
	c.NewError.StartDay, c.NewError.RepoShare = 1, 0.5
	c.Workflows[2].Share = 1 // every repo has the approval-gated release workflow
	c.Activity.DispatchPerDay = 2
	c.Pools[3].Capacity = 2 // few x64 runners, so queues build up
	return c
}

// TestStoreMatchesTruth runs simulate → the real webhook handler and group committer →
// Postgres, with duplicates and reordering on, and holds the store to the ground truth.
//
// The store measures environment-approval waits from receipt times (GitHub's payload has
// no approval time). In "receiver clock is GitHub's send time" the receiver's clock reads
// the simulated time each delivery was sent, as it would in real life; every figure must
// match, approval-gated jobs included. In "wall clock, as fast as accepted" receipts bear
// no relation to simulated time, so only the figures that do not depend on receipt times
// must match: everything except the queue time of approval-gated jobs and the approval
// waits themselves.
func TestStoreMatchesTruth(t *testing.T) {
	cases := []struct {
		name        string
		concurrency int
		simClock    bool
	}{
		{"receiver clock is GitHub's send time", 1, true},
		{"wall clock, as fast as accepted", 8, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st, committer := newStoreAndCommitter(t)
			var clock atomic.Int64
			cfg := webhook.Config{Secrets: []string{secret}, Sink: committer, Rejections: st, Timeout: 10 * time.Second}
			if c.simClock {
				cfg.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
			}
			h, err := webhook.NewHandler(cfg)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()

			start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
			w, err := simulate.NewWorld(smallWorld(), 42, start)
			if err != nil {
				t.Fatal(err)
			}
			target := simulate.HTTPTarget{URL: srv.URL, Secret: secret}
			sim, err := simulate.New(w, simulate.Options{
				Noise:       simulate.Noise{Duplicate: 0.1, Reorder: 0.1},
				Deliver:     target.Deliver,
				Concurrency: c.concurrency,
				BeforeSend:  func(d simulate.Delivery) { clock.Store(d.At.Unix()) },
			})
			if err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			if err := sim.RunFast(ctx, start.Add(48*time.Hour)); err != nil {
				t.Fatal(err)
			}
			truth := sim.Truth()
			t.Logf("%d events, %d requests (%d duplicates, %d reordered) in %s",
				truth.Deliveries.Events, truth.Deliveries.Sent, truth.Deliveries.Duplicates, truth.Deliveries.Reordered,
				time.Since(began).Round(time.Millisecond))
			if truth.Deliveries.Failed > 0 || truth.Deliveries.Duplicates == 0 || truth.Deliveries.Reordered == 0 {
				t.Fatalf("deliveries: %+v; want no failures, and some duplicates and reordering", truth.Deliveries)
			}
			if len(truth.Approvals) == 0 || len(truth.Flaky) == 0 || len(truth.NightlyFailures) == 0 ||
				len(truth.StepDurations) == 0 || len(truth.FailedSteps) == 0 || truth.PassedWithWarnings == 0 {
				t.Fatalf("the world is too quiet to test: approvals %v, flaky %d, nightly failures %d",
					truth.Approvals, len(truth.Flaky), len(truth.NightlyFailures))
			}
			got := readStore(t, st)
			checks := []struct {
				name       string
				want, got  any
				needsClock bool
			}{
				{"jobs by status and conclusion", truth.Jobs, got.Jobs, false},
				{"run attempts by status and conclusion", truth.Runs, got.Runs, false},
				{"runs by trigger event", truth.RunsByEvent, got.RunsByEvent, false},
				{"queue time of jobs that needed no approval", truth.QueueTimeUngated, got.QueueUngated, false},
				{"nightly failures", truth.NightlyFailures, got.NightlyFailures, false},
				{"flaky jobs", truth.Flaky, got.Flaky, false},
				{"abandoned jobs per label set", truth.Abandoned, got.Abandoned, false},
				{"step durations", truth.StepDurations, got.StepDurations, false},
				{"failing step of every failed job", truth.FailedSteps, got.FailedSteps, false},
				{"jobs that passed with warnings", truth.PassedWithWarnings, got.PassedWithWarnings, false},
				{"queue time of all jobs", truth.QueueTime, got.QueueTime, true},
				{"approval waits", truth.Approvals, got.Approvals, true},
			}
			for _, ch := range checks {
				if ch.needsClock && !c.simClock {
					continue
				}
				if !reflect.DeepEqual(ch.want, ch.got) {
					t.Errorf("%s:\n truth %+v\n store %+v", ch.name, ch.want, ch.got)
				}
			}
		})
	}
}

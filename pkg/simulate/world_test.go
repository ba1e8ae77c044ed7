package simulate

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

var testStart = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC) // a Monday

// collect runs a world for d and returns every delivery sent and the truth.
func collect(t *testing.T, cfg Config, seed uint64, d time.Duration, noise Noise, step time.Duration) ([]Delivery, Truth) {
	t.Helper()
	w, err := NewWorld(cfg, seed, testStart)
	if err != nil {
		t.Fatal(err)
	}
	var got []Delivery
	sim, err := New(w, Options{Noise: noise, Step: step, Deliver: func(_ context.Context, d Delivery) (int, error) {
		got = append(got, d)
		return 200, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(context.Background(), testStart.Add(d)); err != nil {
		t.Fatal(err)
	}
	return got, sim.Truth()
}

func TestDeterministic(t *testing.T) {
	noisy := Noise{Duplicate: 0.1, Reorder: 0.1, Drop: 0.05}
	cases := []struct {
		name       string
		seedA      uint64
		stepA      time.Duration
		noiseA     Noise
		seedB      uint64
		stepB      time.Duration
		noiseB     Noise
		sameBodies bool // same deliveries in the same order
		sameWorld  bool // same truth about jobs and queues
	}{
		{"same seed and noise", 7, 10 * time.Minute, noisy, 7, 10 * time.Minute, noisy, true, true},
		{"step size does not matter", 7, 10 * time.Minute, Noise{}, 7, 7 * time.Minute, Noise{}, true, true},
		{"noise does not change the world", 7, 10 * time.Minute, Noise{}, 7, 10 * time.Minute, noisy, false, true},
		{"another seed is another world", 7, 10 * time.Minute, Noise{}, 8, 10 * time.Minute, Noise{}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, ta := collect(t, DefaultConfig(), c.seedA, 26*time.Hour, c.noiseA, c.stepA)
			b, tb := collect(t, DefaultConfig(), c.seedB, 26*time.Hour, c.noiseB, c.stepB)
			same := len(a) == len(b)
			for i := 0; same && i < len(a); i++ {
				same = a[i].GUID == b[i].GUID && string(a[i].Body) == string(b[i].Body)
			}
			if same != c.sameBodies {
				t.Errorf("same deliveries = %v, want %v (%d vs %d)", same, c.sameBodies, len(a), len(b))
			}
			world := reflect.DeepEqual(ta.Jobs, tb.Jobs) && reflect.DeepEqual(ta.QueueTime, tb.QueueTime) &&
				reflect.DeepEqual(ta.Flaky, tb.Flaky)
			if world != c.sameWorld {
				t.Errorf("same world = %v, want %v", world, c.sameWorld)
			}
		})
	}
}

// TestWorldBehaves checks that the default world shows what it promises: contention on
// self-hosted pools, nightly runs, approvals, re-runs, flaky jobs and failures.
func TestWorldBehaves(t *testing.T) {
	_, tr := collect(t, DefaultConfig(), 1, 3*24*time.Hour, Noise{}, 30*time.Minute)
	tr.Flaky = tr.Flaky[:min(len(tr.Flaky), 3)]
	b, _ := json.MarshalIndent(tr, "", " ")
	t.Logf("truth: %s", b)
	checks := []struct {
		name string
		ok   bool
	}{
		{"self-hosted x64 jobs queue for minutes at peak", tr.QueueTime["linux,self-hosted,x64"].Max > 300},
		{"hosted linux jobs start within a minute", tr.QueueTime["ubuntu-latest"].Max < 60},
		{"scheduled runs happen", tr.RunsByEvent["schedule"] > 0},
		{"push and pull_request runs happen", tr.RunsByEvent["push"] > 0 && tr.RunsByEvent["pull_request"] > 0},
		{"manual runs happen", tr.RunsByEvent["workflow_dispatch"] > 0},
		{"approvals are waited for", len(tr.Approvals) > 0},
		{"re-runs happen", tr.Runs["completed/success"] > 0 && len(tr.Flaky) > 0},
		{"runs get cancelled", tr.Runs["completed/cancelled"] > 0},
		{"jobs fail in several ways", len(tr.ErrorSignatures) >= 4},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: not so", c.name)
		}
	}
}

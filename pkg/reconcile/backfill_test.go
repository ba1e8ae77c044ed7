package reconcile_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/simulate"
)

// withoutOpen drops queued and waiting jobs: backfill leaves them to live ingest.
func withoutOpen(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if k != "queued" && k != "waiting" {
			out[k] = v
		}
	}
	return out
}

// TestBackfill fills a store from the REST API alone, and over live ingest that lost
// deliveries, with a small listing cap so that time slices must be cut. The store must
// match the truth; a second run must write nothing and cost only the repository listing
// (resumable, idempotent).
func TestBackfill(t *testing.T) {
	cases := []struct {
		name      string
		nodeliver bool
		noise     simulate.Noise
	}{
		{"from the API alone", true, simulate.Noise{}},
		{"over live ingest that dropped deliveries", false, simulate.Noise{Drop: 0.1, Duplicate: 0.1, Reorder: 0.1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envOptions{repos: 6, hours: 30, noise: c.noise, nodeliver: c.nodeliver, seed: 3})
			truth := e.sim.Truth()
			cfg := reconcile.BackfillConfig{Store: e.store, API: e.client, Orgs: []string{"acme"}, Repos: []string{"acme-labs/" + e.sim.World().Org("acme-labs").Repos[0].Name},
				Since: start.Add(-24 * time.Hour), Until: e.sim.Now(), Cap: 20, Now: e.sim.Now}
			if len(e.sim.World().Org("acme-labs").Repos) != 2 {
				t.Fatalf("acme-labs has %d repositories, want 2", len(e.sim.World().Org("acme-labs").Repos))
			}
			cfg.Repos = append(cfg.Repos, "acme-labs/"+e.sim.World().Org("acme-labs").Repos[1].Name)
			ctx := context.Background()
			var progress int
			cfg.Progress = func(reconcile.BackfillProgress) { progress++ }
			st, err := reconcile.Backfill(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("backfill: %d repos, %d runs, %d jobs, %d stored, %d API requests (%.2f per run), %d progress reports",
				st.Repos, st.Runs, st.Jobs, st.Stored, st.API.Requests, float64(st.API.Requests)/float64(max(st.Runs, 1)), progress)
			if progress < st.Repos {
				t.Errorf("%d progress reports for %d repositories", progress, st.Repos)
			}
			checks := []struct {
				name      string
				want, got any
			}{
				{"jobs by status and conclusion", withoutOpen(truth.Jobs), withoutOpen(counts(t, e.store, jobsSQL))},
				{"run attempts by status and conclusion", truth.Runs, counts(t, e.store, runsSQL)},
				{"runs by trigger event", truth.RunsByEvent, counts(t, e.store, eventsSQL)},
				{"nightly failures", flatNightly(truth.NightlyFailures), counts(t, e.store, nightlySQL)},
			}
			for _, ch := range checks {
				if !reflect.DeepEqual(ch.want, ch.got) {
					t.Errorf("%s:\n truth %v\n store %v", ch.name, ch.want, ch.got)
				}
			}
			again, err := reconcile.Backfill(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if again.Stored != 0 || again.Runs != 0 || again.API.Requests != 1 {
				t.Errorf("second backfill: %+v; want nothing written and one request (the org's repositories)", again)
			}
		})
	}
}

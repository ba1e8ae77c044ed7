package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
)

// TestCycleCost measures the API cost of reconcile cycles: right after catching up,
// an unchanged org costs no rate limit at all (every listing answers 304); a busy minute
// costs a few calls. The figures are logged for BENCHMARKS.md.
func TestCycleCost(t *testing.T) {
	e := newEnv(t, envOptions{repos: 30, hours: 8, seed: 11})
	var runners int
	for _, o := range e.sim.World().Orgs {
		rs, _ := e.sim.Source().Runners(o.Name)
		runners += len(rs)
	}
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, Hooks: e.hookList(), RunnerScopes: e.scopes(),
		Now: e.sim.Now, MaxLogs: 10_000, MaxStuck: 10_000, MaxIssueSearches: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := r.Cycle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	idle, err := r.Cycle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	orgs := int64(len(e.sim.World().Orgs))
	t.Logf("%d repos, %d self-hosted runners, %d orgs", len(e.sim.World().Repos), runners, orgs)
	t.Logf("catch-up cycle: %d requests, %d charged", first.API.Requests, first.API.Charged())
	t.Logf("idle cycle: %d requests, %d charged (%d answered 304)", idle.API.Requests, idle.API.Charged(), idle.API.NotModified)
	if idle.API.Charged() != 0 || idle.API.Requests != 2*orgs {
		t.Errorf("idle cycle: %+v; want one free 304 per hook and per runner listing", idle.API)
	}
	var busy reconcile.CycleStats
	for range 10 {
		if err := e.sim.RunFast(ctx, e.sim.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		st, err := r.Cycle(ctx)
		if err != nil {
			t.Fatal(err)
		}
		busy.API.Requests += st.API.Requests
		busy.API.NotModified += st.API.NotModified
		busy.LogsScanned += st.LogsScanned
		busy.StuckChecked += st.StuckChecked
		busy.IssueSearches += st.IssueSearches
	}
	t.Logf("10 busy one-minute cycles: %d requests, %d charged, of which %d log downloads, %d stuck-job fetches and %d issue searches",
		busy.API.Requests, busy.API.Charged(), busy.LogsScanned, busy.StuckChecked, busy.IssueSearches)
	if limit := int64(10*2*orgs) + int64(busy.LogsScanned+busy.StuckChecked+busy.IssueSearches); busy.API.Charged() > limit {
		t.Errorf("busy cycles charged %d, want at most %d (hooks, runners, logs, stuck jobs, issue searches)", busy.API.Charged(), limit)
	}
}

// TestBackfillCost measures a 30-day backfill of an org from the API alone.
func TestBackfillCost(t *testing.T) {
	e := newEnv(t, envOptions{repos: 6, hours: 30 * 24, nodeliver: true, seed: 12})
	began := time.Now()
	st, err := reconcile.Backfill(context.Background(), reconcile.BackfillConfig{Store: e.store, API: e.client,
		Orgs: []string{"acme", "acme-labs"}, Since: e.sim.Now().Add(-30 * 24 * time.Hour), Until: e.sim.Now(), Now: e.sim.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("30-day backfill: %d repos, %d runs, %d jobs; %d requests = %d slice listings + %d job pages + %d earlier attempts + %d repo listings; %s",
		st.Repos, st.Runs, st.Jobs, st.API.Requests, st.Slices, st.Runs, st.Attempts, st.API.Requests-int64(st.Slices+st.Runs+st.Attempts),
		time.Since(began).Round(time.Millisecond))
	// Budget: one listing call per 100 runs (at least one per repository), one per run's
	// job page, plus re-runs' earlier attempts and the two organisations' repository
	// listings. No repository here has 1,000 runs in 30 days, so no slice is cut.
	if st.Slices != st.Repos {
		t.Errorf("%d slices listed for %d repositories: a slice was cut or retried", st.Slices, st.Repos)
	}
	if budget := int64(st.Runs/100+st.Repos) + int64(st.Runs) + int64(st.Attempts) + 2; st.API.Requests > budget {
		t.Errorf("backfill made %d requests, budget %d", st.API.Requests, budget)
	}
	if st.Runs < 500 {
		t.Errorf("only %d runs in 30 days: too small to measure", st.Runs)
	}
}

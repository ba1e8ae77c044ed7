package reconcile_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/store"
)

// With the refresh asked for, a cycle stores GitHub's published hook ranges (the fake's
// /meta), and the next cycle within the hour makes no request for them; without it, none.
func TestHookRangesRefresh(t *testing.T) {
	cases := []struct {
		name      string
		every     time.Duration
		wantStore bool
	}{
		{name: "asked for", every: time.Hour, wantStore: true},
		{name: "not asked for", every: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envOptions{repos: 1, hours: 1})
			ctx := context.Background()
			now := start.Add(2 * time.Hour)
			r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, HookRangesEvery: c.every,
				Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Cycle(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := e.store.SourceRanges(ctx, store.GitHubHooks)
			if err != nil {
				t.Fatal(err)
			}
			if !c.wantStore {
				if len(got) != 0 {
					t.Fatalf("ranges stored without being asked for: %v", got)
				}
				return
			}
			if !containsPrefix(got, "192.30.252.0/22") || !containsPrefix(got, "2606:50c0::/32") {
				t.Fatalf("stored ranges %v lack GitHub's published ones", got)
			}
			// Within the hour the list is not fetched again; after it, it is.
			for _, step := range []struct {
				after     time.Duration
				refreshed bool
			}{{30 * time.Minute, false}, {61 * time.Minute, true}} {
				first := fetchedAt(t, e.store)
				now = start.Add(2*time.Hour + step.after)
				if _, err := r.Cycle(ctx); err != nil {
					t.Fatal(err)
				}
				if got := fetchedAt(t, e.store); got.Equal(first) == step.refreshed {
					t.Fatalf("%s later: fetched at %s (before %s), want refreshed %v", step.after, got, first, step.refreshed)
				}
			}
		})
	}
}

func fetchedAt(t *testing.T, st *store.Store) time.Time {
	t.Helper()
	var at time.Time
	if err := st.Pool().QueryRow(context.Background(), "SELECT max(fetched_at) FROM source_ranges").Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

func containsPrefix(list []netip.Prefix, s string) bool {
	want := netip.MustParsePrefix(s)
	for _, p := range list {
		if p == want {
			return true
		}
	}
	return false
}

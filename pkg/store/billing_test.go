package store_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// A day's billing report replaces the day whole, sums lines GitHub split, keeps other
// organisations' and days' lines, and refuses a non-finite amount without touching what was
// stored.
func TestReplaceBillingDay(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	at := day.Add(30 * time.Hour)
	line := func(repo string, q float64) store.BillingItem {
		return store.BillingItem{Product: "actions", SKU: "actions_linux", Repository: repo, UnitType: "minutes",
			Quantity: q, PricePerUnit: 0.006, Gross: q * 0.006, NetAmount: q * 0.006}
	}
	steps := []struct {
		name  string
		org   string
		day   time.Time
		items []store.BillingItem
		want  map[string]float64 // org/day → minutes stored after the step
		bad   bool
	}{
		{"first report", "acme", day, []store.BillingItem{line("api", 10), line("web", 5)}, map[string]float64{"acme/2026-11-02": 15}, false},
		{"split lines are summed", "acme", day.AddDate(0, 0, 1), []store.BillingItem{line("api", 1), line("api", 2)},
			map[string]float64{"acme/2026-11-02": 15, "acme/2026-11-03": 3}, false},
		{"a later read replaces the day", "acme", day, []store.BillingItem{line("api", 12)},
			map[string]float64{"acme/2026-11-02": 12, "acme/2026-11-03": 3}, false},
		{"another org is apart", "other", day, []store.BillingItem{line("x", 4)},
			map[string]float64{"acme/2026-11-02": 12, "acme/2026-11-03": 3, "other/2026-11-02": 4}, false},
		{"a non-finite amount is refused", "acme", day, []store.BillingItem{line("api", math.Inf(1))},
			map[string]float64{"acme/2026-11-02": 12, "acme/2026-11-03": 3, "other/2026-11-02": 4}, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := s.ReplaceBillingDay(ctx, st.org, st.day, st.items, at)
			if (err != nil) != st.bad {
				t.Fatalf("error %v, want one: %v", err, st.bad)
			}
			got := map[string]float64{}
			for _, r := range pgtest.Rows(t, s, `SELECT org || '/' || day::text, sum(quantity) FROM billing_usage GROUP BY 1`) {
				got[r[0].(string)] = r[1].(float64)
			}
			if len(got) != len(st.want) {
				t.Fatalf("stored %v, want %v", got, st.want)
			}
			for k, v := range st.want {
				if got[k] != v {
					t.Errorf("stored %v, want %v", got, st.want)
				}
			}
		})
	}
	checked, status, err := s.BillingCheckedAt(ctx, "acme")
	if err != nil || status != store.BillingOK || !checked.Equal(at) {
		t.Errorf("state %v %q %v", checked, status, err)
	}
}

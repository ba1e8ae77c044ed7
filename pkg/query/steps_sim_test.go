package query_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestStepsMatchSimulator plays the simulator's default world for three days into a store,
// with duplicates and reordering, rolls it up, and holds the steps query to the ground
// truth: from the projections, every step's runs, p50, p95 and max exactly; from the
// rollups, runs and max exactly and the percentiles within the histogram's bound (1%, or
// half a second below 1 s); and the failing step of every failed job exactly.
func TestStepsMatchSimulator(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	st, err := store.Open(ctx, url, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(smallSimWorld(), 16, start)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(w, simulate.Options{
		Noise:   simulate.Noise{Duplicate: 0.05, Reorder: 0.05},
		Deliver: storeDeliveries(st),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(ctx, start.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	truth := sim.Truth()
	if _, err := st.RefreshRollups(ctx, store.RollupOptions{Now: truth.End.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	req := query.Request{RefID: "A", From: start.Add(-time.Hour), To: truth.End.Add(time.Hour), Interval: time.Hour,
		MaxDataPoints: 1000, JSON: []byte(`{"limit": 5000}`)}
	for _, c := range []struct {
		name   string
		db     query.DB
		bound  func(got, want float64) bool
		rolled bool
	}{
		{"projections", rawOnly{pool}, func(g, w float64) bool { return g == w }, false},
		{"rollups", pool, func(g, w float64) bool { return math.Abs(g-w) <= max(0.01*w, 0.5) }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := &readsRollup{db: c.db}
			frames, err := query.Steps(ctx, query.Env{DB: db}, req)
			if err != nil {
				t.Fatal(err)
			}
			if db.read != c.rolled {
				t.Fatalf("read the rollups: %v, want %v", db.read, c.rolled)
			}
			f := frames[0]
			if f.Rows() != len(truth.StepDurations) || f.Rows() == 0 {
				t.Fatalf("%d steps, truth has %d", f.Rows(), len(truth.StepDurations))
			}
			for i := 0; i < f.Rows(); i++ {
				key := simulate.StepKey(f.Fields[0].At(i).(string), f.Fields[1].At(i).(string), f.Fields[2].At(i).(string))
				want, ok := truth.StepDurations[key]
				if !ok {
					t.Errorf("%s: not in the truth", key)
					continue
				}
				runs, p50, p95, mx := f.Fields[3].At(i).(float64), *f.Fields[5].At(i).(*float64), *f.Fields[6].At(i).(*float64), *f.Fields[7].At(i).(*float64)
				if runs != float64(want.Count) || mx != want.Max || !c.bound(p50, want.P50) || !c.bound(p95, want.P95) {
					t.Errorf("%s: runs %v p50 %v p95 %v max %v; truth %+v", key, runs, p50, p95, mx, want)
				}
			}
		})
	}
	req.JSON = []byte(`{"view": "failing", "limit": 5000}`)
	frames, err := query.Steps(ctx, query.Env{DB: pool}, req)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	f := frames[0]
	for i := 0; i < f.Rows(); i++ {
		if f.Fields[6].At(i).(string) != "failure" {
			continue // timed out, startup failure: not in the simulated world
		}
		step := ""
		if s := f.Fields[5].At(i).(*string); s != nil {
			step = *s
		}
		got[f.Fields[0].At(i).(int64)] = step
	}
	if len(got) != len(truth.FailedSteps) || len(got) == 0 {
		t.Fatalf("%d failed jobs, truth has %d", len(got), len(truth.FailedSteps))
	}
	for id, want := range truth.FailedSteps {
		if got[id] != want {
			t.Errorf("job %d failed at %q, truth %q", id, got[id], want)
		}
	}
}

// smallSimWorld is the default world with fewer repositories, so three days play quickly.
func smallSimWorld() simulate.Config {
	c := simulate.DefaultConfig()
	c.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: 6}, {Name: "acme-labs", Repos: 2}}
	return c
}

package query_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5/pgxpool"
)

// costJob is one job of the cost tests, written straight into the projection.
type costJob struct {
	id                int64
	repo, labels, vis string
	event             string
	ran               time.Duration // started to completed; negative: never started
}

// costJobs cover each of GitHub's billing rules once, twenty days before the seeded world.
var costStart = t0.Add(-20 * 24 * time.Hour)

var costJobs = []costJob{
	{1, "acme/private", "ubuntu-latest", "private", "push", 61 * time.Second},                      // 2 min x $0.006
	{2, "acme/public", "ubuntu-latest", "public", "push", 30 * time.Second},                        // free: public, standard
	{3, "acme/public", "ubuntu-latest-4-cores", "public", "schedule", 120 * time.Second},           // larger: billed, 2 x $0.012
	{4, "acme/private", "linux,self-hosted", "private", "push", 90 * time.Second},                  // self-hosted, label priced
	{5, "acme/private", "gpu-monster", "private", "pull_request", 10 * time.Minute},                // unpriced, billable
	{6, "acme/private", "ubuntu-latest", "private", "push", -1},                                    // never ran
	{7, "acme/private", "windows-latest", "internal", "workflow_dispatch", 500 * time.Millisecond}, // 1 min x $0.010
	{8, "acme/legacy", "ubuntu-latest", "", "push", 3 * time.Minute},                               // unsaid: billed as private
}

func seedCost(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	for _, j := range costJobs {
		created := costStart.Add(time.Duration(j.id) * time.Hour)
		var started, completed *time.Time
		runner, status := "", "queued"
		if j.ran >= 0 {
			s, c := created.Add(time.Minute), created.Add(time.Minute+j.ran)
			started, completed, runner, status = &s, &c, "r1", "completed"
		}
		if _, err := pool.Exec(ctx, `INSERT INTO workflow_jobs (job_id, run_id, run_attempt, repo, workflow_name, labels, label_key,
			status, conclusion, runner_name, created_at, started_at, completed_at, repo_visibility, first_seen_at, last_seen_at)
			VALUES ($1, $1, 1, $2, 'CI', string_to_array($3, ','), $3, $4, 'success', $5, $6, $7, $8, $9, $6, $6)`,
			800000+j.id, j.repo, j.labels, status, runner, created, started, completed, j.vis); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO workflow_runs (run_id, run_attempt, repo, event, status, created_at, first_seen_at, last_seen_at)
			VALUES ($1, 1, $2, $3, 'completed', $4, $4, $4)`, 800000+j.id, j.repo, j.event, created); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCostFollowsGitHubBilling holds cost to hand-computed figures: per-job rounding up,
// public standard runners free, larger runners billed anyway, self-hosted priced by label,
// unknown labels unpriced but listed. The same figures come from the projections and, after
// a refresh, from the rollups.
func TestCostFollowsGitHubBilling(t *testing.T) {
	pool, url := seed(t, newWorld())
	seedCost(t, pool)
	rates, err := query.NewRates([]query.Rate{{Label: "linux", PerMinute: 0.001}}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ jobs, billable, cost, self, unpriced float64 }
	cases := []struct {
		name string
		json string
		want map[string]row
	}{
		{"per repository", `{"dimension": "repo"}`, map[string]row{
			"acme/private": {4, 2 + 10 + 1, 2*0.006 + 2*0.001 + 1*0.010, 2, 10},
			"acme/public":  {2, 2, 2 * 0.012, 0, 0},
			"acme/legacy":  {1, 3, 3 * 0.006, 0, 0},
		}},
		{"per trigger", `{"dimension": "event", "metric": "billable_minutes"}`, map[string]row{
			"push":              {4, 2 + 3, 2*0.006 + 2*0.001 + 3*0.006, 2, 0},
			"schedule":          {1, 2, 0.024, 0, 0},
			"pull_request":      {1, 10, 0, 0, 10},
			"workflow_dispatch": {1, 1, 0.010, 0, 0},
		}},
		{"unpriced label sets are listed", `{"view": "unpriced"}`, map[string]row{"gpu-monster": {1, 10, 0, 0, 10}}},
		{"a filter", `{"dimension": "label", "filters": {"repos": ["acme/public"]}}`, map[string]row{
			"ubuntu-latest": {1, 0, 0, 0, 0}, "ubuntu-latest-4-cores": {1, 2, 0.024, 0, 0},
		}},
	}
	check := func(t *testing.T, db query.DB, json string, want map[string]row) {
		req := query.Request{RefID: "A", From: costStart, To: costStart.Add(10 * 24 * time.Hour), Interval: time.Hour, MaxDataPoints: 1000, JSON: []byte(json)}
		frames, err := query.Cost(context.Background(), query.Env{DB: db, Rates: rates}, req)
		if err != nil {
			t.Fatal(err)
		}
		f := frames[0]
		if f.Rows() != len(want) {
			t.Fatalf("%d rows, want %d", f.Rows(), len(want))
		}
		for i := range f.Rows() {
			k := f.Fields[0].At(i).(string)
			w, ok := want[k]
			if !ok {
				t.Fatalf("unexpected row %q", k)
			}
			got := row{num(f, "jobs", i), num(f, "billable_minutes", i), num(f, "cost", i), num(f, "self_hosted_minutes", i), num(f, "unpriced_minutes", i)}
			if math.Abs(got.cost-w.cost) > 1e-9 || got.jobs != w.jobs || got.billable != w.billable || got.self != w.self || got.unpriced != w.unpriced {
				t.Errorf("%s: got %+v, want %+v", k, got, w)
			}
		}
	}
	for _, c := range cases {
		t.Run("projections/"+c.name, func(t *testing.T) { check(t, rawOnly{pool}, c.json, c.want) })
	}
	s := openStore(t, url)
	if _, err := s.RefreshRollups(context.Background(), store.RollupOptions{Now: t0.Add(7*24*time.Hour + time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run("rollups/"+c.name, func(t *testing.T) {
			db := &readsRollup{db: pool}
			check(t, db, c.json, c.want)
			// A filter on another dimension than the one asked for is not in the rollups:
			// that query reads the projections.
			if rolled := !strings.Contains(c.json, "filters"); db.read != rolled {
				t.Errorf("read the rollups: %v, want %v", db.read, rolled)
			}
		})
	}
}

func num(f *data.Frame, name string, i int) float64 {
	fl, _ := f.FieldByName(name)
	return fl.At(i).(float64)
}

// Bad rates are refused with what is wrong.
func TestNewRatesRejectsBadPrices(t *testing.T) {
	cases := []struct {
		name  string
		rates []query.Rate
		self  float64
	}{
		{"negative", []query.Rate{{Label: "x", PerMinute: -1}}, 0},
		{"no label", []query.Rate{{Label: " ", PerMinute: 1}}, 0},
		{"not a number", []query.Rate{{Label: "x", PerMinute: math.NaN()}}, 0},
		{"self-hosted negative", nil, -0.1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := query.NewRates(c.rates, c.self); err == nil {
				t.Error("accepted")
			}
		})
	}
}

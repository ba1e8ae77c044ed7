package simulate_test

import (
	"context"
	"math"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// costWorld has public and private repositories, a larger runner billed everywhere, and
// hosted pools small enough that jobs queue at their limit. Approval-gated releases are
// left out: a job cancelled while it waited for an approval has no queue time to hold.
func costWorld() simulate.Config {
	c := smallWorld()
	c.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: 6, PublicShare: 0.5}, {Name: "acme-labs", Repos: 3}}
	c.Workflows[2].Share = 0
	c.VanishRate = 0
	c.Pools[0].Capacity = 3 // ubuntu-latest: the plan's limit, reached at office hours
	c.Pools = append(c.Pools, simulate.PoolConfig{Labels: []string{"ubuntu-latest-4-cores"}, Hosted: true, Capacity: 2, OS: "Linux",
		PickupSeconds: [2]int{5, 30}, PricePerMinute: 0.012, SKU: "actions_linux_4_core", Larger: true})
	c.Workflows[0].Stages = append(c.Workflows[0].Stages, []simulate.JobSpec{{Name: "bench", RunsOn: []string{"ubuntu-latest-4-cores"},
		Minutes: [2]float64{1, 7}}})
	return c
}

// TestCostMatchesTruth: the store's billable minutes and cost per repository (priced with
// the data source's default rates), and its peak concurrency per runner type, equal the
// simulated world's truth; and the billing usage report the reconciler fetches from the
// fake API equals the estimate day by day.
func TestCostMatchesTruth(t *testing.T) {
	ctx := context.Background()
	st, committer := newStoreAndCommitter(t)
	var clock atomic.Int64
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: committer, Rejections: st, Timeout: 10 * time.Second,
		Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(costWorld(), 7, start)
	if err != nil {
		t.Fatal(err)
	}
	target := simulate.HTTPTarget{URL: srv.URL, Secret: secret}
	sim, err := simulate.New(w, simulate.Options{Deliver: target.Deliver, Concurrency: 1,
		BeforeSend: func(d simulate.Delivery) { clock.Store(d.At.Unix()) }})
	if err != nil {
		t.Fatal(err)
	}
	end := start.Add(48 * time.Hour)
	if err := sim.RunFast(ctx, end); err != nil {
		t.Fatal(err)
	}
	truth := sim.Truth()
	if len(truth.Cost) == 0 || truth.PeakConcurrency["github-hosted"].Queued == 0 {
		t.Fatalf("the world is too quiet to test: cost %v, peaks %v", truth.Cost, truth.PeakConcurrency)
	}
	env := query.Env{DB: st.Pool()}
	req := func(js string, interval time.Duration) query.Request {
		return query.Request{RefID: "A", From: start, To: end, Interval: interval, MaxDataPoints: 1000, JSON: []byte(js)}
	}

	t.Run("billable minutes and cost per repository", func(t *testing.T) {
		frames, err := query.Cost(ctx, env, req(`{"dimension": "repo", "limit": 1000}`, time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		f := frames[0]
		seen := 0
		for i := range f.Rows() {
			repo := f.Fields[0].At(i).(string)
			minutes, cost := field(f, "billable_minutes", i), field(f, "cost", i)
			if minutes != float64(truth.BillableMinutes[repo]) || math.Abs(cost-truth.Cost[repo]) > 1e-9 {
				t.Errorf("%s: store %v min $%v, truth %v min $%v", repo, minutes, cost, truth.BillableMinutes[repo], truth.Cost[repo])
			}
			if truth.BillableMinutes[repo] > 0 {
				seen++
			}
		}
		if seen != len(truth.BillableMinutes) {
			t.Errorf("%d repositories billed in the store, %d in the truth", seen, len(truth.BillableMinutes))
		}
	})

	t.Run("peak concurrency per runner type", func(t *testing.T) {
		frames, err := query.Concurrency(ctx, env, query.Request{RefID: "A", From: start, To: end, Interval: 48 * time.Hour, MaxDataPoints: 1,
			JSON: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range frames {
			var got simulate.Peak
			for i := range f.Rows() {
				got.Running = max(got.Running, int(field(f, "running", i)))
				got.Queued = max(got.Queued, int(field(f, "queued", i)))
			}
			if want := truth.PeakConcurrency[f.Name]; got != want {
				t.Errorf("%s: store %+v, truth %+v", f.Name, got, want)
			}
		}
	})

	t.Run("GitHub's billing report equals the estimate", func(t *testing.T) {
		api := httptest.NewServer(fakegithub.New(fakegithub.Config{Source: sim.Source(), Token: "tok", Now: sim.Now, RateLimit: 1_000_000}))
		defer api.Close()
		client, err := githubapi.New(githubapi.Config{BaseURL: api.URL + "/api/v3/", Token: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		// At the simulation's end: the report covers its two days and the one before. (A
		// day later the cycle would also close the jobs still running as expired.)
		r, err := reconcile.New(reconcile.Config{Store: st, API: client, BillingOrgs: []string{"acme", "acme-labs"},
			Now: sim.Now, MaxLogs: -1})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := r.Cycle(ctx)
		if err != nil || cs.BillingDays != 2*3 {
			t.Fatalf("cycle: %d report days stored, %v; want 6", cs.BillingDays, err)
		}
		frames, err := query.Cost(ctx, env, req(`{"view": "billed"}`, 24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		f := frames[0]
		billedDays := 0
		for i := range f.Rows() {
			fl, _ := f.FieldByName("billed")
			b := fl.At(i).(*float64)
			est := field(f, "cost", i)
			if b == nil {
				continue
			}
			billedDays++
			if math.Abs(*b-est) > 1e-9 {
				t.Errorf("day %v: billed $%v, estimate $%v", f.Fields[0].At(i), *b, est)
			}
		}
		if billedDays != 2 {
			t.Errorf("%d days with a billed figure, want 2", billedDays)
		}
		// Asked again within the day: no request.
		if cs, err := r.Cycle(ctx); err != nil || cs.BillingDays != 0 {
			t.Errorf("second cycle: %d days, %v; want none before a day has passed", cs.BillingDays, err)
		}
	})

	t.Run("a token that may not read the report", func(t *testing.T) {
		api := httptest.NewServer(fakegithub.New(fakegithub.Config{Source: sim.Source(), Token: "tok", Now: sim.Now, BillingForbidden: true}))
		defer api.Close()
		client, err := githubapi.New(githubapi.Config{BaseURL: api.URL + "/api/v3/", Token: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := reconcile.New(reconcile.Config{Store: st, API: client, BillingOrgs: []string{"acme"},
			Now: func() time.Time { return end.Add(72 * time.Hour) }, MaxLogs: -1})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := r.Cycle(ctx)
		if err != nil || cs.BillingUnavailable != 1 {
			t.Fatalf("cycle: %+v, %v; want the report recorded unavailable, no error", cs, err)
		}
		_, status, err := st.BillingCheckedAt(ctx, "acme")
		if err != nil || status != store.BillingUnavailable {
			t.Errorf("state %q, %v", status, err)
		}
		if cs, _ := r.Cycle(ctx); cs.BillingUnavailable != 0 {
			t.Error("asked again within the day")
		}
	})
}

func field(f *data.Frame, name string, i int) float64 {
	fl, _ := f.FieldByName(name)
	switch v := fl.At(i).(type) {
	case float64:
		return v
	case *float64:
		if v != nil {
			return *v
		}
	}
	return 0
}

package reconcile_test

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const secret = "reconcile-test-secret"

var start = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

// env is a simulated org wired end to end: the world sends signed deliveries (with noise)
// to the real webhook handler and store; the fake GitHub API answers from the world, and
// its redeliveries reach the same handler.
type env struct {
	store  *store.Store
	sim    *simulate.Simulator
	hooks  *fakegithub.HookLog
	fake   *fakegithub.Server
	issues *fakegithub.Issues
	client *githubapi.Client
	url    string
}

type envOptions struct {
	repos     int
	hours     int
	noise     simulate.Noise
	seed      uint64
	nodeliver bool // the world's deliveries never reach the receiver (backfill from nothing)
	// cutoff, when set: deliveries after it are lost (stuck jobs)
	cutoff time.Time
	// logGone: job logs answer 410
	logGone bool
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	committer := store.NewCommitter(st, store.CommitterOptions{})
	t.Cleanup(committer.Close)
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: committer, Rejections: st, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	recv := httptest.NewServer(h)
	t.Cleanup(recv.Close)
	target := simulate.HTTPTarget{URL: recv.URL, Secret: secret}
	hooks := fakegithub.NewHookLog(72*time.Hour, func(ctx context.Context, d fakegithub.HookDelivery) (int, error) {
		return target.Resend(ctx, d.Headers, d.Body)
	})
	cfg := simulate.DefaultConfig()
	cfg.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: o.repos}, {Name: "acme-labs", Repos: max(o.repos/3, 1)}}
	cfg.NewError.StartDay, cfg.NewError.RepoShare = 0, 0.5
	cfg.FailureRate = 0.15 // enough failures for every failure mode to show
	w, err := simulate.NewWorld(cfg, max(o.seed, 1), start)
	if err != nil {
		t.Fatal(err)
	}
	deliver := target.Deliver
	if o.nodeliver {
		deliver = func(context.Context, simulate.Delivery) (int, error) { return 0, nil }
	}
	if !o.cutoff.IsZero() {
		deliver = func(ctx context.Context, d simulate.Delivery) (int, error) {
			if d.At.After(o.cutoff) {
				return 0, nil
			}
			return target.Deliver(ctx, d)
		}
	}
	sim, err := simulate.New(w, simulate.Options{Noise: o.noise, Deliver: deliver, Hooks: hooks, Secret: secret, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(ctx, start.Add(time.Duration(o.hours)*time.Hour)); err != nil {
		t.Fatal(err)
	}
	issues := fakegithub.NewIssues("", sim.Now)
	fc := fakegithub.Config{Source: sim.Source(), Hooks: hooks, Token: "tok", Now: sim.Now, RateLimit: 1_000_000, Issues: issues}
	if o.logGone {
		fc.LogGone = func(string, string, int64) bool { return true }
	}
	fake := fakegithub.New(fc)
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	client, err := githubapi.New(githubapi.Config{BaseURL: api.URL + "/api/v3/", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{store: st, sim: sim, hooks: hooks, fake: fake, issues: issues, client: client, url: api.URL}
}

func (e *env) hookList() []githubapi.Hook {
	var out []githubapi.Hook
	for _, o := range e.sim.World().Orgs {
		out = append(out, githubapi.Hook{Org: o.Name, ID: o.HookID})
	}
	return out
}

func (e *env) scopes() []githubapi.Scope {
	var out []githubapi.Scope
	for _, o := range e.sim.World().Orgs {
		out = append(out, githubapi.Scope{Kind: "org", Name: o.Name})
	}
	return out
}

// counts reads "key → n" rows.
func counts(t *testing.T, st *store.Store, sql string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range pgtest.Rows(t, st, sql) {
		out[r[0].(string)] = int(r[1].(int64))
	}
	return out
}

const (
	jobsSQL    = `SELECT status || CASE WHEN conclusion = '' THEN '' ELSE '/' || conclusion END, count(*) FROM workflow_jobs GROUP BY 1`
	runsSQL    = `SELECT status || CASE WHEN conclusion = '' THEN '' ELSE '/' || conclusion END, count(*) FROM workflow_runs GROUP BY 1`
	eventsSQL  = `SELECT event, count(DISTINCT run_id) FROM workflow_runs GROUP BY 1`
	nightlySQL = `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' ' || repo, count(*)
		FROM (SELECT DISTINCT ON (run_id) * FROM workflow_runs WHERE event = 'schedule' ORDER BY run_id, run_attempt DESC) r
		WHERE conclusion = 'failure' GROUP BY 1`
)

func flatNightly(m map[string]map[string]int) map[string]int {
	out := map[string]int{}
	for day, repos := range m {
		for repo, n := range repos {
			out[day+" "+repo] = n
		}
	}
	return out
}

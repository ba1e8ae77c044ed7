package githubapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
)

// world plays a small simulated org for a day, with its deliveries recorded for the fake
// hook API, and returns the simulator and its hook log.
func world(t *testing.T, repos int) (*simulate.Simulator, *fakegithub.HookLog) {
	t.Helper()
	c := simulate.DefaultConfig()
	c.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: repos}}
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(c, 5, start)
	if err != nil {
		t.Fatal(err)
	}
	hooks := fakegithub.NewHookLog(72*time.Hour, nil)
	ok := func(context.Context, simulate.Delivery) (int, error) { return http.StatusOK, nil }
	sim, err := simulate.New(w, simulate.Options{Deliver: ok, Hooks: hooks, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(context.Background(), start.Add(12*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return sim, hooks
}

func newClient(t *testing.T, cfg githubapi.Config) *githubapi.Client {
	t.Helper()
	c, err := githubapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConditionalRequestsAndPagination: every page of a listing is fetched, and asking
// again for unchanged resources costs no rate limit (304s), through the GHES prefix too.
func TestConditionalRequestsAndPagination(t *testing.T) {
	sim, hooks := world(t, 130)
	fake := fakegithub.New(fakegithub.Config{Source: sim.Source(), Hooks: hooks, Token: "tok"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	for _, base := range []string{srv.URL, srv.URL + "/api/v3/"} {
		t.Run(base, func(t *testing.T) {
			c := newClient(t, githubapi.Config{BaseURL: base, Token: "tok"})
			repos, err := c.OrgRepos(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if len(repos) != 130 {
				t.Fatalf("got %d repositories, want all 130 over two pages", len(repos))
			}
			first := c.Stats()
			if first.Requests != 2 || first.NotModified != 0 {
				t.Fatalf("first listing: %+v; want 2 charged requests", first)
			}
			again, err := c.OrgRepos(ctx, "acme")
			if err != nil || len(again) != 130 {
				t.Fatalf("second listing: %d repositories, %v", len(again), err)
			}
			d := c.Stats().Sub(first)
			if d.Requests != 2 || d.Charged() != 0 {
				t.Errorf("second listing: %+v; want 2 requests answered 304, none charged", d)
			}
			runners, err := c.Runners(ctx, githubapi.Scope{Kind: "org", Name: "acme"})
			want, _ := sim.Source().Runners("acme")
			if err != nil || len(runners) != len(want) || len(want) == 0 {
				t.Errorf("runners: got %d, want %d (%v)", len(runners), len(want), err)
			}
		})
	}
}

func TestJobLogGoneAndBadToken(t *testing.T) {
	sim, hooks := world(t, 3)
	fake := fakegithub.New(fakegithub.Config{Source: sim.Source(), Hooks: hooks, Token: "tok",
		LogGone: func(owner, repo string, job int64) bool { return job%2 == 0 }})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	repo := sim.World().Org("acme").Repos[0]
	runs, _ := sim.Source().Runs("acme", repo.Name)
	var done, gone int64
	for _, r := range runs {
		jobs, _ := sim.Source().RunJobs("acme", repo.Name, r.GetID(), 0, true)
		for _, j := range jobs {
			if j.GetStatus() == "completed" && j.GetRunnerName() != "" {
				if j.GetID()%2 == 0 {
					gone = j.GetID()
				} else {
					done = j.GetID()
				}
			}
		}
	}
	if done == 0 || gone == 0 {
		t.Fatal("the world has no finished jobs to read logs of")
	}
	c := newClient(t, githubapi.Config{BaseURL: srv.URL, Token: "tok"})
	body, err := c.JobLog(ctx, "acme", repo.Name, done)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(body)
	body.Close()
	if !strings.Contains(string(text), "Runner name:") {
		t.Errorf("log text: %.200q", text)
	}
	if _, err := c.JobLog(ctx, "acme", repo.Name, gone); !githubapi.IsGone(err) {
		t.Errorf("expired log: %v; want an error IsGone recognises", err)
	}
	bad := newClient(t, githubapi.Config{BaseURL: srv.URL, Token: "wrong"})
	if _, err := bad.OrgRepos(ctx, "acme"); err == nil || githubapi.IsGone(err) {
		t.Errorf("wrong token: %v; want a 401 error", err)
	}
}

// TestGitHubApp authenticates as an App: installation found per org, installation token
// for org APIs, the App's JWT for the App hook's deliveries.
func TestGitHubApp(t *testing.T) {
	sim, hooks := world(t, 3)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	hookID := sim.World().Org("acme").HookID
	fake := fakegithub.New(fakegithub.Config{Source: sim.Source(), Hooks: hooks,
		App: &fakegithub.App{ID: 77, Key: &key.PublicKey, Installations: map[string]int64{"acme": 9001}, HookOrg: "acme", HookID: hookID}})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	c := newClient(t, githubapi.Config{BaseURL: srv.URL, App: &githubapi.App{ID: 77, Key: key}})
	if _, err := c.Runners(ctx, githubapi.Scope{Kind: "org", Name: "acme"}); err != nil {
		t.Fatalf("org API with an installation token: %v", err)
	}
	list, _, err := c.HookDeliveries(ctx, githubapi.Hook{}, "")
	if err != nil || len(list) == 0 {
		t.Fatalf("app hook deliveries with the app JWT: %d, %v", len(list), err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	wrong := newClient(t, githubapi.Config{BaseURL: srv.URL, App: &githubapi.App{ID: 77, Key: other}})
	if _, _, err := wrong.HookDeliveries(ctx, githubapi.Hook{}, ""); err == nil {
		t.Error("a JWT signed with another key was accepted")
	}
}

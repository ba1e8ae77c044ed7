package hosttest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
	"github.com/jackc/pgx/v5"
)

const scopeSecret = "scope-test-secret"

// scopeWorld is the store the scope test reads: three organisations, of which the scope
// takes one whole (acme) and one repository of another (labs); the third (umbrella) and
// the other repositories of labs are out of scope.
type scopeWorld struct {
	full, trimmed string    // the whole store, and a copy holding only what is in scope
	scope         []string  // jsonData.scope
	outNames      []string  // names no scoped answer may hold: repositories, the hidden org
	outIDs        []string  // run and job ids of out-of-scope repositories
	outRepo       string    // one out-of-scope repository, for filters and pipelines
	outRun        int64     // one of its runs
	from, to      time.Time // the simulated span
}

var (
	scopeStart = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	scopeEnd   = scopeStart.Add(5*24*time.Hour + 2*time.Hour + 6*time.Minute)
)

// seedScope fills a store through the real webhook handler from the simulator, runs one
// reconcile cycle (error signatures, the runner inventory) and refreshes the rollups, so
// that an unscoped instance reads rollups mixing every repository. The copy is the same
// store with every out-of-scope row deleted and no rollups: what the scoped instance must
// answer exactly as.
func seedScope(t *testing.T) scopeWorld {
	t.Helper()
	ctx := context.Background()
	full := pgtest.NewDatabase(t)
	st, err := store.Open(ctx, full, store.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	committer := store.NewCommitter(st, store.CommitterOptions{})
	var clock atomic.Int64
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{scopeSecret}, Sink: committer, Rejections: st,
		Timeout: 10 * time.Second, Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	recv := httptest.NewServer(h)
	defer recv.Close()
	target := simulate.HTTPTarget{URL: recv.URL, Secret: scopeSecret}
	hooks := fakegithub.NewHookLog(72*time.Hour, func(ctx context.Context, d fakegithub.HookDelivery) (int, error) {
		return target.Resend(ctx, d.Headers, d.Body)
	})
	c := simulate.DefaultConfig()
	c.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: 2}, {Name: "labs", Repos: 3}, {Name: "umbrella", Repos: 5}}
	c.NewError.StartDay, c.NewError.RepoShare = 3, 0.5
	c.FailureRate = 0.08
	// Few x64 runners, and the end in the nightly burst: jobs are queued at the end.
	c.Pools[3].Capacity = 2
	c.Workflows[2].Share = 1
	w, err := simulate.NewWorld(c, 11, scopeStart)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(w, simulate.Options{Deliver: target.Deliver, Concurrency: 4, Hooks: hooks, Secret: scopeSecret,
		BeforeSend: func(d simulate.Delivery) { clock.Store(d.At.Unix()) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(ctx, scopeEnd); err != nil {
		t.Fatal(err)
	}
	committer.Close()
	reconcileScope(t, st, sim, hooks)
	if _, err := st.RefreshRollups(ctx, store.RollupOptions{Now: scopeEnd}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	labs := w.Orgs[1].Repos
	sw := scopeWorld{full: full, scope: []string{"acme", labs[0].FullName()}, outNames: []string{"umbrella"},
		outRepo: labs[1].FullName(), from: scopeStart, to: scopeEnd}
	for _, r := range labs[1:] {
		sw.outNames = append(sw.outNames, r.FullName())
	}
	for _, r := range w.Orgs[2].Repos {
		sw.outNames = append(sw.outNames, r.FullName())
	}
	sw.trimmed = copyInScope(t, full, []string{"acme"}, []string{labs[0].FullName()})
	sw.outIDs, sw.outRun = outOfScopeIDs(t, full, labs[0].FullName(), sw.outRepo)
	return sw
}

func reconcileScope(t *testing.T, st *store.Store, sim *simulate.Simulator, hooks *fakegithub.HookLog) {
	t.Helper()
	api := httptest.NewServer(fakegithub.New(fakegithub.Config{Source: sim.Source(), Hooks: hooks, Token: "tok", Now: sim.Now, RateLimit: 1_000_000}))
	defer api.Close()
	client, err := githubapi.New(githubapi.Config{BaseURL: api.URL + "/api/v3/", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	var scopes []githubapi.Scope
	for _, o := range sim.World().Orgs {
		scopes = append(scopes, githubapi.Scope{Kind: "org", Name: o.Name})
	}
	rec, err := reconcile.New(reconcile.Config{Store: st, API: client, RunnerScopes: scopes, MaxLogs: 5000, Now: sim.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Cycle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// trimSQL deletes what lies outside the scope ($1 organisations, $2 repositories), written
// from docs/scope.md's rules and not from the plugin's SQL: jobs and runs by their
// repository, error occurrences too (signatures keep only their in-scope count and
// sightings), runners by where they are registered. Without rollup_state no query reads
// rollups.
var trimSQL = []string{
	`DELETE FROM workflow_jobs WHERE NOT (org = ANY($1) OR repo = ANY($2))`,
	`DELETE FROM workflow_runs WHERE NOT (org = ANY($1) OR repo = ANY($2))`,
	`DELETE FROM error_occurrences WHERE NOT (split_part(repo, '/', 1) = ANY($1) OR repo = ANY($2))`,
	`DELETE FROM error_signatures s WHERE NOT EXISTS (SELECT 1 FROM error_occurrences o WHERE o.signature_hash = s.signature_hash)`,
	`UPDATE error_signatures s SET count = x.n, first_seen = x.f, last_seen = x.l
	 FROM (SELECT signature_hash, count(*) AS n, min(seen_at) AS f, max(seen_at) AS l FROM error_occurrences GROUP BY 1) x
	 WHERE x.signature_hash = s.signature_hash`,
	`DELETE FROM runner_samples WHERE NOT coalesce(scope LIKE 'org:%' AND substr(scope, 5) = ANY($1)
	   OR scope LIKE 'repo:%' AND (split_part(substr(scope, 6), '/', 1) = ANY($1) OR substr(scope, 6) = ANY($2)), false)`,
	`DELETE FROM runners WHERE NOT coalesce(scope LIKE 'org:%' AND substr(scope, 5) = ANY($1)
	   OR scope LIKE 'repo:%' AND (split_part(substr(scope, 6), '/', 1) = ANY($1) OR substr(scope, 6) = ANY($2)), false)`,
	`DELETE FROM rollup_state`,
}

// copyInScope makes a copy of the database at full holding only what is in scope.
func copyInScope(t *testing.T, full string, orgs, repos []string) string {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(full)
	if err != nil {
		t.Fatal(err)
	}
	src := u.Path[1:]
	name := src + "_in_scope"
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{src}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), admin.String()); err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u.Path = "/" + name
	if err := store.ApplyDatabaseGrants(ctx, u.String()); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range trimSQL {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{orgs, repos}
		}
		if _, err := c.Exec(ctx, q, args...); err != nil {
			t.Fatalf("trim the copy: %v\n%s", err, q)
		}
	}
	return u.String()
}

// outOfScopeIDs lists every run and job id of the repositories out of scope (umbrella's,
// and labs' but inRepo), and one run of outRepo.
func outOfScopeIDs(t *testing.T, full, inRepo, outRepo string) ([]string, int64) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, full)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var ids []string
	var run int64
	err = c.QueryRow(ctx, `SELECT array_agg(DISTINCT id::text), (SELECT max(run_id) FROM workflow_jobs WHERE repo = $1)
	  FROM (SELECT job_id AS id FROM workflow_jobs WHERE org = 'umbrella' OR (org = 'labs' AND repo <> $2)
	        UNION ALL SELECT run_id FROM workflow_jobs WHERE org = 'umbrella' OR (org = 'labs' AND repo <> $2)) x`,
		outRepo, inRepo).Scan(&ids, &run)
	if err != nil || len(ids) == 0 || run == 0 {
		t.Fatalf("out-of-scope ids: %v (%d ids, run %d)", err, len(ids), run)
	}
	return ids, run
}

// statusPageServer serves the status page examples pkg/status tests with.
func statusPageServer(t *testing.T) string {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range []string{"summary.json", "incidents.json"} {
		b, err := os.ReadFile("../../status/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files["/api/v2/"+name] = b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v2/summary.json"
}

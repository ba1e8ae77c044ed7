package dashboards

import (
	"context"
	"encoding/json"
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
	"github.com/ciradar/ciradar/pkg/plugin"
	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5"
)

const (
	secret         = "dashboards-test-secret"
	readerPassword = "dashboards-test-reader-password"
)

// The seeded world starts on a Monday and ends eight days later in the nightly burst, at
// 02:06 UTC: every repository's scheduled run has just asked for the two x64 runners, so
// jobs are queued and running, and eight nights of scheduled runs lie behind. The clock
// every query is asked at is that end.
var (
	worldStart = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	worldEnd   = worldStart.Add(8*24*time.Hour + 2*time.Hour + 6*time.Minute)
)

// seeded is a store filled by the simulator through the real webhook handler and a
// reconcile cycle against the fake GitHub API, and the data source Grafana would build
// from provisioning/datasources/ciradar.yaml to read it.
type seeded struct {
	ds  *plugin.Datasource
	now time.Time
	// advance lets the simulated world run on to a later time, through the same receiver:
	// a change alert rules must resolve on.
	advance func(to time.Time) error
	// What another data source on the same store needs (the GitHub Enterprise Server test).
	dbURL, statusURL string
}

// world is the default world cut down: two orgs, ten repositories, few x64 runners so that
// queues build, every repository with the approval-gated release workflow, dispatches and
// failures often enough, and approvals slow enough, that every panel has something to show;
// a publish workflow runs on published releases.
func world() simulate.Config {
	c := simulate.DefaultConfig()
	c.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: 7}, {Name: "acme-labs", Repos: 3}}
	c.NewError.StartDay, c.NewError.RepoShare = 6, 0.5
	c.Workflows[2].Share = 1
	// Releases are published too, so the repository view has releases and tags to show.
	c.Workflows = append(c.Workflows, simulate.WorkflowConfig{Name: "Publish", On: []string{"release"}, Share: 1,
		Stages: [][]simulate.JobSpec{{{Name: "publish", RunsOn: c.Workflows[0].Stages[0][0].RunsOn, Minutes: [2]float64{1, 3}}}}})
	c.Activity.DispatchPerDay = 3
	// Slow approvers: releases asked for in the afternoon still wait in the nightly burst.
	c.Approvals.Minutes = [2]float64{60, 720}
	c.Pools[3].Capacity = 2
	c.FailureRate = 0.05
	return c
}

func seed(t *testing.T) seeded {
	t.Helper()
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	st, err := store.Open(ctx, dbURL, store.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	committer := store.NewCommitter(st, store.CommitterOptions{})
	t.Cleanup(committer.Close)
	// The receiver's clock reads each delivery's simulated send time, so that receipt times
	// (ingest health, approval waits) are those of a live receiver.
	var clock atomic.Int64
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: committer, Rejections: st,
		Timeout: 10 * time.Second, Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	recv := httptest.NewServer(h)
	t.Cleanup(recv.Close)
	target := simulate.HTTPTarget{URL: recv.URL, Secret: secret}
	hooks := fakegithub.NewHookLog(72*time.Hour, func(ctx context.Context, d fakegithub.HookDelivery) (int, error) {
		return target.Resend(ctx, d.Headers, d.Body)
	})
	w, err := simulate.NewWorld(world(), 7, worldStart)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(w, simulate.Options{Deliver: target.Deliver, Concurrency: 4, Hooks: hooks, Secret: secret,
		Noise: simulate.Noise{Duplicate: 0.02, Reorder: 0.02}, BeforeSend: func(d simulate.Delivery) { clock.Store(d.At.Unix()) }})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := sim.RunFast(ctx, worldEnd); err != nil {
		t.Fatal(err)
	}
	truth := sim.Truth()
	t.Logf("seeded %d deliveries in %s; jobs %v", truth.Deliveries.Sent, time.Since(began).Round(time.Millisecond), truth.Jobs)
	reconcileOnce(t, st, sim, hooks)
	setReaderPassword(t, dbURL)
	advance := func(to time.Time) error { return sim.RunFast(ctx, to) }
	status := statusPage(t)
	return seeded{ds: datasource(t, dbURL, status, nil), now: worldEnd, advance: advance, dbURL: dbURL, statusURL: status}
}

// reconcileOnce runs one reconcile cycle against the fake API, which turns failed jobs'
// logs into error signatures and lists the runners.
func reconcileOnce(t *testing.T, st *store.Store, sim *simulate.Simulator, hooks *fakegithub.HookLog) {
	t.Helper()
	api := httptest.NewServer(fakegithub.New(fakegithub.Config{Source: sim.Source(), Hooks: hooks, Token: "tok",
		Now: sim.Now, RateLimit: 1_000_000, Issues: trackedErrors(t, sim)}))
	t.Cleanup(api.Close)
	client, err := githubapi.New(githubapi.Config{BaseURL: api.URL + "/api/v3/", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	var scopes []githubapi.Scope
	var orgs []string
	for _, o := range sim.World().Orgs {
		scopes = append(scopes, githubapi.Scope{Kind: "org", Name: o.Name})
		orgs = append(orgs, o.Name)
	}
	// The cycle ran a moment before the dashboards are looked at: its sample is inside
	// ranges that end at now.
	before := func() time.Time { return sim.Now().Add(-time.Second) }
	rec, err := reconcile.New(reconcile.Config{Store: st, API: client, RunnerScopes: scopes, BillingOrgs: orgs,
		MaxLogs: 5000, MaxIssueSearches: 5000, Now: before})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	cs, err := rec.Cycle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reconciled: %d logs scanned, %d runners, %d signatures linked to their issues, in %s", cs.LogsScanned, cs.Runners,
		cs.IssuesLinked, time.Since(began).Round(time.Millisecond))
	if cs.IssuesLinked == 0 {
		t.Fatal("no error signature was linked to the issue filed for it")
	}
}

// setReaderPassword does what the receiver's deployment does: give the read-only role the
// password the data source provisioning reads from the environment.
func setReaderPassword(t *testing.T, dbURL string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "ALTER ROLE ciradar_reader PASSWORD "+quoteLiteral(readerPassword)); err != nil {
		t.Fatal(err)
	}
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// datasource builds the plugin instance from the provisioned data source, with Grafana's
// environment interpolation pointing it at the test database, and settings changed by
// jsonData.
func datasource(t *testing.T, dbURL, statusURL string, jsonData map[string]any) *plugin.Datasource {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIRADAR_PG_HOST": u.Query().Get("host"), "CIRADAR_PG_DATABASE": strings.TrimPrefix(u.Path, "/"),
		"CIRADAR_PG_SSLMODE": "disable", "CIRADAR_READER_PASSWORD": readerPassword}
	p := loadDatasource(t, env)
	p.JSONData["statusPageUrl"] = statusURL
	for k, v := range jsonData {
		p.JSONData[k] = v
	}
	js, _ := json.Marshal(p.JSONData)
	secure := map[string]string{}
	for k, v := range p.SecureJSONData {
		secure[k] = v
	}
	inst, err := plugin.NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: p.UID, Name: p.Name,
		JSONData: js, DecryptedSecureJSONData: secure})
	if err != nil {
		t.Fatal(err)
	}
	ds := inst.(*plugin.Datasource)
	t.Cleanup(ds.Dispose)
	return ds
}

// statusPage serves the status page examples pkg/status tests with.
func statusPage(t *testing.T) string {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"summary.json", "incidents.json"} {
		b, err := os.ReadFile("../status/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files["/api/v2/"+name] = string(b)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v2/summary.json"
}

// trackedErrors is the fake GitHub's issue tracker with an issue for every error signature
// in the world's failed logs, as a team that files one per error would have: the error
// tables then show their issues, found by the reconciler's search.
func trackedErrors(t *testing.T, sim *simulate.Simulator) *fakegithub.Issues {
	t.Helper()
	issues := fakegithub.NewIssues("", sim.Now)
	if sim.FileErrorIssues(issues, 1) == 0 {
		t.Fatal("no failed job log has a signature to file an issue for")
	}
	return issues
}

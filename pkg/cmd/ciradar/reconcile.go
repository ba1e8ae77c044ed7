package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/logscan"
	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/prometheus/client_golang/prometheus"
)

// githubFlags say how to reach GitHub's REST API and as whom; shared by serve, reconcile
// and backfill. Tokens and keys are secrets: never printed, never logged.
type githubFlags struct {
	url, token, appKey, appKeyFile string
	appID, installationID          int
	orgs, hooks, scopes            string
}

func addGitHubFlags(cfg *config) *githubFlags {
	g := &githubFlags{}
	cfg.URL(&g.url, "github-url", "CIRADAR_GITHUB_URL", "https://api.github.com/",
		"GitHub REST API root; for GitHub Enterprise Server https://HOST/api/v3/", false)
	cfg.Secret(&g.token, "github-token", "CIRADAR_GITHUB_TOKEN",
		"personal access token for the reconciler (or use a GitHub App)")
	cfg.Int(&g.appID, "github-app-id", "CIRADAR_GITHUB_APP_ID", 0, "GitHub App id (instead of a token)")
	cfg.Secret(&g.appKey, "github-app-key", "CIRADAR_GITHUB_APP_KEY", "GitHub App private key, PEM")
	cfg.String(&g.appKeyFile, "github-app-key-file", "CIRADAR_GITHUB_APP_KEY_FILE", "", "file holding the GitHub App private key")
	cfg.Int(&g.installationID, "github-app-installation-id", "CIRADAR_GITHUB_APP_INSTALLATION_ID", 0,
		"GitHub App installation to use for every org (0: look each org's up)")
	cfg.String(&g.orgs, "github-orgs", "CIRADAR_GITHUB_ORGS", "",
		"comma-separated organisations: their runners are inventoried and backfill walks their repositories")
	cfg.String(&g.hooks, "github-hooks", "CIRADAR_GITHUB_HOOKS", "",
		"comma-separated hooks whose failed deliveries are redelivered: ORG:HOOK_ID, or app for the App's hook")
	cfg.String(&g.scopes, "github-runner-scopes", "CIRADAR_GITHUB_RUNNER_SCOPES", "",
		"extra runner scopes, comma-separated: repo:OWNER/NAME or enterprise:SLUG (orgs are included already)")
	cfg.Check(func() error {
		var errs []error
		if g.token != "" && (g.appID != 0 || g.appKey != "" || g.appKeyFile != "") {
			errs = append(errs, errors.New("set either -github-token or a GitHub App (-github-app-id with its key), not both"))
		}
		if (g.appID != 0) != (g.appKey != "" || g.appKeyFile != "") {
			errs = append(errs, errors.New("a GitHub App needs both -github-app-id and -github-app-key or -github-app-key-file"))
		}
		if _, err := g.hookList(); err != nil {
			errs = append(errs, err)
		}
		if _, err := g.scopeList(); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
	return g
}

// configured reports whether any GitHub credential was given.
func (g *githubFlags) configured() bool { return g.token != "" || g.appID != 0 }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (g *githubFlags) orgList() []string { return splitList(g.orgs) }

func (g *githubFlags) hookList() ([]githubapi.Hook, error) {
	var out []githubapi.Hook
	for _, h := range splitList(g.hooks) {
		if h == "app" {
			out = append(out, githubapi.Hook{})
			continue
		}
		org, id, ok := strings.Cut(h, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || org == "" || err != nil || n <= 0 {
			return nil, fmt.Errorf("-github-hooks entry %q: want ORG:HOOK_ID or app", h)
		}
		out = append(out, githubapi.Hook{Org: org, ID: n})
	}
	return out, nil
}

func (g *githubFlags) scopeList() ([]githubapi.Scope, error) {
	var out []githubapi.Scope
	for _, o := range g.orgList() {
		out = append(out, githubapi.Scope{Kind: "org", Name: o})
	}
	for _, s := range splitList(g.scopes) {
		sc, err := githubapi.ParseScope(s)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// client builds the REST client; its metrics go on reg (nil: none).
func (g *githubFlags) client(reg prometheus.Registerer) (*githubapi.Client, error) {
	cfg := githubapi.Config{BaseURL: g.url, Token: g.token, Metrics: githubapi.NewMetrics(reg)}
	if g.appID != 0 {
		pemBytes := []byte(g.appKey)
		if g.appKeyFile != "" {
			b, err := os.ReadFile(g.appKeyFile)
			if err != nil {
				return nil, fmt.Errorf("read -github-app-key-file: %w", err)
			}
			pemBytes = b
		}
		key, err := githubapi.ParsePrivateKey(pemBytes)
		if err != nil {
			return nil, err
		}
		cfg.App = &githubapi.App{ID: int64(g.appID), Key: key, InstallationID: int64(g.installationID)}
	}
	return githubapi.New(cfg)
}

// reconcileFlags tune the reconciler; shared by serve and reconcile.
type reconcileFlags struct {
	interval, stuckAfter, recheck time.Duration
	maxRedeliveries, maxStuck     int
	maxLogs, logBytes             int
	maxIssueSearches              int
	hookRanges                    bool
	gitlab                        *gitlabFlags
}

func addReconcileFlags(cfg *config) *reconcileFlags {
	r := &reconcileFlags{gitlab: addGitLabFlags(cfg)}
	cfg.Duration(&r.interval, "reconcile-interval", "CIRADAR_RECONCILE_INTERVAL", time.Minute, "time between reconcile cycles")
	cfg.Duration(&r.stuckAfter, "stuck-after", "CIRADAR_STUCK_AFTER", 30*time.Minute,
		"a job queued or running longer than this is checked against the API")
	cfg.Duration(&r.recheck, "stuck-recheck", "CIRADAR_STUCK_RECHECK", 15*time.Minute,
		"a job the API confirmed still open is checked again after this long")
	cfg.Int(&r.maxRedeliveries, "max-redeliveries", "CIRADAR_MAX_REDELIVERIES", 100, "failed deliveries redelivered per cycle at most")
	cfg.Int(&r.maxStuck, "max-stuck", "CIRADAR_MAX_STUCK", 50, "stuck jobs fetched per cycle at most")
	cfg.Int(&r.maxLogs, "max-logs", "CIRADAR_MAX_LOGS", 50, "failed-job logs downloaded per cycle at most; 0: no log fetching")
	cfg.Int(&r.maxIssueSearches, "max-issue-searches", "CIRADAR_MAX_ISSUE_SEARCHES", 10,
		"error signatures looked up per cycle in GitHub's issue search, for the issue that tracks them (its limit is 30 a minute); 0: none")
	cfg.Int(&r.logBytes, "log-max-bytes", "CIRADAR_LOG_MAX_BYTES", logscan.DefaultMaxBytes, "bytes of one job log read at most")
	cfg.Bool(&r.hookRanges, "github-hook-ranges", "CIRADAR_GITHUB_HOOK_RANGES", false,
		"refresh GitHub's webhook source ranges (/meta) into the store hourly, for receivers run with -allow-github-hooks (serve with it does this itself)")
	cfg.Check(func() error {
		if r.interval < time.Second || r.maxRedeliveries < 1 || r.maxStuck < 1 || r.maxLogs < 0 || r.logBytes < 1024 {
			return errors.New("-reconcile-interval must be at least 1s, -max-redeliveries and -max-stuck at least 1, -max-logs at least 0, -log-max-bytes at least 1024")
		}
		if r.maxIssueSearches < 0 {
			return errors.New("-max-issue-searches must be at least 0 (0: no issue searches)")
		}
		return nil
	})
	return r
}

// reconciler builds the reconciler from the flags; metrics go on reg (nil: none). Without a
// GitHub credential it has no API client and only expires jobs past GitHub's limits.
func newReconciler(s *store.Store, g *githubFlags, r *reconcileFlags, reg prometheus.Registerer, log *slog.Logger) (*reconcile.Reconciler, error) {
	var api reconcile.API
	if g.configured() {
		client, err := g.client(reg)
		if err != nil {
			return nil, err
		}
		api = client
	}
	hooks, _ := g.hookList()
	scopes, _ := g.scopeList()
	maxLogs := r.maxLogs
	if maxLogs == 0 {
		maxLogs = -1 // the reconciler's zero means its default
	}
	var gl reconcile.GitLab
	if sync, err := r.gitlab.sync(s); err != nil {
		return nil, err
	} else if sync != nil {
		// The same limits bound GitLab's traces and stuck checks as GitHub's.
		sync.MaxTraces, sync.TraceBytes = maxLogs, int64(r.logBytes)
		sync.StuckAfter, sync.RecheckAfter, sync.MaxStuck = r.stuckAfter, r.recheck, r.maxStuck
		gl = sync
	}
	searches := r.maxIssueSearches
	if searches == 0 {
		searches = -1
	}
	return reconcile.New(reconcile.Config{Store: s, API: api, GitLab: gl, Hooks: hooks, RunnerScopes: scopes, MaxIssueSearches: searches,
		Interval: r.interval, StuckAfter: r.stuckAfter, RecheckAfter: r.recheck, MaxRedeliveries: r.maxRedeliveries,
		MaxStuck: r.maxStuck, MaxLogs: maxLogs, LogBytes: int64(r.logBytes), Metrics: reconcile.NewMetrics(reg), Logger: log,
		HookRangesEvery: hookRangesEvery(r.hookRanges), BillingOrgs: billingOrgs(hooks, scopes)})
}

// billingOrgs are the organisations CI Radar watches (org hooks and org runner scopes):
// their billing usage report is read daily when the token may.
func billingOrgs(hooks []githubapi.Hook, scopes []githubapi.Scope) []string {
	seen := map[string]bool{}
	var out []string
	add := func(org string) {
		if org != "" && !seen[org] {
			seen[org] = true
			out = append(out, org)
		}
	}
	for _, h := range hooks {
		add(h.Org)
	}
	for _, s := range scopes {
		if s.Kind == "org" {
			add(s.Name)
		}
	}
	return out
}

// hookRangesEvery: GitHub changes its published ranges rarely, and announces it ahead.
func hookRangesEvery(on bool) time.Duration {
	if on {
		return time.Hour
	}
	return 0
}

var reconcileCommand = command{
	name:    "reconcile",
	summary: "run the reconciler alone (redelivery, stuck jobs, runners, error signatures, expiry); -once for one cycle",
	setup: func(cfg *config) func(context.Context) error {
		db := addDatabaseFlags(cfg)
		logs := addLogFlags(cfg)
		g := addGitHubFlags(cfg)
		rf := addReconcileFlags(cfg)
		var once bool
		cfg.Bool(&once, "once", "CIRADAR_RECONCILE_ONCE", false, "run one cycle (without leader election) and exit")
		return func(ctx context.Context) error {
			log := logs.logger()
			s, err := db.migrateAndOpen(ctx, log)
			if err != nil {
				return err
			}
			defer s.Close()
			rec, err := newReconciler(s, g, rf, nil, log)
			if err != nil {
				return err
			}
			if once {
				_, err := rec.Cycle(ctx)
				return err
			}
			log.Info("reconciler started; waiting for the leader lock", "interval", rf.interval)
			return rec.Run(ctx)
		}
	},
}

// Package reconcile repairs what webhooks miss, from GitHub's REST API (and GitLab's, through
// pkg/gitlabapi): it redelivers
// failed deliveries, corrects jobs stuck as queued or running, keeps the self-hosted runner
// inventory and its samples, turns failed jobs' logs into error signatures, and backfills
// history. Without a credential it still closes jobs that outlived GitHub's own limits. One reconciler works at a time across replicas, elected by a Postgres advisory
// lock (leader.go).
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/gitlabapi"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/google/go-github/v62/github"
)

// API is the part of the GitHub client a reconcile cycle uses.
type API interface {
	HookDeliveries(ctx context.Context, h githubapi.Hook, cursor string) ([]*github.HookDelivery, string, error)
	Redeliver(ctx context.Context, h githubapi.Hook, id int64) error
	Job(ctx context.Context, owner, repo string, id int64) (*github.WorkflowJob, error)
	JobLog(ctx context.Context, owner, repo string, id int64) (io.ReadCloser, error)
	Runners(ctx context.Context, s githubapi.Scope) ([]*github.Runner, error)
	IssuesMentioning(ctx context.Context, term string, orgs []string) ([]githubapi.Issue, error)
	Stats() githubapi.Stats
}

// Config is what a Reconciler does and how much of it per cycle.
type Config struct {
	Store *store.Store
	// API is nil when no GitHub credential is configured: a cycle then only expires jobs
	// past GitHub's limits, which needs no API.
	API API
	// Hooks whose failed deliveries are redelivered.
	Hooks []githubapi.Hook
	// RunnerScopes are listed into the runner inventory each cycle.
	RunnerScopes []githubapi.Scope
	Interval     time.Duration // between cycles; default 1m
	// StuckAfter: a job queued, waiting or running longer is asked about (default 30m);
	// RecheckAfter: a job confirmed open is asked again after this long (default 15m).
	StuckAfter, RecheckAfter time.Duration
	// Lookback is how far back the first cycle looks for failed deliveries (default 72h,
	// GitHub's retention).
	Lookback time.Duration
	// Per-cycle caps: redeliveries, stuck-job fetches, log downloads. MaxLogs below zero
	// means no log fetching at all (zero takes the default).
	MaxRedeliveries, MaxStuck, MaxLogs int
	// RedeliveryTries: a GUID asked for this many times is given up (default 3).
	RedeliveryTries int
	LogBytes        int64 // cap on one log's bytes read (default logscan.DefaultMaxBytes)
	Metrics         *Metrics
	Logger          *slog.Logger
	Now             func() time.Time
	// OnCycle, when set, is called as each led cycle starts (true) and ends (false).
	OnCycle func(start bool)
	// HookRangesEvery, when positive, refreshes GitHub's webhook ranges (/meta) into the
	// store this often, for receivers with an allowlist (hookranges.go).
	HookRangesEvery time.Duration
	// MaxIssueSearches bounds the error signatures looked up on GitHub's issue search per
	// cycle (default 10; below zero, none); IssueRecheck is how long a lookup stands
	// (default 1h).
	MaxIssueSearches int
	IssueRecheck     time.Duration
	// BillingOrgs are the organisations whose billing usage report is read daily
	// (billing.go).
	BillingOrgs []string
	// GitLab, when set, repairs GitLab projects each cycle (gitlab.go).
	GitLab GitLab
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Interval, time.Minute)
	def(&c.StuckAfter, 30*time.Minute)
	def(&c.RecheckAfter, 15*time.Minute)
	def(&c.Lookback, 72*time.Hour)
	def(&c.IssueRecheck, time.Hour)
	for _, p := range []struct {
		v   *int
		def int
	}{{&c.MaxRedeliveries, 100}, {&c.MaxStuck, 50}, {&c.RedeliveryTries, 3}} {
		if *p.v <= 0 {
			*p.v = p.def
		}
	}
	if c.MaxLogs == 0 {
		c.MaxLogs = 50
	}
	if c.MaxIssueSearches == 0 {
		c.MaxIssueSearches = 10
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Reconciler runs reconcile cycles.
type Reconciler struct {
	cfg      Config
	rangesAt time.Time   // last refresh of GitHub's webhook ranges
	leading  atomic.Bool // set by Run at each try for the lock
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Reconciler, error) {
	if cfg.Store == nil {
		return nil, errors.New("reconcile: a store is required")
	}
	cfg.defaults()
	return &Reconciler{cfg: cfg}, nil
}

// CycleStats says what one cycle did and what it cost.
type CycleStats struct {
	Redelivered, RedeliverSkipped, RedeliverBacklog int
	StuckChecked, StuckCorrected                    int
	Runners                                         int
	LogsScanned, LogsExpired                        int
	IssueSearches, IssuesLinked                     int             // error signatures asked about on GitHub, and linked
	Expired, Gone                                   int             // jobs closed without word from GitHub
	BillingDays, BillingUnavailable                 int             // billing report days stored; orgs that refused
	API                                             githubapi.Stats // requests made during the cycle
	GitLab                                          gitlabapi.SyncStats
}

// Cycle runs every task once. A failing task does not stop the others; their errors are
// joined.
func (r *Reconciler) Cycle(ctx context.Context) (CycleStats, error) {
	began := time.Now()
	var before githubapi.Stats
	if r.cfg.API != nil {
		before = r.cfg.API.Stats()
	}
	var st CycleStats
	var errs []error
	for _, task := range []struct {
		name     string
		run      func(context.Context, *CycleStats) error
		needsAPI bool
	}{
		{"redeliver", r.redeliver, true},
		{"stuck jobs", r.stuckJobs, true},
		// After the stuck jobs: a job the API could still report on is asked first.
		{"expire", r.expire, false},
		{"runners", r.runners, true},
		{"logs", r.scanLogs, true},
		// After the logs: a signature found this cycle gets its issue at once.
		{"issue links", r.linkIssues, true},
		{"hook ranges", r.hookRanges, true},
		{"billing", r.billing, true},
		{"gitlab", r.gitlab, false},
	} {
		if task.needsAPI && r.cfg.API == nil || task.name == "gitlab" && r.cfg.GitLab == nil {
			continue
		}
		if err := task.run(ctx, &st); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", task.name, err))
		}
	}
	if r.cfg.API != nil {
		st.API = r.cfg.API.Stats().Sub(before)
	}
	err := errors.Join(errs...)
	r.cfg.Metrics.observeCycle(st, time.Since(began), err)
	if serr := r.saveSample(ctx, st, time.Since(began), err == nil); serr != nil {
		err = errors.Join(err, serr)
	}
	r.cfg.Logger.Info("reconcile cycle", "redelivered", st.Redelivered, "backlog", st.RedeliverBacklog,
		"stuck_checked", st.StuckChecked, "stuck_corrected", st.StuckCorrected, "expired", st.Expired, "gone", st.Gone, "runners", st.Runners,
		"logs_scanned", st.LogsScanned, "issue_searches", st.IssueSearches, "api_requests", st.API.Requests, "api_charged", st.API.Charged(),
		"rate_limit_remaining", st.API.Remaining,
		"gitlab_pipelines", st.GitLab.Pipelines, "gitlab_jobs", st.GitLab.Jobs, "gitlab_api_requests", st.GitLab.Calls, "took", time.Since(began).Round(time.Millisecond), "error", err)
	return st, err
}

// Run runs cycles every Interval while this process holds the leader lock, and keeps
// trying for the lock otherwise, until ctx ends.
func (r *Reconciler) Run(ctx context.Context) error {
	l := NewLeader(r.cfg.Store.Pool(), LockKey)
	defer l.Release()
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		lead, err := l.Try(ctx)
		r.leading.Store(lead)
		r.cfg.Metrics.leader.Set(b2f(lead))
		if err != nil && ctx.Err() == nil {
			r.cfg.Logger.Warn("reconciler leader election failed", "error", err)
		}
		if lead {
			if r.cfg.OnCycle != nil {
				r.cfg.OnCycle(true)
			}
			r.Cycle(ctx) //nolint:errcheck // logged and counted; the next cycle tries again
			if r.cfg.OnCycle != nil {
				r.cfg.OnCycle(false)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Leading reports whether this process held the leader lock at its latest try: work that
// one replica must do alone (the rollup refresh) runs only while it does.
func (r *Reconciler) Leading() bool { return r.leading.Load() }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

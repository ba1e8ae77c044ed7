package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/ratelog"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type serveFlags struct {
	listen, secret, secretFile string
	gitlabSecret               string
	debugListen, metricsListen string
	writers, maxBatch          int
	commitTimeout, shutdown    time.Duration
	startupWait, retention     time.Duration
	rollupInterval, heartbeat  time.Duration
	retrainAfter               int
	migrate                    bool
	github                     *githubFlags
	reconcile                  *reconcileFlags
	limits                     *limitFlags
	badges                     *badgeFlags
}

var serveCommand = command{
	name:    "serve",
	summary: "run the webhook receiver (POST /webhook, /healthz, /readyz, /metrics, and opt-in /badge/OWNER/NAME.svg)",
	setup: func(cfg *config) func(context.Context) error {
		db := addDatabaseFlags(cfg)
		logs := addLogFlags(cfg)
		f := &serveFlags{}
		cfg.Addr(&f.listen, "listen", "CIRADAR_LISTEN", ":8080", "address the receiver listens on", false)
		cfg.Secret(&f.secret, "webhook-secret", "CIRADAR_WEBHOOK_SECRET",
			"webhook secret; several, comma-separated, are all accepted (for rotation)")
		cfg.String(&f.secretFile, "webhook-secret-file", "CIRADAR_WEBHOOK_SECRET_FILE", "",
			"file holding webhook secrets, one per line (used with or instead of -webhook-secret)")
		cfg.Secret(&f.gitlabSecret, "gitlab-webhook-secret", "CIRADAR_GITLAB_WEBHOOK_SECRET",
			"GitLab webhook secret token (X-Gitlab-Token); several, comma-separated, for rotation; POST /webhook/gitlab is off (404) unless set")
		cfg.Int(&f.writers, "writers", "CIRADAR_WRITERS", 4, "concurrent group-commit transactions")
		cfg.Int(&f.maxBatch, "max-batch", "CIRADAR_MAX_BATCH", 256, "deliveries per transaction at most")
		cfg.Duration(&f.commitTimeout, "commit-timeout", "CIRADAR_COMMIT_TIMEOUT", 1500*time.Millisecond,
			"longest a delivery waits for its commit before the answer is 503")
		cfg.Duration(&f.shutdown, "shutdown-timeout", "CIRADAR_SHUTDOWN_TIMEOUT", 20*time.Second,
			"on SIGTERM, longest wait for in-flight deliveries to commit")
		cfg.Duration(&f.startupWait, "startup-wait", "CIRADAR_STARTUP_WAIT", time.Minute,
			"how long to keep retrying the database at start")
		cfg.Duration(&f.retention, "retention", "CIRADAR_RETENTION", 0,
			"drop raw deliveries older than this, a weekly partition at a time (0 keeps them forever); projections stay")
		// Five minutes: only whole hours are ever final, so a refresh each minute mostly
		// recomputed the same days (at 10 million jobs, about 10 s of database time a day).
		cfg.Duration(&f.rollupInterval, "rollup-interval", "CIRADAR_ROLLUP_INTERVAL", 5*time.Minute,
			"how often to refresh the rollups the data source reads for long ranges (0 turns it off)")
		cfg.Duration(&f.heartbeat, "heartbeat-interval", "CIRADAR_HEARTBEAT_INTERVAL", 5*time.Second,
			"how often to write the heartbeat a data source on a hot standby measures its lag by (0 turns it off)")
		cfg.Int(&f.retrainAfter, "dictionary-retrain-after", "CIRADAR_DICTIONARY_RETRAIN_AFTER", 100000,
			"train a new payload compression dictionary after this many deliveries, the first after a tenth of them (0: never)")
		cfg.Bool(&f.migrate, "migrate", "CIRADAR_MIGRATE", true, "apply migrations at start")
		f.limits = addLimitFlags(cfg)
		f.badges = addBadgeFlags(cfg)
		// serve also runs the reconciler (one leader across replicas); with GitHub credentials
		// it repairs from the REST API, without them it only expires jobs past GitHub's limits.
		f.github, f.reconcile = addGitHubFlags(cfg), addReconcileFlags(cfg)
		cfg.Addr(&f.metricsListen, "metrics-listen", "CIRADAR_METRICS_LISTEN", "",
			"when set, serve /metrics on this address only, not beside /webhook (e.g. 127.0.0.1:9090, for a receiver facing the internet)", true)
		cfg.Addr(&f.debugListen, "debug-listen", "CIRADAR_DEBUG_LISTEN", "",
			"when set, serve Go's pprof profiler on this address (keep it private, e.g. 127.0.0.1:6060)", true)
		var secrets []string
		cfg.Check(func() (err error) {
			secrets, err = loadSecrets(f.secret, f.secretFile)
			return err
		})
		cfg.Check(func() error { return checkGitLabTokens(f.gitlabSecret) })
		cfg.Check(func() error {
			var errs []error
			if f.writers < 1 || f.writers > 32 {
				errs = append(errs, fmt.Errorf("-writers must be between 1 and 32, got %d", f.writers))
			}
			if f.maxBatch < 1 {
				errs = append(errs, fmt.Errorf("-max-batch must be positive, got %d", f.maxBatch))
			}
			// Negative durations are refused by the check every duration flag has.
			if f.commitTimeout == 0 {
				errs = append(errs, errors.New("-commit-timeout must be positive"))
			}
			return errors.Join(errs...)
		})
		return func(ctx context.Context) error {
			return serve(ctx, db, f, secrets, logs.logger())
		}
	},
}

// loadSecrets merges the secret list from the flag and the file. Empty entries are an
// error: an empty secret would accept unsigned payloads.
func loadSecrets(list, file string) ([]string, error) {
	var out []string
	if list != "" {
		for _, s := range strings.Split(list, ",") {
			if s = strings.TrimSpace(s); s == "" {
				return nil, errors.New("-webhook-secret holds an empty entry")
			}
			out = append(out, s)
		}
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read -webhook-secret-file: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("a webhook secret is required (-webhook-secret, CIRADAR_WEBHOOK_SECRET or -webhook-secret-file): the receiver will not accept unsigned deliveries")
	}
	return out, nil
}

func serve(ctx context.Context, db *databaseFlags, f *serveFlags, secrets []string, log *slog.Logger) error {
	tuneGC()
	if f.limits == nil {
		f.limits = defaultLimits()
	}
	f.limits.setMemoryLimit(log)
	if f.migrate {
		if err := retry(ctx, f.startupWait, log, func() error { return migrate(ctx, db.url, log) }); err != nil {
			return err
		}
	}
	s, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.EnsureDictionary(ctx); err != nil {
		log.Warn("payload dictionaries unavailable: compressing without one until they load", "error", err)
	}
	fallbacks := ratelog.New(log, time.Minute)
	s.SetFallbackHook(func(why error) { fallbacks.Warn(why.Error(), "payload stored uncompressed", "reason", why) })
	baseFailures := ratelog.New(log, time.Minute)
	s.SetBaseFailureHook(func(why error) {
		key := "encode" // one line a minute for each kind: a missing base names its row
		if errors.Is(why, store.ErrMissingBase) {
			key = "missing base"
		}
		baseFailures.Warn(key, "payload not stored or read against its job's first payload", "reason", why)
	})

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "ciradar_payload_uncompressed_total",
		Help: "Payloads stored as received because compressing them failed"}, func() float64 { return float64(s.PayloadFallbacks()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "ciradar_payload_base_failures_total",
		Help: "Payloads stored against the dictionary alone because encoding them against their base failed, and rows not read for want of their base"},
		func() float64 { return float64(s.PayloadBaseFailures()) }))
	metrics := webhook.NewMetrics(reg)
	committer := store.NewCommitter(s, store.CommitterOptions{
		Writers: f.writers, MaxBatch: f.maxBatch, ObserveBatch: metrics.ObserveBatch,
	})
	budget, err := f.limits.budget()
	if err != nil {
		committer.Close()
		return err
	}
	sources := f.limits.sources()
	hook, err := webhook.NewHandler(webhook.Config{
		Secrets: secrets, Sink: committer, Rejections: s, Metrics: metrics, Logger: log, Timeout: f.commitTimeout,
		Budget: budget, BudgetWait: f.limits.bodyWait, BodyTimeout: f.limits.bodyTimeout, Sources: sources,
	})
	if err != nil {
		committer.Close()
		return err
	}
	go returnMemory(ctx, budget, 5*time.Second)
	if sources != nil && sources.UsesGitHub() {
		go loadSourceRanges(ctx, s, sources, time.Minute, log)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", hook)
	if err := mountGitLab(mux, hook, f.gitlabSecret, webhook.Config{
		Sink: committer, Rejections: s, Metrics: metrics, Logger: log, Timeout: f.commitTimeout,
		Budget: budget, BudgetWait: f.limits.bodyWait, BodyTimeout: f.limits.bodyTimeout,
	}); err != nil {
		committer.Close()
		return err
	}
	mux.Handle("GET /healthz", webhook.Liveness())
	mux.Handle("GET /readyz", webhook.Readiness(s))
	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if f.metricsListen == "" {
		mux.Handle("GET /metrics", metricsHandler)
	} else {
		private := http.NewServeMux()
		private.Handle("GET /metrics", metricsHandler)
		go servePrivate(ctx, "metrics", f.metricsListen, private, log)
	}

	handler, err := f.badges.mount(mux, s, f.limits, log)
	if err != nil {
		committer.Close()
		return err
	}

	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		committer.Close()
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	ln = newLimitListener(ln, f.limits.maxConns)
	// Headers must arrive within 10 s and hold at most 64 KiB (GitHub's are under 2 KiB);
	// a body gets -body-timeout once admitted (the handler sets that deadline).
	srv := &http.Server{
		Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, MaxHeaderBytes: 64 << 10,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go partitionLoop(ctx, s, time.Hour, log)
	if f.retention > 0 {
		go pruneLoop(ctx, s, f.retention, log)
	}
	if f.limits.allowGitHub {
		f.reconcile.hookRanges = true
	}
	// Without a credential the reconciler still closes jobs past GitHub's limits.
	rec, err := newReconciler(s, f.github, f.reconcile, reg, log)
	if err != nil {
		committer.Close()
		return fmt.Errorf("reconciler: %w", err)
	}
	go rec.Run(ctx) //nolint:errcheck // returns when ctx ends; cycles log their own errors
	if f.rollupInterval > 0 {
		go rollupLoop(ctx, s, f.rollupInterval, rec.Leading, log)
	}
	if f.heartbeat > 0 {
		go heartbeatLoop(ctx, s, f.heartbeat, log)
	}
	go dictionaryLoop(ctx, s, time.Minute, f.retrainAfter, rec.Leading, log)
	if f.debugListen != "" {
		go serveDebug(ctx, f.debugListen, log)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("receiver listening", "addr", ln.Addr().String(), "secrets", len(secrets), "writers", f.writers)

	select {
	case err := <-served:
		committer.Close()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: no new deliveries, finishing in-flight commits")
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdown)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	committer.Close()
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	log.Info("receiver stopped cleanly")
	return nil
}

// retry runs f until it succeeds, ctx ends, or wait has passed since the first try.
func retry(ctx context.Context, wait time.Duration, log *slog.Logger, f func() error) error {
	deadline := time.Now().Add(wait)
	backoff := 250 * time.Millisecond
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		log.Warn("database not ready, retrying", "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func pruneLoop(ctx context.Context, s *store.Store, keep time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := s.PruneDeliveries(ctx, time.Now().Add(-keep))
		if err != nil {
			log.Warn("pruning raw deliveries failed", "error", err)
		} else if n > 0 {
			log.Info("pruned raw deliveries", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tuneGC trades memory the receiver has plenty of for CPU it lacks: every delivery allocates
// its ~8 KB body and a parse, and at the default GOGC=100 garbage collection took about an
// eighth of the receiver's CPU under load. GOGC=400 keeps the heap well under 150 MB at the
// measured peak (see BENCHMARKS.md). An explicit GOGC in the environment wins.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ciradar/ciradar/pkg/logscan"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/jackc/pgx/v5"
)

type demoFlags struct {
	listen, apiAddr, repo, speed string
	forge, gitlabAPIAddr         string
	history, duration            time.Duration
	readerPassword               string
	logs                         *logFlags
}

var demoCommand = command{
	name:    "demo",
	summary: "run CI Radar here without Docker: a throwaway Postgres, the receiver, the simulator and its fake GitHub and GitLab APIs",
	setup: func(cfg *config) func(context.Context) error {
		f := &demoFlags{}
		cfg.Addr(&f.listen, "demo-listen", "CIRADAR_DEMO_LISTEN", "127.0.0.1:8080", "address of the demo's receiver", false)
		cfg.Addr(&f.apiAddr, "demo-api-addr", "CIRADAR_DEMO_API_ADDR", "127.0.0.1:8081",
			"address of the simulator's fake GitHub API, which the demo's reconciler reads", false)
		cfg.String(&f.forge, "demo-forge", "CIRADAR_DEMO_FORGE", simulate.ForgeMixed,
			"where the simulated organisations live: github, gitlab, or mixed (the first on GitHub, the second a GitLab group)")
		cfg.Addr(&f.gitlabAPIAddr, "demo-gitlab-api-addr", "CIRADAR_DEMO_GITLAB_API_ADDR", "127.0.0.1:8082",
			"address of the simulator's fake GitLab API, which the demo's GitLab reconciler reads", false)
		cfg.Duration(&f.history, "demo-history", "CIRADAR_DEMO_HISTORY", 7*24*time.Hour,
			"simulated history sent first, as fast as the receiver takes it")
		cfg.String(&f.speed, "demo-speed", "CIRADAR_DEMO_SPEED", "1", "simulated seconds per wall second after the history")
		cfg.Duration(&f.duration, "demo-duration", "CIRADAR_DEMO_DURATION", 0, "stop after this long; 0: run until interrupted")
		cfg.String(&f.repo, "demo-repo", "CIRADAR_DEMO_REPO", ".", "the CI Radar checkout, whose dist/, provisioning/ and dashboards/ Grafana is pointed at")
		cfg.Secret(&f.readerPassword, "reader-password", "CIRADAR_READER_PASSWORD",
			"password the demo gives the read-only role ciradar_reader; empty: a random one (both only in the demo's 0600 env file)")
		f.logs = addLogFlags(cfg)
		cfg.Check(func() error {
			var errs []error
			if strings.ContainsRune(f.readerPassword, 0) {
				errs = append(errs, errors.New("-reader-password holds a NUL byte"))
			}
			switch f.forge {
			case simulate.ForgeGitHub, simulate.ForgeGitLab, simulate.ForgeMixed:
			default:
				errs = append(errs, fmt.Errorf("-demo-forge %q: want github, gitlab or mixed", f.forge))
			}
			return errors.Join(errs...)
		})
		return func(ctx context.Context) error { return runDemo(ctx, f, os.Stdout, f.logs.logger()) }
	},
}

// runDemo starts everything, prints how to reach it, and tears it all down when ctx ends
// (or after -demo-duration).
func runDemo(ctx context.Context, f *demoFlags, out io.Writer, log *slog.Logger) error {
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	// Before anything starts: the receiver and simulator run without the plugin, but the
	// Grafana the demo prints instructions for would show no data source.
	missing := checkDist(f.repo, runtime.GOOS, runtime.GOARCH)
	if missing != nil {
		log.Warn("the data source is not built, so Grafana cannot load it; the receiver and simulator run anyway",
			"missing", missing.files, "build_it_with", missing.command)
	}
	dir, err := os.MkdirTemp("", "ciradar-demo-")
	if err != nil {
		return fmt.Errorf("demo directory: %w", err)
	}
	defer os.RemoveAll(dir)
	// Grafana may run as another user: it must reach the plugin link (the env file itself
	// stays 0600).
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("demo directory: %w", err)
	}
	cluster, dbURL, err := startDemoPostgres(ctx, log)
	if err != nil {
		return err
	}
	defer cluster.Remove()
	readerPassword, err := setDemoReaderPassword(ctx, dbURL, f.readerPassword)
	if err != nil {
		return err
	}
	if err := requireReaderPassword(cluster); err != nil {
		return err
	}
	secret, token := randomHex(), randomHex()
	gitlabSecret, gitlabToken := randomHex(), randomHex()
	sf, err := demoSimulation(f, secret, token, gitlabSecret, gitlabToken)
	if err != nil {
		return err
	}
	// The fake GitHub API listens before the receiver starts, so the reconciler's first
	// cycle finds it.
	sim, err := newSimulation(sf, log)
	if err != nil {
		return err
	}
	defer sim.close()
	hooks, orgs := sim.githubOrgs()
	// The GitLab reconciler reads the fake GitLab API (nil when the world has no GitLab group).
	rf := &reconcileFlags{interval: 20 * time.Second, stuckAfter: 30 * time.Minute, recheck: 15 * time.Minute,
		maxRedeliveries: 100, maxStuck: 50, maxLogs: 200, logBytes: logscan.DefaultMaxBytes, gitlab: sim.gitlabReconciler()}
	serveF := &serveFlags{listen: f.listen, writers: 2, maxBatch: 256, commitTimeout: 1500 * time.Millisecond,
		shutdown: 10 * time.Second, startupWait: time.Minute, reconcile: rf, gitlabSecret: gitlabSecret,
		github: &githubFlags{url: "http://" + f.apiAddr + "/api/v3/", token: token, orgs: orgs, hooks: hooks}}
	db := &databaseFlags{url: dbURL, maxConns: 8}
	envFile, err := writeDemoEnv(dir, demoCredentials{receiver: "http://" + f.listen + "/webhook", secret: secret,
		api: serveF.github.url, token: token, socketDir: cluster.SocketDir(), readerPassword: readerPassword,
		gitlabReceiver: "http://" + f.listen + "/webhook/gitlab", gitlabSecret: gitlabSecret, gitlabAPI: demoGitLabAPI(rf.gitlab),
		gitlabToken: gitlabToken})
	if err != nil {
		return err
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, db, serveF, []string{secret}, log) }()
	if err := waitHealthy(ctx, "http://"+f.listen+"/healthz", served); err != nil {
		return err
	}
	simulated := make(chan error, 1)
	go func() { simulated <- sim.run(ctx, log) }()
	printDemo(out, f, cluster.SocketDir(), envFile, linkPlugin(f.repo, dir), missing)

	var firstErr error
	select {
	case <-ctx.Done():
	case firstErr = <-served:
	case firstErr = <-simulated:
	}
	stop()
	for _, ch := range []chan error{served, simulated} {
		select {
		case err := <-ch:
			firstErr = errors.Join(firstErr, err)
		case <-time.After(15 * time.Second):
		}
	}
	fmt.Fprintln(out, "CI Radar demo stopped; its database is gone.")
	return firstErr
}

// startDemoPostgres starts a throwaway server (pkg/pgtest's, run as the postgres user when
// root) with a database ciradar, migrated.
func startDemoPostgres(ctx context.Context, log *slog.Logger) (*pgtest.Cluster, string, error) {
	cluster, err := pgtest.StartCluster()
	if err != nil {
		return nil, "", fmt.Errorf("start Postgres: %w", err)
	}
	// Grafana may run as another user: it must reach the socket.
	if err := os.Chmod(cluster.SocketDir(), 0o755); err != nil {
		cluster.Remove()
		return nil, "", fmt.Errorf("open the socket directory: %w", err)
	}
	conn, err := pgx.Connect(ctx, cluster.URL("postgres"))
	if err == nil {
		_, err = conn.Exec(ctx, "CREATE DATABASE ciradar")
		conn.Close(context.Background())
	}
	if err != nil {
		cluster.Remove()
		return nil, "", fmt.Errorf("create database ciradar: %w", err)
	}
	dbURL := cluster.URL("ciradar")
	if err := migrate(ctx, dbURL, log); err != nil {
		cluster.Remove()
		return nil, "", err
	}
	return cluster, dbURL, nil
}

// setDemoReaderPassword gives ciradar_reader its password, the chosen one or a random one,
// and returns it for the demo's env file: it is never printed.
func setDemoReaderPassword(ctx context.Context, dbURL, password string) (string, error) {
	if password == "" {
		password = randomHex()
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", fmt.Errorf("connect to set the reader password: %w", err)
	}
	defer conn.Close(context.Background())
	// ALTER ROLE takes no bind parameters; with standard_conforming_strings (the default
	// since 9.1) doubling quotes makes any value a literal.
	lit := "'" + strings.ReplaceAll(password, "'", "''") + "'"
	if _, err := conn.Exec(ctx, "ALTER ROLE ciradar_reader PASSWORD "+lit); err != nil {
		return "", fmt.Errorf("set the reader password: %w", err)
	}
	return password, nil
}

// requireReaderPassword makes the server check passwords for every role but the
// superuser, which the receiver uses over the socket: the data source then proves that the
// password it was provisioned with is the one the role has.
func requireReaderPassword(c *pgtest.Cluster) error {
	hba := "local all postgres trust\nlocal all all scram-sha-256\n"
	if err := os.WriteFile(filepath.Join(c.DataDir(), "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("write pg_hba.conf: %w", err)
	}
	if err := syscall.Kill(c.Pid(), syscall.SIGHUP); err != nil {
		return fmt.Errorf("reload Postgres: %w", err)
	}
	return nil
}

// demoSimulation configures the simulator like `ciradar simulate`: history first, then
// live, with a few dropped deliveries for the reconcilers to repair through the fake APIs.
// Its organisations live on the forge -demo-forge says.
func demoSimulation(f *demoFlags, secret, token, gitlabSecret, gitlabToken string) (*simulateFlags, error) {
	sf := &simulateFlags{url: "http://" + f.listen + "/webhook", secret: secret, seed: 1, since: f.history,
		speedS: f.speed, concurrency: 8, dupS: "0.01", reorderS: "0.02", dropS: "0.005",
		apiAddr: f.apiAddr, apiToken: token, logs: f.logs,
		gitlab: simGitLabFlags{forge: f.forge, secret: gitlabSecret, apiAddr: f.gitlabAPIAddr, apiToken: gitlabToken}}
	if err := sf.check(); err != nil {
		return nil, err
	}
	return sf, nil
}

// githubOrgs are the hooks and names of the simulated world's GitHub organisations, for
// the GitHub reconciler (a GitLab group is the GitLab reconciler's, gitlabReconciler).
func (s *simulation) githubOrgs() (hooks, orgs string) {
	var h, o []string
	for _, org := range s.sim.World().Orgs {
		if !org.GitLab() {
			h, o = append(h, fmt.Sprintf("%s:%d", org.Name, org.HookID)), append(o, org.Name)
		}
	}
	return strings.Join(h, ","), strings.Join(o, ",")
}

// demoGitLabAPI is the fake GitLab API's v4 URL the GitLab reconciler reads, or "" when the
// world has no GitLab group.
func demoGitLabAPI(g *gitlabFlags) string {
	if g == nil {
		return ""
	}
	return strings.TrimSuffix(g.url, "/") + "/api/v4/"
}

func waitHealthy(ctx context.Context, url string, served <-chan error) error {
	for {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-served:
			return fmt.Errorf("receiver stopped during start-up: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
)

var backfillCommand = command{
	name:    "backfill",
	summary: "load run and job history from the GitHub REST API (-since 30d, -repo OWNER/NAME), or GitLab's (-forge gitlab)",
	setup: func(cfg *config) func(context.Context) error {
		db := addDatabaseFlags(cfg)
		logs := addLogFlags(cfg)
		g := addGitHubFlags(cfg)
		gl := addGitLabFlags(cfg)
		var since, repos, forge string
		cfg.String(&forge, "forge", "CIRADAR_BACKFILL_FORGE", "github",
			"github, or gitlab: every pipeline of -gitlab-projects and -gitlab-groups updated since -since")
		var window time.Duration
		cfg.String(&since, "since", "CIRADAR_BACKFILL_SINCE", "30d", "how far back: days (30d) or a Go duration (720h)")
		cfg.String(&repos, "repo", "CIRADAR_BACKFILL_REPOS", "",
			"comma-separated OWNER/NAME repositories (default: every repository of -github-orgs)")
		cfg.Duration(&window, "backfill-window", "CIRADAR_BACKFILL_WINDOW", 0,
			"first time slice per listing (0: the whole range); cut smaller automatically under GitHub's 1,000-result cap")
		var back time.Duration
		cfg.Check(func() (err error) {
			var errs []error
			if back, err = parseSince(since); err != nil {
				errs = append(errs, err)
			}
			switch forge {
			case "github":
				if !g.configured() {
					errs = append(errs, errors.New("backfill needs -github-token or a GitHub App (-github-app-id and its key)"))
				}
				if len(g.orgList()) == 0 && repos == "" {
					errs = append(errs, errors.New("name what to backfill: -github-orgs and/or -repo"))
				}
			case "gitlab":
				if !gl.configured() {
					errs = append(errs, errors.New("backfill -forge gitlab needs -gitlab-token and -gitlab-projects and/or -gitlab-groups"))
				}
			default:
				errs = append(errs, fmt.Errorf("-forge %q: want github or gitlab", forge))
			}
			return errors.Join(errs...)
		})
		return func(ctx context.Context) error {
			log := logs.logger()
			s, err := db.migrateAndOpen(ctx, log)
			if err != nil {
				return err
			}
			defer s.Close()
			if forge == "gitlab" {
				return backfillGitLab(ctx, s, gl, time.Now().Add(-back), log)
			}
			client, err := g.client(nil)
			if err != nil {
				return err
			}
			progress := newBackfillProgress(os.Stderr, log)
			st, err := reconcile.Backfill(ctx, reconcile.BackfillConfig{Store: s, API: client, Orgs: g.orgList(),
				Repos: splitList(repos), Since: time.Now().Add(-back), Window: window, Logger: log, Progress: progress.update})
			progress.done(err)
			log.Info("backfill finished", "repos", st.Repos, "runs", st.Runs, "jobs", st.Jobs, "stored", st.Stored,
				"api_requests", st.API.Requests, "api_charged", st.API.Charged(), "error", err)
			return err
		}
	},
}

// parseSince reads "30d" or a Go duration.
func parseSince(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("-since %q: want days like 30d or a duration like 720h", s)
	}
	return d, nil
}

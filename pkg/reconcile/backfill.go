package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/google/go-github/v62/github"
)

// BackfillAPI is the part of the GitHub client backfill uses.
type BackfillAPI interface {
	OrgRepos(ctx context.Context, org string) ([]*github.Repository, error)
	Runs(ctx context.Context, owner, repo, created string, page int) (githubapi.RunsPage, error)
	RunAttempt(ctx context.Context, owner, repo string, id int64, attempt int) (*github.WorkflowRun, error)
	RunJobs(ctx context.Context, owner, repo string, id int64) ([]*github.WorkflowJob, error)
	Stats() githubapi.Stats
}

// listingCap is GitHub's limit on results of one filtered listing: past 1,000 runs, a
// created range must be cut smaller.
const listingCap = 1000

// BackfillConfig says what to backfill.
type BackfillConfig struct {
	Store *store.Store
	API   BackfillAPI
	Orgs  []string // every repository of these organisations
	Repos []string // and these "owner/name" repositories
	Since time.Time
	Until time.Time // default now
	// Window is the first time slice tried per listing. The default, the whole range, costs
	// one listing per 100 runs for a repository with fewer runs than GitHub's 1,000-result
	// cap; a busier one is cut to fit the cap and the window grows again when slices are
	// sparse.
	Window time.Duration
	// Cap is the most results one listing returns: GitHub's 1,000 (the default).
	Cap      int
	Logger   *slog.Logger
	Progress func(BackfillProgress)
	Now      func() time.Time
}

// BackfillProgress is reported after each time slice.
type BackfillProgress struct {
	Repo        string
	RepoIndex   int // 1-based
	Repos       int
	Runs, Jobs  int // written so far, over every repository
	Covered     time.Duration
	Total       time.Duration // of this repository's range
	APIRequests int64
}

// BackfillStats is the result.
type BackfillStats struct {
	Repos, Runs, Jobs int
	Stored            int // new raw rows; 0 on a re-run
	Slices            int // time slices listed (each at least one call), cut ones included
	Attempts          int // earlier run attempts fetched one by one (re-runs)
	API               githubapi.Stats
}

// Backfill walks every repository's runs created since Since, time slice by time slice,
// and writes each run, its earlier attempts and all their jobs through the same path as
// webhooks, so it is idempotent with live ingest. Each repository's progress is a
// checkpoint: an interrupted backfill resumes after the last finished slice.
func Backfill(ctx context.Context, cfg BackfillConfig) (BackfillStats, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Until.IsZero() {
		cfg.Until = cfg.Now()
	}
	if cfg.Window <= 0 {
		cfg.Window = cfg.Until.Sub(cfg.Since)
	}
	if cfg.Cap <= 0 {
		cfg.Cap = listingCap
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	before := cfg.API.Stats()
	b := &backfill{cfg: cfg}
	repos, err := b.repoList(ctx)
	if err != nil {
		return BackfillStats{}, err
	}
	b.stats.Repos = len(repos)
	for i, repo := range repos {
		if err := b.repo(ctx, repo, i+1, len(repos)); err != nil {
			b.stats.API = cfg.API.Stats().Sub(before)
			return b.stats, fmt.Errorf("backfill %s: %w", repo.FullName, err)
		}
	}
	b.stats.API = cfg.API.Stats().Sub(before)
	return b.stats, nil
}

type backfill struct {
	cfg   BackfillConfig
	stats BackfillStats
}

func (b *backfill) repoList(ctx context.Context) ([]store.RepoRef, error) {
	var out []store.RepoRef
	for _, org := range b.cfg.Orgs {
		rs, err := b.cfg.API.OrgRepos(ctx, org)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			out = append(out, store.RepoRef{ID: r.GetID(), FullName: r.GetFullName(), Org: org, DefaultBranch: r.GetDefaultBranch(),
				Visibility: r.GetVisibility()})
		}
	}
	for _, full := range b.cfg.Repos {
		owner, _, ok := strings.Cut(full, "/")
		if !ok {
			return nil, fmt.Errorf("repository %q: want owner/name", full)
		}
		// The id and default branch come with the first run listed (run.repository).
		out = append(out, store.RepoRef{FullName: full, Org: owner})
	}
	return out, nil
}

// repo backfills one repository from its checkpoint. The checkpoint's position is the end
// (unix seconds) of the last finished slice; its time is the Since it was made for, so a
// backfill reaching further back than a previous one starts over.
func (b *backfill) repo(ctx context.Context, repo store.RepoRef, idx, n int) error {
	name := "backfill:" + repo.FullName
	pos, since, ok, err := b.cfg.Store.Checkpoint(ctx, name)
	if err != nil {
		return err
	}
	from := b.cfg.Since
	if ok && !since.After(b.cfg.Since) && time.Unix(pos, 0).After(from) {
		from = time.Unix(pos, 0).UTC()
	}
	window := b.cfg.Window
	for from.Before(b.cfg.Until) {
		to := from.Add(window)
		if to.After(b.cfg.Until) {
			to = b.cfg.Until
		}
		done, total, err := b.slice(ctx, &repo, from, to)
		if err != nil {
			return err
		}
		if !done { // more than the cap: cut the slice to fit, with a margin, and ask again
			window = max(time.Duration(float64(window)*0.8*float64(b.cfg.Cap)/float64(total)), time.Second)
			continue
		}
		if err := b.cfg.Store.SetCheckpoint(ctx, name, to.Unix(), b.cfg.Since); err != nil {
			return err
		}
		if total < b.cfg.Cap/4 {
			window *= 2
		}
		from = to
		b.report(repo.FullName, idx, n, from.Sub(b.cfg.Since), b.cfg.Until.Sub(b.cfg.Since))
	}
	b.cfg.Logger.Info("backfilled repository", "repo", repo.FullName, "n", idx, "of", n,
		"runs", b.stats.Runs, "jobs", b.stats.Jobs, "api_requests", b.cfg.API.Stats().Requests)
	return nil
}

func (b *backfill) report(repo string, idx, n int, covered, total time.Duration) {
	if b.cfg.Progress != nil {
		b.cfg.Progress(BackfillProgress{Repo: repo, RepoIndex: idx, Repos: n, Runs: b.stats.Runs, Jobs: b.stats.Jobs,
			Covered: covered, Total: total, APIRequests: b.cfg.API.Stats().Requests})
	}
}

// slice backfills the runs created in [from, to). It reports done=false, having written
// nothing, when the slice holds more runs than one listing can return.
func (b *backfill) slice(ctx context.Context, repo *store.RepoRef, from, to time.Time) (bool, int, error) {
	owner, name, _ := strings.Cut(repo.FullName, "/")
	// GitHub's created range is inclusive at both ends and has one-second resolution.
	created := from.UTC().Format(time.RFC3339) + ".." + to.Add(-time.Second).UTC().Format(time.RFC3339)
	var runs []*github.WorkflowRun
	b.stats.Slices++
	for page := 1; page > 0; {
		p, err := b.cfg.API.Runs(ctx, owner, name, created, page)
		if err != nil {
			return false, 0, err
		}
		if p.Total > b.cfg.Cap && to.Sub(from) > time.Second {
			return false, p.Total, nil
		}
		runs = append(runs, p.Runs...)
		page = p.NextPage
	}
	for _, run := range runs {
		if err := b.run(ctx, repo, owner, name, run); err != nil {
			return false, 0, err
		}
	}
	return true, len(runs), nil
}

// run writes one run: its latest attempt (from the listing), its earlier attempts, and the
// jobs of all attempts. Jobs still queued or waiting are left to live ingest and the
// stuck-job sweep: their receipt times mean something only when GitHub sends them.
func (b *backfill) run(ctx context.Context, repo *store.RepoRef, owner, name string, run *github.WorkflowRun) error {
	if repo.ID == 0 && run.Repository != nil {
		repo.ID, repo.DefaultBranch = run.Repository.GetID(), run.Repository.GetDefaultBranch()
	}
	now := b.cfg.Now()
	var items []store.Item
	add := func(it store.Item, err error) error {
		if err != nil {
			return err
		}
		items = append(items, it)
		return nil
	}
	if err := add(store.RunItem(*repo, run, now)); err != nil {
		return err
	}
	for a := 1; a < run.GetRunAttempt(); a++ {
		b.stats.Attempts++
		prev, err := b.cfg.API.RunAttempt(ctx, owner, name, run.GetID(), a)
		if err != nil {
			return err
		}
		if err := add(store.RunItem(*repo, prev, now)); err != nil {
			return err
		}
	}
	jobs, err := b.cfg.API.RunJobs(ctx, owner, name, run.GetID())
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if !store.JobStatusAfter(j.GetStatus(), "waiting") {
			continue
		}
		if err := add(store.JobItem(*repo, j, now)); err != nil {
			return err
		}
		b.stats.Jobs++
	}
	res, err := b.cfg.Store.Write(ctx, items)
	if err != nil {
		return errors.Join(fmt.Errorf("write run %d", run.GetID()), err)
	}
	b.stats.Runs++
	b.stats.Stored += res.Stored
	return nil
}

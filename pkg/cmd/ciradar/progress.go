package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/schollz/progressbar/v3"
)

// backfillProgress shows how far a backfill is: on a terminal a bar with an ETA, redrawn in
// place; elsewhere (a log file, CI, a container) one log line every interval, as a bar's
// carriage returns would only garble a log.
type backfillProgress struct {
	bar   *progressbar.ProgressBar // nil when stderr is not a terminal
	w     io.Writer                // the bar's
	log   *slog.Logger
	every time.Duration
	now   func() time.Time
	began time.Time
	last  time.Time // of the last line; zero before the first
}

// barScale is the bar's units per repository: progress within one is a share of its time
// range.
const barScale = 1000

func newBackfillProgress(f *os.File, log *slog.Logger) *backfillProgress {
	p := &backfillProgress{log: log, every: 30 * time.Second, now: time.Now}
	p.began = p.now()
	if isTerminal(f) {
		p.bar, p.w = newBar(f), f
	}
	return p
}

func newBar(w io.Writer) *progressbar.ProgressBar {
	return progressbar.NewOptions64(barScale, progressbar.OptionSetWriter(w), progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(true), progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetDescription("backfill: listing repositories"),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
}

// fraction is how much of the whole backfill is done, from 0 to 1: whole repositories plus
// the covered share of the current one's range.
func fraction(pr reconcile.BackfillProgress) float64 {
	within := float64(pr.Covered) / float64(max(pr.Total, 1))
	return min(1, (float64(pr.RepoIndex-1)+min(within, 1))/float64(max(pr.Repos, 1)))
}

func (p *backfillProgress) update(pr reconcile.BackfillProgress) {
	frac := fraction(pr)
	if p.bar != nil {
		p.bar.ChangeMax64(int64(max(pr.Repos, 1)) * barScale)
		p.bar.Set64(int64(frac * float64(max(pr.Repos, 1)) * barScale))
		// Last: Describe redraws at once, with the value just set.
		p.bar.Describe(fmt.Sprintf("repo %d/%d %s: %d runs, %d jobs, %d API calls",
			pr.RepoIndex, pr.Repos, pr.Repo, pr.Runs, pr.Jobs, pr.APIRequests))
		return
	}
	now := p.now()
	if !p.last.IsZero() && now.Sub(p.last) < p.every && frac < 1 {
		return
	}
	p.last = now
	elapsed := now.Sub(p.began)
	attrs := []any{"percent", int(frac * 100), "repo", pr.Repo, "repo_index", pr.RepoIndex, "repos", pr.Repos,
		"runs", pr.Runs, "jobs", pr.Jobs, "api_requests", pr.APIRequests, "elapsed", elapsed.Round(time.Second)}
	if frac > 0 {
		left := time.Duration(float64(elapsed) * (1 - frac) / frac)
		attrs = append(attrs, "eta", left.Round(time.Second))
	}
	p.log.Info("backfill progress", attrs...)
}

// done ends the bar: filled when the backfill succeeded, left where it stopped otherwise.
func (p *backfillProgress) done(err error) {
	switch {
	case p.bar == nil:
	case err == nil:
		p.bar.Finish()
	default:
		p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}

package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Stuck-job checks: a GitLab job pending or running longer than StuckAfter (default 30m)
// is asked about, at most MaxStuck a cycle (default 50), and again after RecheckAfter
// (default 15m) while GitLab says it is still open; one created or manual for a day, daily
// (heldAfter). They cost nothing while no job is that old.
const (
	defaultStuckAfter   = 30 * time.Minute
	defaultRecheckAfter = 15 * time.Minute
	defaultMaxStuck     = 50
)

// heldAfter is when a job still created (held by its earlier stages) or manual is asked
// about, and how long GitLab's "still so" holds before it is asked again. GitLab keeps such
// jobs open for ever, rightly, but a deleted pipeline's jobs would then stay open in the
// store for ever too: once a day finds those (404, closed as gone) for a request a job.
const heldAfter = 24 * time.Hour

// stuckJobs asks GitLab about its old open jobs. A job GitLab reports further along is
// merged through the same path as a hook; one GitLab no longer knows (404: erased, or its
// project gone) is closed as gone; one still open is recorded as confirmed at now.
func (s *Sync) stuckJobs(ctx context.Context, now time.Time) (checked, corrected int, err error) {
	after, recheck, limit := s.StuckAfter, s.RecheckAfter, s.MaxStuck
	if after <= 0 {
		after = defaultStuckAfter
	}
	if recheck <= 0 {
		recheck = defaultRecheckAfter
	}
	if limit <= 0 {
		limit = defaultMaxStuck
	}
	jobs, err := s.Store.StuckJobsOf(ctx, store.ForgeGitLab, []string{"queued", "in_progress"}, now.Add(-after), now.Add(-recheck), limit)
	if err != nil {
		return 0, 0, err
	}
	if len(jobs) < limit {
		held, err := s.Store.StuckJobsOf(ctx, store.ForgeGitLab, []string{"created", "waiting"}, now.Add(-heldAfter), now.Add(-heldAfter), limit-len(jobs))
		if err != nil {
			return 0, 0, err
		}
		jobs = append(jobs, held...)
	}
	var errs []error
	for _, oj := range jobs {
		checked++
		j, resp, err := s.Client.gl.Jobs.GetJob(oj.Repo.FullName, oj.JobID, gitlab.WithContext(ctx))
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			it, cerr := store.GitLabClosureItem(oj.JobID, store.ClosedGone, now, now, "GitLab's API answered 404")
			if cerr == nil {
				_, cerr = s.Store.Write(ctx, []store.Item{it})
			}
			errs = append(errs, cerr, s.Store.ConfirmForgeJob(ctx, store.ForgeGitLab, oj.JobID, "missing", now))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("read job %d of %s: %w", oj.JobID, oj.Repo.FullName, err))
			continue
		}
		p := &gitlab.PipelineInfo{ID: j.Pipeline.ID, ProjectID: j.Pipeline.ProjectID, Ref: j.Pipeline.Ref, SHA: j.Pipeline.Sha}
		if p.ProjectID == 0 {
			p.ProjectID = oj.Repo.ID
		}
		it, err := s.Client.jobItem(oj.Repo.FullName, p, j, now)
		if err == nil {
			var wr store.WriteResult
			wr, err = s.Store.Write(ctx, []store.Item{it})
			corrected += wr.Stored
		}
		errs = append(errs, err, s.Store.ConfirmForgeJob(ctx, store.ForgeGitLab, oj.JobID, j.Status, now))
	}
	return checked, corrected, errors.Join(errs...)
}

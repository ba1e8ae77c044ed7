package reconcile

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/store"
)

// stuckJobs asks GitHub about jobs open for longer than StuckAfter. A job GitHub reports
// running or finished is merged into the projection through the same path as a webhook; a
// job still queued is recorded as "confirmed still queued at" now, and asked about again
// after RecheckAfter; a job GitHub no longer knows is closed as gone.
func (r *Reconciler) stuckJobs(ctx context.Context, st *CycleStats) error {
	now := r.cfg.Now()
	jobs, err := r.cfg.Store.StuckJobs(ctx, now.Add(-r.cfg.StuckAfter), now.Add(-r.cfg.RecheckAfter), r.cfg.MaxStuck)
	if err != nil {
		return err
	}
	var errs []error
	for _, j := range jobs {
		owner, name, _ := strings.Cut(j.Repo.FullName, "/")
		st.StuckChecked++
		api, err := r.cfg.API.Job(ctx, owner, name, j.JobID)
		switch {
		case githubapi.IsGone(err):
			// GitHub will never report on it again (run or repository deleted, retention):
			// closed at once, so it leaves queued_now and the alert.
			if err := r.cfg.Store.CloseGone(ctx, j.JobID, now); err != nil {
				errs = append(errs, err)
				continue
			}
			st.Gone++
			r.cfg.Metrics.stuck.WithLabelValues("gone").Inc()
			errs = append(errs, r.cfg.Store.ConfirmJob(ctx, j.JobID, "missing", now))
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		}
		status := api.GetStatus()
		if store.JobStatusAfter(status, j.Status) {
			item, err := store.JobItem(j.Repo, api, now)
			if err == nil {
				_, err = r.cfg.Store.Write(ctx, []store.Item{item})
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			st.StuckCorrected++
			r.cfg.Metrics.stuck.WithLabelValues("corrected").Inc()
		} else {
			r.cfg.Metrics.stuck.WithLabelValues("confirmed").Inc()
		}
		errs = append(errs, r.cfg.Store.ConfirmJob(ctx, j.JobID, status, now))
	}
	return errors.Join(errs...)
}

// expire closes jobs that outlived GitHub's own limits with no news (store.ExpireJobs).
// Without a GitLab reconciler, GitLab's jobs (from hooks alone) expire here too, with
// GitLab's default job timeout; with one, it expires them with each project's own.
func (r *Reconciler) expire(ctx context.Context, st *CycleStats) error {
	n, err := r.cfg.Store.ExpireJobs(ctx, r.cfg.Now())
	if r.cfg.GitLab == nil {
		gn, gerr := r.cfg.Store.ExpireGitLabJobs(ctx, r.cfg.Now(), func(string) time.Duration { return 0 })
		n += gn
		err = errors.Join(err, gerr)
	}
	st.Expired += n
	r.cfg.Metrics.stuck.WithLabelValues("expired").Add(float64(n))
	return err
}

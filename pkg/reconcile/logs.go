package reconcile

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/logscan"
	"github.com/ciradar/ciradar/pkg/store"
)

// maxScanTries bounds retries of a log whose download failed for a transient reason.
const maxScanTries = 3

// scanLogs downloads the logs of failed jobs not yet scanned, newest first, at most
// MaxLogs per cycle (none when MaxLogs is negative), and records each one's error signature. A log GitHub no longer has
// (404, 410) is recorded as expired and never asked for again.
func (r *Reconciler) scanLogs(ctx context.Context, st *CycleStats) error {
	if r.cfg.MaxLogs < 0 {
		return nil // log fetching is off (-max-logs 0)
	}
	now := r.cfg.Now()
	jobs, err := r.cfg.Store.JobsToScan(ctx, now.Add(-time.Hour), maxScanTries, r.cfg.MaxLogs)
	if err != nil {
		return err
	}
	var errs []error
	for _, j := range jobs {
		res := r.scanOne(ctx, j)
		res.ScannedAt = now
		if err := r.cfg.Store.SaveScan(ctx, res); err != nil {
			errs = append(errs, err)
			continue
		}
		r.cfg.Metrics.scans.WithLabelValues(res.State).Inc()
		switch res.State {
		case store.ScanExpired:
			st.LogsExpired++
		case store.ScanFound, store.ScanEmpty:
			st.LogsScanned++
		}
	}
	return errors.Join(errs...)
}

func (r *Reconciler) scanOne(ctx context.Context, j store.ScanJob) store.ScanResult {
	res := store.ScanResult{JobID: j.JobID, Repo: j.Repo, SeenAt: j.CompletedAt}
	owner, name, _ := strings.Cut(j.Repo, "/")
	body, err := r.cfg.API.JobLog(ctx, owner, name, j.JobID)
	if err != nil {
		var se *githubapi.StatusError
		if errors.As(err, &se) {
			res.HTTPStatus = se.Code
		}
		res.State = store.ScanError
		if githubapi.IsGone(err) {
			res.State = store.ScanExpired
		}
		if res.State == store.ScanError {
			r.cfg.Logger.Warn("job log download failed", "job_id", j.JobID, "repo", j.Repo, "error", err)
		}
		return res
	}
	defer body.Close()
	out, err := logscan.Scan(body, r.cfg.LogBytes)
	res.HTTPStatus, res.BytesRead = http.StatusOK, out.BytesRead
	switch {
	case err != nil:
		res.State = store.ScanError
	case out.Signature == nil:
		res.State = store.ScanEmpty
	default:
		res.State = store.ScanFound
		res.Hash, res.Text, res.Excerpt = out.Signature.Hash, out.Signature.Text, out.Signature.Excerpt
	}
	return res
}

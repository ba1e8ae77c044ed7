package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Log scan states (log_scans.state).
const (
	ScanFound   = "scanned" // a signature was found and recorded
	ScanEmpty   = "empty"   // the log had no error line
	ScanExpired = "expired" // GitHub answered 404 or 410: never asked again
	ScanError   = "error"   // a transient failure: retried, a bounded number of times
)

// failedConclusions are the job conclusions whose logs are worth a signature.
var failedConclusions = []string{"failure", "timed_out", "startup_failure"}

// ScanJob is a failed job whose log has not been scanned yet.
type ScanJob struct {
	JobID       int64
	Forge       string
	Org, Repo   string
	CompletedAt time.Time
}

// JobsToScan lists failed jobs without a log scan, and those whose last scan failed
// transiently before retryBefore with fewer than maxAttempts tries; newest first, since
// logs expire and recent failures matter most.
func (s *Store) JobsToScan(ctx context.Context, retryBefore time.Time, maxAttempts, limit int) ([]ScanJob, error) {
	return s.JobsToScanOf(ctx, ForgeGitHub, retryBefore, maxAttempts, limit)
}

// JobsToScanOf is JobsToScan for one forge's jobs (GitLab's traces are read by its own
// reconciler).
func (s *Store) JobsToScanOf(ctx context.Context, forge string, retryBefore time.Time, maxAttempts, limit int) ([]ScanJob, error) {
	rows, err := s.pool.Query(ctx, `SELECT j.job_id, j.forge, j.org, j.repo, j.completed_at FROM workflow_jobs j
		LEFT JOIN log_scans l ON l.job_id = j.job_id AND l.forge = j.forge
		WHERE j.forge = $5 AND j.status = 'completed' AND j.conclusion = ANY($1) AND j.runner_name <> '' AND j.repo <> ''
		  AND j.completed_at IS NOT NULL
		  AND (l.job_id IS NULL OR (l.state = 'error' AND l.attempts < $2 AND l.scanned_at < $3))
		ORDER BY j.completed_at DESC, j.job_id LIMIT $4`, failedConclusions, maxAttempts, retryBefore, limit, forge)
	if err != nil {
		return nil, fmt.Errorf("list jobs to scan: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ScanJob, error) {
		var j ScanJob
		err := r.Scan(&j.JobID, &j.Forge, &j.Org, &j.Repo, &j.CompletedAt)
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("list jobs to scan: %w", err)
	}
	return out, nil
}

// ScanResult is the outcome of one log scan.
type ScanResult struct {
	JobID      int64
	Forge      string // the job's forge; empty is GitHub
	Repo       string
	State      string
	HTTPStatus int
	BytesRead  int64
	// Signature, when found: Hash, the normalised Text and the raw Excerpt.
	Hash, Text, Excerpt string
	// SeenAt is when the error happened: the job's completion.
	SeenAt    time.Time
	ScannedAt time.Time
}

// SaveScan records a scan and, when it found a signature, the signature and its
// occurrence. A job counts once per signature however often it is scanned, and first and
// last seen only ever widen.
func (s *Store) SaveScan(ctx context.Context, r ScanResult) error {
	var hash *string
	if r.Hash != "" {
		hash = &r.Hash
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO log_scans (job_id, repo, state, http_status, attempts, bytes_read, signature_hash, scanned_at, forge)
			VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8) ON CONFLICT (job_id, forge) DO UPDATE SET state = EXCLUDED.state,
			http_status = EXCLUDED.http_status, attempts = log_scans.attempts + 1, bytes_read = EXCLUDED.bytes_read,
			signature_hash = EXCLUDED.signature_hash, scanned_at = EXCLUDED.scanned_at`,
			r.JobID, clean(r.Repo), r.State, r.HTTPStatus, r.BytesRead, hash, r.ScannedAt, forgeOr(r.Forge)); err != nil {
			return fmt.Errorf("record scan: %w", err)
		}
		if hash == nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO error_signatures (signature_hash, text, first_seen, last_seen, count)
			VALUES ($1, $2, $3, $3, 0) ON CONFLICT (signature_hash) DO NOTHING`, r.Hash, clean(r.Text), r.SeenAt); err != nil {
			return fmt.Errorf("insert signature: %w", err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO error_occurrences (signature_hash, job_id, repo, excerpt, seen_at, forge)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (signature_hash, job_id, forge) DO NOTHING`,
			r.Hash, r.JobID, clean(r.Repo), clean(r.Excerpt), r.SeenAt, forgeOr(r.Forge))
		if err != nil {
			return fmt.Errorf("insert occurrence: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE error_signatures SET count = count + 1, first_seen = least(first_seen, $2),
			last_seen = greatest(last_seen, $2) WHERE signature_hash = $1`, r.Hash, r.SeenAt); err != nil {
			return fmt.Errorf("count signature: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save scan of job %d: %w", r.JobID, err)
	}
	return nil
}

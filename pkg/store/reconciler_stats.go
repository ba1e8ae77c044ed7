package store

import (
	"context"
	"fmt"
	"time"
)

// ReconcilerSample is one reconcile cycle as the Status dashboard charts it: what
// /metrics shows of the reconciler, kept where the data source can read it.
type ReconcilerSample struct {
	At           time.Time
	CycleSeconds float64
	OK           bool
	APIRequests  int64
	NotModified  int64
	// RateLimitRemaining is nil when no answer of the cycle carried the header.
	RateLimitRemaining            *int64
	Redelivered, RedeliverBacklog int
	StuckChecked, StuckCorrected  int
	Expired, Gone                 int
	LogsScanned, IssueSearches    int
}

// SaveReconcilerSample records one cycle. Two cycles ending in the same microsecond keep
// the later one's numbers.
func (s *Store) SaveReconcilerSample(ctx context.Context, r ReconcilerSample) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO reconciler_stats (sampled_at, cycle_seconds, ok, api_requests, api_not_modified,
		rate_limit_remaining, redelivered, redeliver_backlog, stuck_checked, stuck_corrected, expired, gone, logs_scanned, issue_searches)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (sampled_at) DO UPDATE SET cycle_seconds = EXCLUDED.cycle_seconds, ok = EXCLUDED.ok,
		api_requests = EXCLUDED.api_requests, api_not_modified = EXCLUDED.api_not_modified,
		rate_limit_remaining = EXCLUDED.rate_limit_remaining, redelivered = EXCLUDED.redelivered,
		redeliver_backlog = EXCLUDED.redeliver_backlog, stuck_checked = EXCLUDED.stuck_checked,
		stuck_corrected = EXCLUDED.stuck_corrected, expired = EXCLUDED.expired, gone = EXCLUDED.gone,
		logs_scanned = EXCLUDED.logs_scanned, issue_searches = EXCLUDED.issue_searches`,
		r.At.UTC(), r.CycleSeconds, r.OK, r.APIRequests, r.NotModified, r.RateLimitRemaining, r.Redelivered,
		r.RedeliverBacklog, r.StuckChecked, r.StuckCorrected, r.Expired, r.Gone, r.LogsScanned, r.IssueSearches)
	if err != nil {
		return fmt.Errorf("save reconciler sample: %w", err)
	}
	return nil
}

// PruneReconcilerSamples deletes samples taken before cutoff: they age with the raw
// deliveries.
func (s *Store) PruneReconcilerSamples(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM reconciler_stats WHERE sampled_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune reconciler samples: %w", err)
	}
	return tag.RowsAffected(), nil
}

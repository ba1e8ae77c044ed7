package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// statsKeep is how long cycle samples stay: the Status dashboard looks back a day or a
// week, and a month of one sample a minute is some 50,000 small rows.
const statsKeep = 35 * 24 * time.Hour

// saveSample records the cycle in reconciler_stats, for the Status dashboard: the data
// source reads the store, never the receiver's /metrics. A cycle that made no API call
// has no rate limit to report.
func (r *Reconciler) saveSample(ctx context.Context, st CycleStats, took time.Duration, ok bool) error {
	now := r.cfg.Now()
	s := store.ReconcilerSample{At: now, CycleSeconds: took.Seconds(), OK: ok,
		APIRequests: st.API.Requests, NotModified: st.API.NotModified,
		Redelivered: st.Redelivered, RedeliverBacklog: st.RedeliverBacklog,
		StuckChecked: st.StuckChecked, StuckCorrected: st.StuckCorrected,
		Expired: st.Expired, Gone: st.Gone, LogsScanned: st.LogsScanned, IssueSearches: st.IssueSearches}
	if st.API.Remaining >= 0 && r.cfg.API != nil {
		rem := st.API.Remaining
		s.RateLimitRemaining = &rem
	}
	if err := r.cfg.Store.SaveReconcilerSample(ctx, s); err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	if _, err := r.cfg.Store.PruneReconcilerSamples(ctx, now.Add(-statsKeep)); err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	return nil
}

package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// rollupLoop keeps the hourly rollups the data source reads for long ranges up to date.
// It runs beside the receiver and never touches its write path: one short transaction a
// tick, on the replica that leads (the reconciler's leader election: leading), so that
// replicas do not queue to redo one another's work; the refresh lock still keeps a
// hand-run `ciradar rollup` from overlapping it.
func rollupLoop(ctx context.Context, s *store.Store, every time.Duration, leading func() bool, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if !leading() {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				continue
			}
		}
		began := time.Now()
		st, err := s.RefreshRollups(ctx, store.RollupOptions{})
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("refreshing rollups failed", "error", err)
		case !st.Skipped:
			log.Debug("rollups refreshed", "watermark", st.Watermark, "hours", st.Hours, "took", time.Since(began))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

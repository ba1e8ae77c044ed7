package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// partitionLoop keeps the weekly partitions of the raw log made ahead of time
// (store.EnsurePartitions), at start and then every interval, on every replica: making one
// is idempotent and serialised in the database, so no leader is needed, and a lone
// replica never depends on another. Ingest never waits for it; a delivery whose week has
// no partition yet goes to the default partition and moves when the week's is made.
func partitionLoop(ctx context.Context, s *store.Store, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.EnsurePartitions(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Warn("making raw log partitions ahead failed; deliveries go to the default partition meanwhile", "error", err)
		} else if n > 0 {
			log.Info("made raw log partitions", "partitions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ciradar/ciradar/pkg/ratelog"
	"github.com/ciradar/ciradar/pkg/store"
)

// heartbeatLoop writes the primary's heartbeat (store.Heartbeat) every interval. A data
// source reading from a hot standby takes the age of the replayed heartbeat as its lag
// (docs/scaling.md). A failed beat is logged at most once a minute: the database being
// away is already reported by the receiver's readiness.
func heartbeatLoop(ctx context.Context, s *store.Store, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	failed := ratelog.New(log, time.Minute)
	for {
		if err := s.Heartbeat(ctx, time.Now()); err != nil && ctx.Err() == nil {
			failed.Warn("heartbeat", "writing the replication heartbeat failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

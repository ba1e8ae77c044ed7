package store

import (
	"context"
	"fmt"
	"time"
)

// Heartbeat records that the primary was alive and writing at now (migration 0022). A
// standby's copy of the row is as old as its replay, which is how the data source measures
// a standby's lag. Every receiver replica may beat: the row only moves forward.
func (s *Store) Heartbeat(ctx context.Context, now time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO replication_heartbeat (beat_at) VALUES ($1)
ON CONFLICT (singleton) DO UPDATE SET beat_at = greatest(replication_heartbeat.beat_at, excluded.beat_at)`, now)
	if err != nil {
		return fmt.Errorf("write heartbeat: %w", err)
	}
	return nil
}

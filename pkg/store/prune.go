package store

import (
	"context"
	"fmt"
	"time"
)

// PruneDeliveries deletes raw deliveries received before cutoff, in chunks so that no
// single statement holds locks for long. Projections are kept.
func (s *Store) PruneDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, `DELETE FROM deliveries WHERE delivery_id IN (
			SELECT delivery_id FROM deliveries WHERE received_at < $1 ORDER BY received_at LIMIT 5000)`, cutoff)
		if err != nil {
			return total, fmt.Errorf("prune deliveries: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() == 0 {
			return total, nil
		}
	}
}

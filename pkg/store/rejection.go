package store

import (
	"context"
	"fmt"
	"time"
)

// Rejection records a signed delivery that could not be parsed. Its body is not kept.
type Rejection struct {
	DeliveryID string
	Event      string
	Reason     string
	Size       int
	ReceivedAt time.Time
}

// RecordRejection stores one rejection. Rejections are rare, so they skip group commit.
func (s *Store) RecordRejection(ctx context.Context, r Rejection) error {
	reason := r.Reason
	if len(reason) > 500 {
		reason = reason[:500]
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO delivery_rejections (delivery_id, event, reason, size_bytes, received_at)
		VALUES ($1, $2, $3, $4, $5)`, clean(r.DeliveryID), clean(r.Event), clean(reason), r.Size, r.ReceivedAt)
	if err != nil {
		return fmt.Errorf("record rejected delivery: %w", err)
	}
	return nil
}

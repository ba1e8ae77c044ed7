package store

import (
	"context"
	"fmt"
	"time"
)

// Rejection records a signed delivery that could not be parsed or stored. Its body is not kept.
type Rejection struct {
	DeliveryID string
	Event      string
	Reason     string
	Size       int
	ReceivedAt time.Time
	Forge      string // '' is GitHub
}

// RecordRejection stores one rejection. Rejections are rare, so they skip group commit.
func (s *Store) RecordRejection(ctx context.Context, r Rejection) error {
	// The fields may be what made the delivery unstorable (invalid UTF-8 in a header, say),
	// so each is made storable and cut short here.
	_, err := s.pool.Exec(ctx, `INSERT INTO delivery_rejections (delivery_id, event, reason, size_bytes, received_at, forge)
		VALUES ($1, $2, $3, $4, $5, $6)`, capText(r.DeliveryID, maxDeliveryIDLen), capText(r.Event, maxEventLen),
		capText(r.Reason, 500), r.Size, r.ReceivedAt, forgeOf(Delivery{Forge: r.Forge}))
	if err != nil {
		return fmt.Errorf("record rejected delivery: %w", err)
	}
	return nil
}

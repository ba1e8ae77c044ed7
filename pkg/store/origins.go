package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Redelivered deliveries keep their original time. The approval wait is bounded by the
// receipt times of a job's waiting and queued events (GitHub's payload has no approval
// time). A queued delivery that failed and that the reconciler has GitHub send again hours
// later would move the approval to the hour of the repair. So the reconciler records, from
// the hook's delivery listing, when GitHub first delivered each one it asks for again
// (RecordOrigins), and the projection takes that time as the receipt time of the
// redelivery. The raw log keeps the real receipt time; the origins table is read on every
// projection of such a delivery, live and in Reproject alike, so both give the same row.

const selectOriginsSQL = "SELECT delivery_id, delivered_at FROM delivery_origins WHERE delivery_id = ANY($1)"

// RecordOrigins saves when GitHub first delivered each delivery (by GUID) about to be
// redelivered. The earliest time wins.
func (s *Store) RecordOrigins(ctx context.Context, firstDelivered map[string]time.Time) error {
	if len(firstDelivered) == 0 {
		return nil
	}
	ids := make([]string, 0, len(firstDelivered))
	for id := range firstDelivered {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ats := make([]time.Time, len(ids))
	for i, id := range ids {
		ats[i] = firstDelivered[id].UTC()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO delivery_origins (delivery_id, delivered_at)
		SELECT * FROM unnest($1::text[], $2::timestamptz[])
		ON CONFLICT (delivery_id) DO UPDATE SET delivered_at = least(delivery_origins.delivered_at, EXCLUDED.delivered_at)`, ids, ats)
	if err != nil {
		return fmt.Errorf("record delivery origins: %w", err)
	}
	return nil
}

func readOrigins(br pgx.BatchResults) (map[string]time.Time, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("read delivery origins: %w", err)
	}
	out := map[string]time.Time{}
	var id string
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&id, &at}, func() error { out[id] = at.UTC(); return nil }); err != nil {
		return nil, fmt.Errorf("read delivery origins: %w", err)
	}
	return out, nil
}

// retimed projects again, as of its original time, every item that is a redelivery of a
// delivery first made earlier; changed says whether any was.
func retimed(items []Item, origins map[string]time.Time) ([]Item, bool) {
	if len(origins) == 0 {
		return items, false
	}
	out, changed := items, false
	for i, it := range items {
		at, ok := origins[it.Delivery.ID]
		if !ok || !at.Before(it.Delivery.ReceivedAt) {
			continue
		}
		d := it.Delivery
		d.ReceivedAt = at
		p, err := Project(d)
		if err != nil {
			continue // it projected once; a payload that no longer does keeps its first projection
		}
		if !changed {
			out, changed = slices.Clone(items), true
		}
		out[i].Projection = p
	}
	return out, changed
}

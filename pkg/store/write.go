package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// WriteResult says what a Write did.
type WriteResult struct {
	Stored     int // new raw deliveries
	Duplicates int // deliveries already in the log, not projected again
	// New holds the ids stored by this write; the others were duplicates.
	New map[string]bool
}

// maxAttempts bounds retries of a batch that lost a deadlock or serialization race.
const maxAttempts = 4

// Write stores the raw deliveries and merges their projections in one transaction. A
// delivery already in the log is skipped whole, so a redelivery never counts twice.
//
// Concurrent writers (replicas, the reconciler, reproject) are safe: every job and run row
// is merged under a transaction-scoped advisory lock on its id, taken in sorted order, so
// a read-merge-write never loses another writer's merge and lock order cannot deadlock.
func (s *Store) Write(ctx context.Context, items []Item) (WriteResult, error) {
	items = uniqueByID(items)
	var res WriteResult
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		res, err = s.writeOnce(ctx, items)
		if err == nil || !retryable(err) {
			break
		}
	}
	return res, err
}

func (s *Store) writeOnce(ctx context.Context, items []Item) (WriteResult, error) {
	var res WriteResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		fresh, err := insertDeliveries(ctx, tx, items)
		if err != nil {
			return err
		}
		res = WriteResult{Stored: len(fresh), Duplicates: len(items) - len(fresh), New: make(map[string]bool, len(fresh))}
		for _, it := range fresh {
			res.New[it.Delivery.ID] = true
		}
		return applyProjections(ctx, tx, fresh)
	})
	if err != nil {
		return WriteResult{}, fmt.Errorf("write %d deliveries: %w", len(items), err)
	}
	return res, nil
}

// uniqueByID drops repeats of a delivery id within one batch, keeping the first, and sorts
// by id so that concurrent batches insert in the same order.
func uniqueByID(items []Item) []Item {
	out := slices.Clone(items)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Delivery.ID < out[j].Delivery.ID })
	return slices.CompactFunc(out, func(a, b Item) bool { return a.Delivery.ID == b.Delivery.ID })
}

// insertDeliveries appends the raw rows and returns the items whose delivery was new.
func insertDeliveries(ctx context.Context, tx pgx.Tx, items []Item) ([]Item, error) {
	n := len(items)
	ids, events, actions, targetTypes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	hookIDs, targetIDs := make([]*int64, n), make([]*int64, n)
	received, payloads := make([]time.Time, n), make([][]byte, n)
	for i, it := range items {
		d := it.Delivery
		ids[i], events[i], actions[i], targetTypes[i] = d.ID, d.Event, clean(d.Action), d.TargetType
		hookIDs[i], targetIDs[i] = nullable(d.HookID), nullable(d.TargetID)
		received[i], payloads[i] = d.ReceivedAt, d.Payload
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO deliveries (delivery_id, event, action, hook_id, target_type, target_id, received_at, payload)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::int8[], $7::timestamptz[], $8::bytea[])
		ON CONFLICT (delivery_id) DO NOTHING
		RETURNING delivery_id`,
		ids, events, actions, hookIDs, targetTypes, targetIDs, received, payloads)
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	isNew := make(map[string]bool, len(stored))
	for _, id := range stored {
		isNew[id] = true
	}
	fresh := make([]Item, 0, len(stored))
	for _, it := range items {
		if isNew[it.Delivery.ID] {
			fresh = append(fresh, it)
		}
	}
	return fresh, nil
}

// applyProjections merges the items' job and run rows into the tables.
func applyProjections(ctx context.Context, tx pgx.Tx, items []Item) error {
	jobs := map[int64]*Job{}
	runs := map[runKey]*Run{}
	for _, it := range items {
		if j := it.Projection.Job; j != nil {
			foldJob(jobs, j)
		}
		if r := it.Projection.Run; r != nil {
			foldRun(runs, r)
		}
	}
	if len(jobs) == 0 && len(runs) == 0 {
		return nil
	}
	if err := lockRows(ctx, tx, jobs, runs); err != nil {
		return err
	}
	if err := mergeExistingJobs(ctx, tx, jobs); err != nil {
		return err
	}
	if err := mergeExistingRuns(ctx, tx, runs); err != nil {
		return err
	}
	if err := upsertJobs(ctx, tx, jobs); err != nil {
		return err
	}
	return upsertRuns(ctx, tx, runs)
}

func foldJob(into map[int64]*Job, j *Job) {
	if cur, ok := into[j.JobID]; ok {
		cur.Merge(j)
		return
	}
	c := *j
	into[j.JobID] = &c
}

type runKey struct{ id, attempt int64 }

func foldRun(into map[runKey]*Run, r *Run) {
	k := runKey{r.RunID, r.RunAttempt}
	if cur, ok := into[k]; ok {
		cur.Merge(r)
		return
	}
	c := *r
	into[k] = &c
}

// lockRows takes the advisory locks that serialise merges of the same row across writers.
// Job ids lock as themselves and run ids as their negation, so the two never collide.
func lockRows(ctx context.Context, tx pgx.Tx, jobs map[int64]*Job, runs map[runKey]*Run) error {
	keys := make([]int64, 0, len(jobs)+len(runs))
	for id := range jobs {
		keys = append(keys, id)
	}
	for k := range runs {
		keys = append(keys, -k.id)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) AS k ORDER BY k`, keys); err != nil {
		return fmt.Errorf("lock projection rows: %w", err)
	}
	return nil
}

// retryable reports errors that a fresh attempt of the same transaction can cure.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	}
	return false
}

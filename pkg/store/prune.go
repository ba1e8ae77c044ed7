package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pruneLockKey keeps two replicas from pruning at once (0x0c17adb8, one more than the key
// ensure_delivery_partition takes).
const pruneLockKey int64 = 0x0c1_7ad_b9

// pruneBlocks is how many heap blocks (8 KB each) of a partition one statement forgets the
// ids of: a few thousand deliveries, so no statement holds its locks for long.
const pruneBlocks = 1024

// dropLockTimeout bounds how long dropping a partition may wait for its lock on
// deliveries, which it holds for an instant but must queue for behind running readers,
// and inserts would queue behind it. A drop that waits longer is tried on the next round.
const dropLockTimeout = "2s"

// PruneDeliveries removes raw deliveries received before cutoff and returns how many. A
// weekly partition that ends by cutoff is dropped whole, once the ids of its rows have
// left delivery_guids; rows of the default partition are deleted in chunks, those of the
// weeks that end by cutoff. Rows of the week that holds cutoff stay until all of it is
// older: retention keeps deliveries at least as long as asked and at most a week longer,
// and a delta row (CodecZstdBase) goes with its base, which is of the same week.
// Projections are kept.
//
// When another replica is pruning it returns at once with nothing done.
func (s *Store) PruneDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", pruneLockKey).Scan(&locked); err != nil {
		return 0, fmt.Errorf("prune deliveries: take the lock: %w", err)
	}
	if !locked {
		return 0, nil
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", pruneLockKey) //nolint:errcheck // released with the session otherwise

	parts, err := s.DeliveryPartitions(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	var total int64
	for _, p := range parts {
		if p.To.IsZero() || p.To.After(cutoff) {
			continue
		}
		n, err := dropPartition(ctx, conn.Conn(), p.Name)
		total += n
		if err != nil {
			return total, fmt.Errorf("prune deliveries: drop %s: %w", p.Name, err)
		}
	}
	n, err := pruneDefault(ctx, conn.Conn(), weekStart(cutoff))
	total += n
	if err != nil {
		return total, fmt.Errorf("prune deliveries: %w", err)
	}
	return total, nil
}

// dropPartition forgets the ids of the partition's rows, a range of blocks at a time, then
// drops it. Forgetting is done first and is idempotent, so a drop that times out, or a
// process that dies in between, is finished by the next round.
func dropPartition(ctx context.Context, conn *pgx.Conn, name string) (int64, error) {
	table := pgx.Identifier{name}.Sanitize()
	var blocks int64
	if err := conn.QueryRow(ctx, "SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int8", name).Scan(&blocks); err != nil {
		return 0, fmt.Errorf("size: %w", err)
	}
	var rows int64
	for b := int64(0); b < blocks; b += pruneBlocks {
		var n int64
		err := conn.QueryRow(ctx, `WITH chunk AS (SELECT delivery_id FROM `+table+` WHERE ctid >= $1::text::tid AND ctid < $2::text::tid),
			forgotten AS (DELETE FROM delivery_guids g USING chunk WHERE g.guid = delivery_uuid(chunk.delivery_id)),
			forgotten_text AS (DELETE FROM delivery_guids g USING chunk WHERE g.delivery_id = chunk.delivery_id AND g.delivery_id IS NOT NULL)
			SELECT count(*) FROM chunk`, fmt.Sprintf("(%d,0)", b), fmt.Sprintf("(%d,0)", b+pruneBlocks)).Scan(&n)
		if err != nil {
			return rows, fmt.Errorf("forget ids: %w", err)
		}
		rows += n
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+dropLockTimeout+"'"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+table)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
		return rows, fmt.Errorf("deliveries is busy, trying again next round: %w", err)
	}
	return rows, err
}

// weekStart is the start of the partition week holding t (UTC, Monday).
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day()-(int(t.Weekday())+6)%7, 0, 0, 0, 0, time.UTC)
}

// pruneDefault deletes the default partition's rows received before cutoff, the start of
// a week, 5,000 at a time, with their ids.
func pruneDefault(ctx context.Context, conn *pgx.Conn, cutoff time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := conn.QueryRow(ctx, `WITH gone AS (
				DELETE FROM `+DefaultPartition+` WHERE ctid = ANY (ARRAY(
					SELECT ctid FROM `+DefaultPartition+` WHERE received_at < $1 ORDER BY received_at LIMIT 5000))
				RETURNING delivery_id),
			forgotten AS (DELETE FROM delivery_guids g USING gone WHERE g.guid = delivery_uuid(gone.delivery_id)),
			forgotten_text AS (DELETE FROM delivery_guids g USING gone WHERE g.delivery_id = gone.delivery_id AND g.delivery_id IS NOT NULL)
			SELECT count(*) FROM gone`, cutoff).Scan(&n)
		if err != nil {
			return total, fmt.Errorf("delete from %s: %w", DefaultPartition, err)
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}

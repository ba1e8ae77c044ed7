package store

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
)

// PartitionWeek is the span of one partition of deliveries (migration 0024).
const PartitionWeek = 7 * 24 * time.Hour

// PartitionsAhead is how many weeks after the current one `serve` keeps partitions ready
// for: two, so that a receiver whose partition loop fails for a week still writes into a
// partition of its own, never into the default one.
const PartitionsAhead = 2

// DefaultPartition is the catch-all partition of deliveries: late deliveries, and any
// whose week has no partition, land there.
const DefaultPartition = "deliveries_default"

// weekly matches the partitions ensure_delivery_partition makes; others (the default, or
// one an operator attached by hand) are never dropped by retention.
var weekly = regexp.MustCompile(`^deliveries_w([0-9]{8})$`)

// Partition is one partition of deliveries.
type Partition struct {
	Name     string
	From, To time.Time // zero for the default partition
}

// EnsurePartitions makes the partitions of the week holding now and of the PartitionsAhead
// weeks after it, each in its own short transaction, and returns how many it made. It is
// safe to run from every replica at once (see ensure_delivery_partition), and ingest never
// waits for it: a delivery without its week's partition goes to the default one, whose
// rows of that week the new partition takes over.
func (s *Store) EnsurePartitions(ctx context.Context, now time.Time) (int, error) {
	made := 0
	for i := range PartitionsAhead + 1 {
		at := now.Add(time.Duration(i) * PartitionWeek)
		created, err := s.ensurePartition(ctx, at)
		if err != nil {
			return made, fmt.Errorf("ensure the deliveries partition of %s: %w", at.UTC().Format(time.DateOnly), err)
		}
		if created {
			made++
		}
	}
	return made, nil
}

// ensurePartition makes the partition of the week holding at. The default partition is
// locked first: a late delivery of that week committed between moving the week's rows out
// and attaching would make Postgres refuse the attach. Only deliveries bound for the
// default partition wait, and for at most dropLockTimeout; a lock not had by then is tried
// again on the next round.
func (s *Store) ensurePartition(ctx context.Context, at time.Time) (bool, error) {
	var present bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", weekName(at)).Scan(&present); err != nil || present {
		return false, err
	}
	var created bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+dropLockTimeout+"'"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "LOCK TABLE "+DefaultPartition+" IN ACCESS EXCLUSIVE MODE"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT ensure_delivery_partition($1)", at).Scan(&created)
	})
	return created, err
}

// weekName is the name ensure_delivery_partition gives the partition of the week holding t.
func weekName(t time.Time) string {
	return "deliveries_w" + weekStart(t).Format("20060102")
}

// DeliveryPartitions lists the partitions of deliveries, weekly ones oldest first, then the
// default one.
func (s *Store) DeliveryPartitions(ctx context.Context) ([]Partition, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'deliveries'::regclass ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("list deliveries partitions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list deliveries partitions: %w", err)
	}
	var out []Partition
	var other []Partition
	for _, n := range names {
		m := weekly.FindStringSubmatch(n)
		if m == nil {
			other = append(other, Partition{Name: n})
			continue
		}
		from, err := time.Parse("20060102", m[1])
		if err != nil {
			other = append(other, Partition{Name: n})
			continue
		}
		out = append(out, Partition{Name: n, From: from, To: from.Add(PartitionWeek)})
	}
	return append(out, other...), nil
}

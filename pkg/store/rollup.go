package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RollupOptions tune RefreshRollups. Zero values take the defaults.
type RollupOptions struct {
	// Now is the refresher's clock (tests set it); zero means time.Now().
	Now time.Time
	// Settle is how long after an hour ends its events may still be on their way (GitHub's
	// delivery delay, a commit in flight). Default 10 minutes.
	Settle time.Duration
	// Hold is how long a job still open keeps the hour it was created in from becoming
	// final. GitHub cancels a job queued for 24 hours and ends a hosted one after 6; a job
	// open longer than this is stuck, and waiting for it would freeze the rollups. Default
	// 48 hours.
	Hold time.Duration
	// Rework is how many hours before the watermark every refresh rolls again, to take in
	// events that arrive late (a redelivery, a re-run). Default 24 hours.
	Rework time.Duration
	// Sweep is how many older hours each refresh rolls again in turn, walking back to the
	// oldest and starting over, so that any late change (a backfill, a reprojection of one
	// job) is taken in within one lap. Default 24 hours.
	Sweep time.Duration
}

func (o RollupOptions) withDefaults() RollupOptions {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Settle <= 0 {
		o.Settle = 10 * time.Minute
	}
	if o.Hold <= 0 {
		o.Hold = 48 * time.Hour
	}
	if o.Rework <= 0 {
		o.Rework = 24 * time.Hour
	}
	if o.Sweep <= 0 {
		o.Sweep = 24 * time.Hour
	}
	return o
}

// RollupStats says what one refresh did.
type RollupStats struct {
	Watermark time.Time // hours before it are final
	Hours     int       // hours rolled up (again)
	Skipped   bool      // another refresher held the lock
}

// rollupLockKey keeps refreshes from overlapping (serve's leader, and `ciradar rollup` run
// by hand); arbitrary but fixed, and unlike every other lock key. It once equalled the
// reconciler's leader lock, which its leader holds for as long as it lives: every refresh
// then found the lock taken and skipped, and the rollups never moved.
const rollupLockKey int64 = 0x0c1_7ad_a6

// RefreshRollups brings the rollups (migrations 0007, 0008, 0011 and 0013) up to date, in one transaction.
//
// An hour is final, and readers take it from the rollups, when it ended Settle ago and no
// job created in it is still open (up to Hold). The watermark is the first hour that is not
// final; it can move back when a late event brings an open job into an old hour, and the
// readers then read that hour raw again. Every refresh re-rolls the Rework hours before the
// watermark, and Sweep older hours in turn, so a change to a final hour is taken in within
// one lap of the sweep.
func (s *Store) RefreshRollups(ctx context.Context, opts RollupOptions) (RollupStats, error) {
	o := opts.withDefaults()
	var st RollupStats
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", rollupLockKey).Scan(&locked); err != nil {
			return fmt.Errorf("take rollup lock: %w", err)
		}
		if !locked {
			st.Skipped = true
			return nil
		}
		w, oldest, err := finalBefore(ctx, tx, o)
		if err != nil {
			return err
		}
		st.Watermark = w
		var prevW, floor, sweepAt time.Time
		err = tx.QueryRow(ctx, "SELECT watermark, floor, sweep_at FROM rollup_state").Scan(&prevW, &floor, &sweepAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			// First refresh: everything from the oldest row up to the watermark.
			floor = earliest(oldest, w)
			st.Hours, err = rollHours(ctx, tx, floor, w)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, "INSERT INTO rollup_state (watermark, floor, sweep_at, refreshed_at) VALUES ($1, $2, $3, $4)",
				w, floor, w.Add(-o.Rework), o.Now)
			return wrap("save rollup state", err)
		case err != nil:
			return fmt.Errorf("read rollup state: %w", err)
		}
		// Rows older than anything rolled up so far (a backfill): roll those hours too.
		if oldest.Before(floor) {
			n, err := rollHours(ctx, tx, oldest, floor)
			if err != nil {
				return err
			}
			st.Hours += n
			floor = oldest
		}
		recent := latest(earliest(prevW, w).Add(-o.Rework), floor)
		n, err := rollHours(ctx, tx, recent, w)
		if err != nil {
			return err
		}
		st.Hours += n
		// The sweep walks back from where it stopped; at the floor it starts again below the
		// re-worked hours.
		if !sweepAt.After(floor) || sweepAt.After(recent) {
			sweepAt = recent
		}
		from := latest(sweepAt.Add(-o.Sweep), floor)
		if n, err = rollHours(ctx, tx, from, sweepAt); err != nil {
			return err
		}
		st.Hours += n
		_, err = tx.Exec(ctx, "UPDATE rollup_state SET watermark = $1, floor = $2, sweep_at = $3, refreshed_at = $4",
			w, floor, from, o.Now)
		return wrap("save rollup state", err)
	})
	if err != nil {
		return st, fmt.Errorf("refresh rollups: %w", err)
	}
	return st, nil
}

// RebuildRollups drops every rollup and rolls the whole store up again: after a
// reprojection, the old rollups describe projections that no longer exist.
func (s *Store) RebuildRollups(ctx context.Context, opts RollupOptions) (RollupStats, error) {
	drop := "BEGIN; LOCK TABLE rollup_state IN EXCLUSIVE MODE; DELETE FROM rollup_state;"
	for _, t := range rollupTables {
		drop += " DELETE FROM " + t + ";"
	}
	if _, err := s.pool.Exec(ctx, drop+" COMMIT"); err != nil {
		return RollupStats{}, fmt.Errorf("drop rollups: %w", err)
	}
	return s.RefreshRollups(ctx, opts)
}

// finalBefore computes the watermark: the hour Settle before now, or earlier the hour of
// the oldest job still open (created within Hold), found through the partial index on open
// jobs. It also returns the hour of the oldest row any rollup reads.
func finalBefore(ctx context.Context, tx pgx.Tx, o RollupOptions) (w, oldest time.Time, err error) {
	var open, first *time.Time
	err = tx.QueryRow(ctx, `SELECT
		(SELECT min(created_at) FROM workflow_jobs WHERE status <> 'completed' AND created_at >= $1),
		least((SELECT min(created_at) FROM workflow_jobs), (SELECT min(created_at) FROM workflow_runs),
		      (SELECT min(received_at) FROM deliveries), (SELECT min(sampled_at) FROM runner_samples))`, o.Now.Add(-o.Hold)).Scan(&open, &first)
	if err != nil {
		return w, oldest, fmt.Errorf("find final hours: %w", err)
	}
	w = o.Now.Add(-o.Settle).UTC().Truncate(time.Hour)
	if open != nil && open.Before(w) {
		w = open.UTC().Truncate(time.Hour)
	}
	oldest = w
	if first != nil && first.Before(w) {
		oldest = first.UTC().Truncate(time.Hour)
	}
	return w, oldest, nil
}

// rollupFuncs are the SQL functions that recompute the rollups of the hours in [a, b):
// hourly tables (0007, runner pools from 0008, runner samples from 0013) and the daily
// ones (0008, with the job hours of 0011), which recompute every day the hours touch.
var rollupFuncs = []string{
	"SELECT rollup_hours($1, $2)",
	"SELECT rollup_runner_hours($1, $2)",
	"SELECT rollup_days($1, $2)",
	"SELECT rollup_sample_hours($1, $2)",
	"SELECT rollup_step_days($1, $2)", // steps per day and hour (0017)
	"SELECT rollup_cost($1, $2)",      // billable minutes (0018)
	// the most jobs running and queued at once, per hour (0027)
	"SELECT rollup_concurrency($1, $2)",
	// the hourly rollups of time-series panels again, per 10 minutes (0032)
	"SELECT rollup_10m($1, $2)",
}

// rollupTables are every rollup table, emptied by RebuildRollups.
var rollupTables = []string{
	"rollup_queue_hour", "rollup_job_transitions", "rollup_run_hour", "rollup_delivery_hour",
	"rollup_runner_day", "rollup_pool_hour", "rollup_job_day", "rollup_job_hour", "rollup_flake_day", "rollup_flake_hour",
	"rollup_sample_hour",
	"rollup_step_day", "rollup_step_hour",
	"rollup_sample_hour", "rollup_cost_day", "rollup_cost_hour",
	"rollup_concurrency_hour",
	"rollup_queue_10m", "rollup_job_transitions_10m", "rollup_run_10m", "rollup_delivery_10m", "rollup_cost_10m",
}

// rollHours re-rolls [a, b) a UTC day at a time, so that one statement's memory stays
// bounded and each daily row is recomputed once.
func rollHours(ctx context.Context, tx pgx.Tx, a, b time.Time) (int, error) {
	n := 0
	for from := a; from.Before(b); {
		to := earliest(from.UTC().Truncate(24*time.Hour).Add(24*time.Hour), b)
		for _, f := range rollupFuncs {
			if _, err := tx.Exec(ctx, f, from, to); err != nil {
				return n, fmt.Errorf("roll up %s..%s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
			}
		}
		n += int(to.Sub(from) / time.Hour)
		from = to
	}
	return n, nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

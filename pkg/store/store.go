// Package store owns CI Radar's Postgres schema: the embedded migrations, the raw delivery
// log, the projections built from it, and the group-commit write path the receiver uses.
//
// Every write goes through Write, which stores raw deliveries and merges their projections
// in one transaction. Projections merge as a join-semilattice (see projection.go), so the
// same set of deliveries gives the same rows whatever order they arrive in, and Reproject can
// rebuild them from the raw log at any time.
package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is a handle on the CI Radar database.
type Store struct {
	pool  *pgxpool.Pool
	codec *rawCodec // compresses payloads in, decodes them out (rawlog.go)
	// stepKeys are the step keys known committed (step_sql.go).
	stepKeys *stepKeySet
}

// Options tune the connection pool.
type Options struct {
	MaxConns       int32
	ConnectTimeout time.Duration
	// AsReceived stores new payloads uncompressed (codec 0), as before migration 0023: the
	// "before" of the compact raw log's A/B measurement (pkg/cmd/benchrawlog).
	AsReceived bool
	// NoBases stores every payload against the dictionary alone, never against its job's
	// first payload (CodecZstdBase): the "before" of that codec's A/B measurement.
	NoBases bool
	// BaseCacheBytes bounds the bases the writer holds (0: DefaultBaseCacheBytes).
	BaseCacheBytes int
}

// Open connects to the database at url. It does not run migrations.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", redactErr(err))
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	// pgx prepares every statement, and Postgres switches a prepared statement to a generic
	// plan after five runs. Planned while the projections were small, that plan scans them
	// whole for ever after: measured, the merge's "SELECT ... WHERE job_id = ANY($1)" cost
	// 3.3 ms a batch instead of 0.1 ms. Custom plans follow the table as it grows.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	codec := newRawCodec()
	codec.asReceived = opts.AsReceived
	if !opts.NoBases {
		codec.bases = newBaseCache(cmp.Or(opts.BaseCacheBytes, DefaultBaseCacheBytes))
	}
	return &Store{pool: pool, codec: codec, stepKeys: &stepKeySet{}}, nil
}

// Pool exposes the pool to packages that read the store (queries, reconciler).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// redactErr drops the connection string from pgx's parse errors, which quote it whole,
// password included.
func redactErr(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("invalid connection string (details withheld: it may hold a password)")
	}
	return err
}

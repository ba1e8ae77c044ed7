package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5/pgconn"
)

// databaseFlags are shared by every command that talks to Postgres.
type databaseFlags struct {
	url      string
	maxConns int
}

func addDatabaseFlags(cfg *config) *databaseFlags {
	d := &databaseFlags{}
	cfg.Secret(&d.url, "database-url", "CIRADAR_DATABASE_URL",
		"Postgres connection URL of the owner role, e.g. postgres://ciradar:PASSWORD@localhost:5432/ciradar")
	cfg.Int(&d.maxConns, "db-max-conns", "CIRADAR_DB_MAX_CONNS", 10, "connections in the pool (serve: the writers, readiness, reconciler and rollups share it)")
	cfg.Check(func() error {
		var errs []error
		if d.url == "" {
			errs = append(errs, errors.New("-database-url or CIRADAR_DATABASE_URL is required"))
		} else if _, err := pgconn.ParseConfig(d.url); err != nil {
			// Not the parser's message: it may quote the URL, password and all.
			errs = append(errs, errors.New("-database-url: not a Postgres URL or key=value connection string (the value is secret, so not shown)"))
		}
		if d.maxConns < 2 {
			errs = append(errs, fmt.Errorf("-db-max-conns must be at least 2, got %d", d.maxConns))
		}
		return errors.Join(errs...)
	})
	return d
}

// migrateAndOpen brings the schema up to date and opens the pool: what every command that
// writes does first.
func (d *databaseFlags) migrateAndOpen(ctx context.Context, log *slog.Logger) (*store.Store, error) {
	if err := migrate(ctx, d.url, log); err != nil {
		return nil, err
	}
	return d.open(ctx)
}

func (d *databaseFlags) open(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, d.url, store.Options{MaxConns: int32(d.maxConns), ConnectTimeout: time.Second})
}

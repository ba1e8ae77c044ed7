package store

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// readerDatabaseGrants takes TEMPORARY on the database from the read-only role. It is not a
// migration because database-level grants are not part of the database: see the file.
//
//go:embed grants/reader_database.sql
var readerDatabaseGrants string

// ApplyDatabaseGrants makes the database-level grants on the database at url, as Migrate
// does after its migrations: for a database copied from a migrated template.
func ApplyDatabaseGrants(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect for the database grants: %w", redactErr(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return applyDatabaseGrants(ctx, conn)
}

// applyDatabaseGrants runs after the migrations on every migrate, so that a database
// cloned or restored without its grants gets them back before the plugin reads it.
func applyDatabaseGrants(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, readerDatabaseGrants); err != nil {
		return fmt.Errorf("apply the reader's database grants: %w", err)
	}
	return nil
}

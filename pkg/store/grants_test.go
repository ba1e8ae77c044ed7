package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestMigrateByANonOwnerStopsWithAHint: a migrating user that does not own the database
// cannot take TEMPORARY from the reader. Migrate then fails, saying what the owner must
// run, rather than leave the reader able to create; once the owner has, it succeeds.
func TestMigrateByANonOwnerStopsWithAHint(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewEmptyDatabase(t)
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	role := fmt.Sprintf("ciradar_test_migrator_%d", os.Getpid())
	db := pgx.Identifier{strings.TrimPrefix(mustURL(t, dbURL).Path, "/")}.Sanitize()
	for _, sql := range []string{
		"CREATE ROLE " + role + " LOGIN CREATEROLE",
		"GRANT CREATE, USAGE ON SCHEMA public TO " + role,
		// The reader as a DBA would create it ahead of time.
		"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ciradar_reader') THEN CREATE ROLE ciradar_reader LOGIN; END IF; END $$",
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	t.Cleanup(func() {
		admin, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return
		}
		defer admin.Close(ctx)
		admin.Exec(ctx, "DROP OWNED BY "+role)
		admin.Exec(ctx, "DROP ROLE "+role)
	})
	u := mustURL(t, dbURL)
	u.User = url.User(role)

	_, err = store.Migrate(ctx, u.String())
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || !strings.Contains(pgErr.Message, "ciradar_reader can still create temporary objects") ||
		!strings.Contains(pgErr.Hint, "REVOKE TEMPORARY ON DATABASE") {
		t.Fatalf("migrate as a non-owner: %v, want a refusal with a hint", err)
	}
	// The migrations themselves were applied; only the database grants are missing.
	var applied int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil || applied != len(mustMigrations(t)) {
		t.Fatalf("applied %d migrations (%v), want all %d", applied, err, len(mustMigrations(t)))
	}

	// The owner follows the hint; then migrate succeeds as the non-owner.
	for _, sql := range []string{"REVOKE TEMPORARY ON DATABASE " + db + " FROM PUBLIC", "GRANT TEMPORARY ON DATABASE " + db + " TO " + role} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := store.Migrate(ctx, u.String()); err != nil {
		t.Fatalf("migrate after the owner's revoke: %v", err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustMigrations(t *testing.T) []store.Migration {
	t.Helper()
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

package plugin

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestReaderRoleCannotWrite proves migration 0003: ciradar_reader reads every table and
// can change nothing, even after turning off its read-only default.
func TestReaderRoleCannotWrite(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	pgtest.SeedFixtures(t, dbURL)
	u, _ := url.Parse(dbURL)
	u.User = url.User("ciradar_reader")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, table := range []string{"deliveries", "delivery_rejections", "workflow_jobs", "workflow_runs", "error_signatures", "error_occurrences", "schema_migrations"} {
		if _, err := conn.Exec(ctx, "SELECT count(*) FROM "+table); err != nil {
			t.Errorf("cannot read %s: %v", table, err)
		}
	}
	writes := []struct{ name, sql string }{
		{"insert", "INSERT INTO deliveries (delivery_id, event, received_at, payload) VALUES ('x', 'ping', now(), '')"},
		{"update", "UPDATE workflow_jobs SET status = 'completed'"},
		{"delete", "DELETE FROM workflow_runs"},
		{"truncate", "TRUNCATE deliveries"},
		{"drop", "DROP TABLE deliveries"},
		{"create", "CREATE TABLE evil (x int)"},
		{"alter", "ALTER TABLE workflow_jobs ADD COLUMN evil int"},
		{"create role", "CREATE ROLE evil"},
	}
	for _, mode := range []string{"default", "read-only turned off"} {
		if mode != "default" {
			if _, err := conn.Exec(ctx, "SET default_transaction_read_only = off"); err != nil {
				t.Fatal(err)
			}
		}
		for _, w := range writes {
			t.Run(mode+"/"+w.name, func(t *testing.T) {
				_, err := conn.Exec(ctx, w.sql)
				var pgErr *pgconn.PgError
				// 42501 insufficient_privilege, 25006 read_only_sql_transaction, 42501 for
				// ownership too: any of them means the write was refused by the server.
				if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "25006") {
					t.Fatalf("%s: err = %v, want a refusal", w.sql, err)
				}
				if mode != "default" && pgErr.Code != "42501" {
					t.Fatalf("%s refused only by the read-only default (%s), not by privileges", w.sql, pgErr.Code)
				}
			})
		}
	}
}

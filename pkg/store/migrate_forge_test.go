package store_test

import (
	"context"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// 0025 on a store that already holds GitHub rows: they become GitHub's, their instance is
// read from their own links, and a GitLab row with the same ids can then sit beside them.
func TestMigrationForgeKeepsExistingRows(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewEmptyDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version >= 25 {
			break
		}
		if _, err := conn.Exec(ctx, m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	for _, sql := range []string{
		`INSERT INTO workflow_jobs (job_id, html_url, first_seen_at, last_seen_at) VALUES
			(1, 'https://github.com/acme/api/actions/runs/9/job/1', now(), now()),
			(2, 'https://ghe.example.com/acme/api/actions/runs/9/job/2', now(), now()), (3, '', now(), now())`,
		`INSERT INTO workflow_runs (run_id, run_attempt, html_url, first_seen_at, last_seen_at) VALUES
			(9, 1, 'https://github.com/acme/api/actions/runs/9', now(), now())`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, sql, want string
	}{
		{"github.com job", "SELECT forge || ' ' || forge_url FROM workflow_jobs WHERE job_id = 1", "github https://github.com"},
		{"GHES job", "SELECT forge || ' ' || forge_url FROM workflow_jobs WHERE job_id = 2", "github https://ghe.example.com"},
		{"job without a link", "SELECT forge || ' ' || forge_url FROM workflow_jobs WHERE job_id = 3", "github "},
		{"run", "SELECT forge || ' ' || forge_url FROM workflow_runs WHERE run_id = 9", "github https://github.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got string
			if err := conn.QueryRow(ctx, c.sql).Scan(&got); err != nil || got != c.want {
				t.Fatalf("%q (%v), want %q", got, err, c.want)
			}
		})
	}
	// The same ids from GitLab are new rows, and a forge outside the two is refused.
	if _, err := conn.Exec(ctx, `INSERT INTO workflow_jobs (job_id, forge, first_seen_at, last_seen_at) VALUES (1, 'gitlab', now(), now());
		INSERT INTO workflow_runs (run_id, run_attempt, forge, first_seen_at, last_seen_at) VALUES (9, 1, 'gitlab', now(), now())`); err != nil {
		t.Fatalf("GitLab rows beside GitHub's: %v", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO workflow_jobs (job_id, forge, first_seen_at, last_seen_at) VALUES (1, 'bitbucket', now(), now())`); err == nil {
		t.Fatal("a third forge was accepted")
	}
}

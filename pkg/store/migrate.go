package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the advisory lock every migrator takes, so replicas starting together
// apply each migration once. The value is arbitrary but fixed forever.
const migrationLockKey int64 = 0x0c1_7ad_a4

// Migration is one embedded schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations in order. They are compiled in, so they are read
// once; readiness and health checks ask on every call.
func Migrations() ([]Migration, error) {
	ms, err := embedded()
	return slices.Clone(ms), err
}

var embedded = sync.OnceValues(readMigrations)

func readMigrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %q: name must start with a number and '_'", name)
		}
		body, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// LatestVersion is the newest migration this binary knows.
func LatestVersion() int {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Migrate applies every embedded migration the database lacks, each in its own
// transaction, while holding an advisory lock, then the database-level grants (grants.go).
// It returns the versions it applied.
func Migrate(ctx context.Context, url string) ([]int, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect for migration: %w", redactErr(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return migrateConn(ctx, conn, LatestVersion())
}

// MigrateTo applies the embedded migrations up to and including version, no further: the
// state of a store an older release left, for testing a migration on it.
func MigrateTo(ctx context.Context, url string, version int) ([]int, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect for migration: %w", redactErr(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return migrateConn(ctx, conn, version)
}

func migrateConn(ctx context.Context, conn *pgx.Conn, upTo int) ([]int, error) {
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey) //nolint:errcheck // the session ends anyway

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	var done []int
	for _, m := range ms {
		if applied[m.Version] || m.Version > upTo {
			continue
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		}); err != nil {
			return done, fmt.Errorf("apply migration %s: %w", m.Name, err)
		}
		done = append(done, m.Version)
	}
	return done, applyDatabaseGrants(ctx, conn)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func appliedVersions(ctx context.Context, q querier) (map[int]bool, error) {
	rows, err := q.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	out := make(map[int]bool, len(vs))
	for _, v := range vs {
		out[v] = true
	}
	return out, nil
}

// SchemaStatus reports whether every migration this binary knows has been applied.
type SchemaStatus struct {
	Applied int // newest applied version
	Latest  int // newest version this binary knows
	Missing []int
}

// Current is true when nothing is missing.
func (s SchemaStatus) Current() bool { return len(s.Missing) == 0 }

// Schema reads the migration state.
func (s *Store) Schema(ctx context.Context) (SchemaStatus, error) {
	applied, err := appliedVersions(ctx, s.pool)
	if err != nil {
		return SchemaStatus{}, err
	}
	ms, err := Migrations()
	if err != nil {
		return SchemaStatus{}, err
	}
	st := SchemaStatus{Latest: LatestVersion()}
	for v := range applied {
		st.Applied = max(st.Applied, v)
	}
	for _, m := range ms {
		if !applied[m.Version] {
			st.Missing = append(st.Missing, m.Version)
		}
	}
	return st, nil
}

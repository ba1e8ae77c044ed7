package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// server is the one Postgres this test binary uses: a local throwaway cluster, or the
// server named by CIRADAR_TEST_DATABASE_URL.
var server struct {
	once     sync.Once
	err      error
	cluster  *Cluster
	admin    string // URL of a database we may run CREATE DATABASE from
	template string // name of the migrated template database
}

// Main runs the package's tests and then tears down what pgtest started. Call it from
// TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if server.template != "" {
		if conn, err := pgx.Connect(context.Background(), server.admin); err == nil {
			conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{server.template}.Sanitize()+" WITH (FORCE)")
			conn.Close(context.Background())
		}
	}
	if server.cluster != nil {
		server.cluster.Remove()
	}
	return code
}

func setup() {
	server.admin = os.Getenv("CIRADAR_TEST_DATABASE_URL")
	if server.admin == "" {
		server.cluster, server.err = StartCluster()
		if server.err != nil {
			return
		}
		server.admin = server.cluster.URL("postgres")
	}
	server.template = "ciradar_tpl_" + randomSuffix()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := createDatabase(ctx, server.admin, server.template, ""); err != nil {
		server.err = err
		return
	}
	if _, err := store.Migrate(ctx, withDatabase(server.admin, server.template)); err != nil {
		server.err = fmt.Errorf("pgtest: migrate template: %w", err)
	}
}

// NewDatabase returns the URL of a fresh, migrated database that is dropped when the test
// ends. The test fails, with what to install, when no Postgres can be had.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, true)
}

// NewEmptyDatabase is NewDatabase without the migrations, for tests of migrating itself.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, false)
}

func newDatabase(t testing.TB, migrated bool) string {
	t.Helper()
	server.once.Do(setup)
	if server.err != nil {
		t.Fatalf("pgtest: no Postgres for this test: %v", server.err)
	}
	template := ""
	if migrated {
		template = server.template
	}
	name := "ciradar_test_" + randomSuffix()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := createDatabase(ctx, server.admin, name, template); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), server.admin)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	// A copy takes the template's contents but not its database-level grants: make them
	// as `ciradar migrate` would, so the copy is what a migrated database looks like.
	if migrated {
		if err := store.ApplyDatabaseGrants(ctx, withDatabase(server.admin, name)); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	return withDatabase(server.admin, name)
}

func createDatabase(ctx context.Context, admin, name, template string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to test server: %w (%s)", err, InstallHint)
	}
	defer conn.Close(context.Background())
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// withDatabase swaps the database name in a postgres:// URL or a key=value DSN.
func withDatabase(dsn, db string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + db
		return u.String()
	}
	return dsn + " dbname=" + db
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

package plugin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var update = flag.Bool("update", false, "rewrite the reader's column list in docs/plugin.md")

// connectAs opens one connection to dbURL as role; "" keeps the URL's own (admin) user.
func connectAs(t *testing.T, dbURL, role string) *pgx.Conn {
	t.Helper()
	u, _ := url.Parse(dbURL)
	if role != "" {
		u.User = url.User(role)
	}
	conn, err := pgx.Connect(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// refused asserts that the server refused sql for lack of a privilege (42501), or, when
// readOnlyCounts, for the read-only default (25006) too.
func refused(t *testing.T, conn *pgx.Conn, sql string, readOnlyCounts bool) {
	t.Helper()
	_, err := conn.Exec(context.Background(), sql)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && !(readOnlyCounts && pgErr.Code == "25006")) {
		t.Fatalf("%s: err = %v, want a refusal for lack of privilege", sql, err)
	}
}

// TestReaderRoleCannotWrite proves migration 0003: ciradar_reader reads every table and
// can change nothing, even after turning off its read-only default.
func TestReaderRoleCannotWrite(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	pgtest.SeedFixtures(t, dbURL)
	conn := connectAs(t, dbURL, "ciradar_reader")
	ctx := context.Background()
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
			t.Run(mode+"/"+w.name, func(t *testing.T) { refused(t, conn, w.sql, mode == "default") })
		}
	}
}

// TestReaderLeastPrivilege proves migration 0014 and the database grants: the reader reads
// every column of deliveries but the raw payload, and creates nothing, not even temporary
// objects, whatever its session settings. A database restored without its grants gets
// PUBLIC's default TEMPORARY back; the next migrate takes it from the reader again.
func TestReaderLeastPrivilege(t *testing.T) {
	ctx := context.Background()
	fresh := pgtest.NewEmptyDatabase(t)
	if _, err := store.Migrate(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	// A restore into a new database, or a copy from a template, starts again from
	// PostgreSQL's default grants, under which PUBLIC holds TEMPORARY: simulate one.
	clone := pgtest.NewDatabase(t)
	pgtest.SeedFixtures(t, clone)
	other := loginRole(t, clone)
	if _, err := connectAs(t, clone, "").Exec(ctx, "GRANT TEMPORARY ON DATABASE "+pgx.Identifier{dbName(clone)}.Sanitize()+" TO PUBLIC"); err != nil {
		t.Fatal(err)
	}
	early := connectAs(t, clone, "ciradar_reader")
	if _, err := early.Exec(ctx, "SET default_transaction_read_only = off"); err != nil {
		t.Fatal(err)
	}
	if _, err := early.Exec(ctx, "CREATE TEMP TABLE before_migrate (x int)"); err != nil {
		t.Fatalf("with PUBLIC's default TEMPORARY the reader should create (else this test proves nothing): %v", err)
	}
	if _, err := store.Migrate(ctx, clone); err != nil {
		t.Fatal(err)
	}
	refusals := []struct{ name, sql string }{
		{"payload", "SELECT payload FROM deliveries"},
		{"payload in an expression", "SELECT length(payload) FROM deliveries"},
		{"every column", "SELECT * FROM deliveries"},
		{"the whole row", "SELECT d FROM deliveries d"},
		{"row to json", "SELECT row_to_json(d) FROM deliveries d"},
		{"copy", "COPY deliveries TO STDOUT"},
		{"temporary table", "CREATE TEMP TABLE t (x int)"},
		{"temporary view", "CREATE TEMP VIEW v AS SELECT 1"},
		{"temporary sequence", "CREATE TEMP SEQUENCE s"},
		{"table in public", "CREATE TABLE public.evil (x int)"},
		{"function in public", "CREATE FUNCTION public.evil() RETURNS int LANGUAGE sql AS 'SELECT 1'"},
		{"schema", "CREATE SCHEMA evil"},
	}
	reads := []string{
		"SELECT delivery_id, event, action, hook_id, target_type, target_id, received_at FROM deliveries",
		"SELECT count(*) FROM deliveries",
		"SELECT max(received_at) FROM deliveries WHERE target_type <> 'api'",
	}
	for _, db := range []struct{ name, url string }{{"fresh", fresh}, {"clone", clone}} {
		conn := connectAs(t, db.url, "ciradar_reader")
		for _, sql := range reads {
			if _, err := conn.Exec(ctx, sql); err != nil {
				t.Errorf("%s: %s: %v", db.name, sql, err)
			}
		}
		if _, err := conn.Exec(ctx, "SET default_transaction_read_only = off"); err != nil {
			t.Fatal(err)
		}
		for _, r := range refusals {
			t.Run(db.name+"/"+r.name, func(t *testing.T) { refused(t, conn, r.sql, false) })
		}
	}
	// Only the reader lost TEMPORARY: a login role that held it through PUBLIC keeps it.
	var otherTemp, readerTemp bool
	if err := connectAs(t, clone, "").QueryRow(ctx, "SELECT has_database_privilege($1, current_database(), 'TEMPORARY'), has_database_privilege('ciradar_reader', current_database(), 'TEMPORARY')", other).Scan(&otherTemp, &readerTemp); err != nil {
		t.Fatal(err)
	}
	if !otherTemp || readerTemp {
		t.Errorf("TEMPORARY: %s %v, ciradar_reader %v; want only the reader to lose it", other, otherTemp, readerTemp)
	}
}

// loginRole creates a login role for the test in the cluster behind dbURL, and drops it
// (and its grants in that database) when the test ends.
func dbName(dbURL string) string {
	u, _ := url.Parse(dbURL)
	return strings.TrimPrefix(u.Path, "/")
}

func loginRole(t *testing.T, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("ciradar_test_%d", os.Getpid())
	if _, err := connectAs(t, dbURL, "").Exec(ctx, "CREATE ROLE "+name+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP OWNED BY "+name)
		conn.Exec(ctx, "DROP ROLE "+name)
	})
	return name
}

const (
	docsFile      = "../../docs/plugin.md"
	docsBeginMark = "<!-- reader-columns:begin (go test ./pkg/plugin -run TestReaderColumnsDocumented -update) -->"
	docsEndMark   = "<!-- reader-columns:end -->"
)

// TestReaderColumnsDocumented holds the list of what ciradar_reader can read, in
// docs/plugin.md, to the grants of a migrated database: every table of schema public, the
// columns the role may select, and those it may not. A new table or column fails it until
// the list says who may read it (rewrite it with -update, then read the diff). The weekly
// partitions of deliveries are named by date and left out; like deliveries_default they
// grant the reader nothing (pkg/store TestReaderSeesPartitionsOnlyThroughDeliveries).
func TestReaderColumnsDocumented(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	conn := connectAs(t, dbURL, "")
	rows, err := conn.Query(ctx, `SELECT c.relname,
  coalesce(string_agg(a.attname::text, ', ' ORDER BY a.attnum) FILTER (WHERE has_column_privilege('ciradar_reader', c.oid, a.attnum, 'SELECT')), ''),
  coalesce(string_agg(a.attname::text, ', ' ORDER BY a.attnum) FILTER (WHERE NOT has_column_privilege('ciradar_reader', c.oid, a.attnum, 'SELECT')), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT (c.relispartition AND c.relname ~ '^deliveries_w[0-9]{8}$')
GROUP BY c.relname ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(docsBeginMark + "\n\n| table | columns ciradar_reader can read | columns it cannot |\n|---|---|---|\n")
	for rows.Next() {
		var table, can, cannot string
		if err := rows.Scan(&table, &can, &cannot); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", table, orNone(can), orNone(cannot))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n" + docsEndMark)
	want := b.String()

	doc, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), docsBeginMark)
	_, after, ok2 := strings.Cut(rest, docsEndMark)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers %q and %q", docsFile, docsBeginMark, docsEndMark)
	}
	got := docsBeginMark + rest[:len(rest)-len(after)]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(docsFile, []byte(before+want+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/plugin.md's list of what ciradar_reader can read differs from the grants; run with -update and check the diff.\nwant:\n%s", want)
}

func orNone(cols string) string {
	if cols == "" {
		return "(none)"
	}
	return cols
}

// TestHealthWarnsOfAWiderUser: Save & test says when the data source was given a user that
// can do more than the read-only role, and says nothing of it for the role itself.
func TestHealthWarnsOfAWiderUser(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	u, _ := url.Parse(dbURL)
	page := statusPage(t, 200)
	for _, tc := range []struct {
		user   string
		warned bool
	}{{"ciradar_reader", false}, {u.User.Username(), true}} {
		t.Run(tc.user, func(t *testing.T) {
			js := fmt.Sprintf(`{"host": %q, "database": %q, "user": %q, "sslmode": "disable", "statusPageUrl": %q}`,
				u.Query().Get("host"), dbName(dbURL), tc.user, page)
			inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{JSONData: []byte(js)})
			if err != nil {
				t.Fatal(err)
			}
			d := inst.(*Datasource)
			defer d.Dispose()
			res, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if err != nil || res.Status == backend.HealthStatusError {
				t.Fatalf("health: %v %v", res, err)
			}
			want := "can read raw webhook payloads, create temporary tables, write to the store: connect as the read-only role ciradar_reader"
			if got := strings.Contains(res.Message, want); got != tc.warned {
				t.Fatalf("health message %q: warned %v, want %v", res.Message, got, tc.warned)
			}
		})
	}
}

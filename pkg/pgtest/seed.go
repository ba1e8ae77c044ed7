package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// SeedFixtures stores GitHub's example workflow_job and workflow_run payloads in the
// database at url, through the store's write path as the receiver would.
func SeedFixtures(t testing.TB, url string) {
	t.Helper()
	s, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var items []store.Item
	for _, p := range append(fixtures.Event("workflow_job"), fixtures.Event("workflow_run")...) {
		d := store.Delivery{ID: p.Name, Event: p.Event, ReceivedAt: time.Date(2021, 8, 5, 12, 0, 0, 0, time.UTC), Payload: p.Body}
		proj, err := store.Project(d)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, store.Item{Delivery: d, Projection: proj})
	}
	if _, err := s.Write(context.Background(), items); err != nil {
		t.Fatal(err)
	}
}

// Rows runs sql on the store and returns every row's values, failing the test on error.
func Rows(t testing.TB, s *store.Store, sql string, args ...any) [][]any {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("query store: %v", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		t.Fatalf("read store: %v", err)
	}
	return out
}

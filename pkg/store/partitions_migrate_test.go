package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// deliveryRows reads every delivery as stored, the payload's bytes included.
const deliveryRows = `SELECT delivery_id, event, action, coalesce(hook_id, 0), target_type, coalesce(target_id, 0),
	received_at, payload_codec, coalesce(payload_dict, 0), payload FROM deliveries ORDER BY delivery_id`

type storedDelivery struct {
	ID, Event, Action string
	HookID            int64
	TargetType        string
	TargetID          int64
	ReceivedAt        time.Time
	Codec             int16
	Dict              int32
	Payload           []byte
}

func readDeliveries(t *testing.T, conn interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []storedDelivery {
	t.Helper()
	rows, err := conn.Query(context.Background(), deliveryRows)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[storedDelivery])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Migration 0024 moves a store filled by the simulator under 0023 to the partitioned
// layout: every delivery is there with the same id, columns and payload, ids delivered
// before the migration are still duplicates, and reprojecting the migrated log gives what
// live ingest of the same deliveries gives.
func TestMigrationPartitionsAFilledStore(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewEmptyDatabase(t)
	if _, err := store.MigrateTo(ctx, url, 23); err != nil {
		t.Fatal(err)
	}
	old, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close(ctx)
	live := newStore(t) // the same deliveries through live ingest, for reference

	// Three days across a week boundary (Saturday to Tuesday), duplicates and reordering on.
	start := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	var first []store.Item
	sim := simulateInto(t, live, 7, start, 72*time.Hour, func(it store.Item) error {
		// As 0023's receiver stored it: one row per id, the payload as received.
		del := it.Delivery
		tag, err := old.Exec(ctx, `INSERT INTO deliveries (delivery_id, event, action, hook_id, target_type, target_id, received_at, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (delivery_id) DO NOTHING`,
			del.ID, del.Event, del.Action, del.HookID, del.TargetType, del.TargetID, del.ReceivedAt, del.Payload)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			first = append(first, it)
		}
		return nil
	})
	if len(first) < 100 || sim.Truth().Deliveries.Duplicates == 0 {
		t.Fatalf("the simulator sent %d deliveries, %+v: too few to test on", len(first), sim.Truth().Deliveries)
	}
	before := readDeliveries(t, old)

	if applied, err := store.Migrate(ctx, url); err != nil || len(applied) == 0 || applied[0] != 24 {
		t.Fatalf("migrate: applied %v, %v", applied, err)
	}
	s, err := store.Open(ctx, url, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	t.Run("every delivery kept as it was", func(t *testing.T) {
		after := readDeliveries(t, s.Pool())
		if len(after) != len(before) || !reflect.DeepEqual(after, before) {
			t.Fatalf("%d deliveries after, %d before, or their columns differ", len(after), len(before))
		}
	})
	t.Run("in the partitions of their weeks", func(t *testing.T) {
		rows, err := s.Pool().Query(ctx, `SELECT tableoid::regclass::text, count(*) FROM deliveries GROUP BY 1 ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		weeks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
			var name string
			var n int
			err := r.Scan(&name, &n)
			return name, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"deliveries_w20260302", "deliveries_w20260309"}; !reflect.DeepEqual(weeks, want) {
			t.Errorf("rows are in %v, want %v", weeks, want)
		}
	})
	t.Run("ids delivered before are duplicates", func(t *testing.T) {
		again := first[len(first)/2]
		again.Delivery.ReceivedAt = time.Now() // a redelivery, received now, in another partition
		res, err := s.Write(ctx, []store.Item{again, first[0]})
		if err != nil || res.Stored != 0 || res.Duplicates != 2 {
			t.Fatalf("redelivering two old ids: %+v, %v; want two duplicates", res, err)
		}
		var guids int
		if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM delivery_guids").Scan(&guids); err != nil || guids != len(before) {
			t.Errorf("%d ids recorded (%v), want %d", guids, err, len(before))
		}
	})
	t.Run("reproject equals live", func(t *testing.T) { reprojectEqualsLive(t, s, live, len(before)) })
}

// reprojectEqualsLive reprojects s's whole log (n deliveries, after a migration) and
// requires the projections live ingest made in the store live.
func reprojectEqualsLive(t *testing.T, s, live *store.Store, n int) {
	t.Helper()
	want := snapshot(t, live)
	if len(want.Jobs) == 0 {
		t.Fatal("live ingest projected no jobs")
	}
	st, err := s.Reproject(context.Background(), 50)
	if err != nil || st.Deliveries != n || st.Skipped != 0 {
		t.Fatalf("reproject: %+v, %v; want all %d deliveries read", st, err, n)
	}
	if got := snapshot(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("reprojected the migrated log into %d jobs and %d runs; live ingest made %d and %d, or they differ",
			len(got.Jobs), len(got.Runs), len(want.Jobs), len(want.Runs))
	}
}

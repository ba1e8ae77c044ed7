package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// filledAt28 fills a store migrated up to 0028 with three simulated days, written as 0028's
// receiver wrote it (each id in delivery_guids as text), plus ids that are not canonical
// UUIDs: the reconciler's, an uppercase UUID and a test's. It returns the store's URL, the
// items written, and the same items ingested live by the newest schema, for reference.
func filledAt28(t *testing.T) (string, []store.Item, *store.Store) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewEmptyDatabase(t)
	if _, err := store.MigrateTo(ctx, url, 28); err != nil {
		t.Fatal(err)
	}
	old, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close(ctx)
	live := newStore(t)

	start := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	cfg := simulate.DefaultConfig()
	cfg.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: 8}}
	w, err := simulate.NewWorld(cfg, 11, start)
	if err != nil {
		t.Fatal(err)
	}
	var items []store.Item
	sim, err := simulate.New(w, simulate.Options{Deliver: func(ctx context.Context, d simulate.Delivery) (int, error) {
		del := store.Delivery{ID: d.GUID, Event: d.Event, Action: d.Action, HookID: d.Org.HookID, TargetType: "organization",
			TargetID: d.Org.ID, ReceivedAt: d.At, Payload: d.Body}
		// Every tenth id is spelled as other senders spell ids: uppercase, or not a UUID.
		switch len(items) % 10 {
		case 3:
			del.ID = strings.ToUpper(del.ID)
		case 7:
			del.ID = "api:" + del.ID
		}
		p, err := store.Project(del)
		if err != nil {
			return 400, err
		}
		items = append(items, store.Item{Delivery: del, Projection: p})
		return 202, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(ctx, start.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if len(items) < 100 {
		t.Fatalf("the simulator sent %d deliveries: too few to test on", len(items))
	}
	for _, it := range items {
		d := it.Delivery
		// As 0028's Write stored it: the id as text in delivery_guids, the payload as received.
		if _, err := old.Exec(ctx, `WITH g AS (INSERT INTO delivery_guids (delivery_id, received_at) VALUES ($1, $7))
			INSERT INTO deliveries (delivery_id, event, action, hook_id, target_type, target_id, received_at, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			d.ID, d.Event, d.Action, d.HookID, d.TargetType, d.TargetID, d.ReceivedAt, d.Payload); err != nil {
			t.Fatal(err)
		}
	}
	for b := range slices.Chunk(items, 64) {
		if _, err := live.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	return url, items, live
}

// Migration 0029 moves delivery_guids of a filled store to uuid keys: every id is kept, in
// the column its spelling says, every id written before is still a duplicate, lookups by
// id find them all, and the migrated log reprojects to what live ingest made.
func TestMigrationCompactsDeliveryGuids(t *testing.T) {
	ctx := context.Background()
	url, items, live := filledAt28(t)
	if _, err := store.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, url, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Delivery.ID
	}

	t.Run("every id kept in the column its spelling says", func(t *testing.T) {
		var uuids, texts, wrong int
		err := s.Pool().QueryRow(ctx, `SELECT count(guid), count(delivery_id),
			count(*) FILTER (WHERE coalesce(delivery_id, guid::text) <> ALL($1)) FROM delivery_guids`, ids).Scan(&uuids, &texts, &wrong)
		if err != nil {
			t.Fatal(err)
		}
		wantTexts := 0
		for _, id := range ids {
			if id != strings.ToLower(id) || strings.HasPrefix(id, "api:") {
				wantTexts++
			}
		}
		if uuids != len(ids)-wantTexts || texts != wantTexts || wrong != 0 {
			t.Errorf("%d uuid keys, %d text keys, %d unknown ids; want %d, %d, 0", uuids, texts, wrong, len(ids)-wantTexts, wantTexts)
		}
	})
	t.Run("ids written before are duplicates", func(t *testing.T) {
		again := slices.Clone(items[:40])
		for i := range again {
			again[i].Delivery.ReceivedAt = time.Now() // redeliveries, received now, in another partition
		}
		res, err := s.Write(ctx, again)
		if err != nil || res.Stored != 0 || res.Duplicates != len(again) {
			t.Fatalf("redelivering %d old ids: %+v, %v; want all duplicates", len(again), res, err)
		}
	})
	t.Run("lookups by id find every one", func(t *testing.T) {
		n, err := s.CountDeliveries(ctx, append(slices.Clone(ids), "never-sent"))
		if err != nil || n != len(ids) {
			t.Errorf("CountDeliveries: %d, %v; want %d", n, err, len(ids))
		}
		stored, err := s.StoredDeliveries(ctx, ids)
		if err != nil || len(stored) != len(ids) {
			t.Errorf("StoredDeliveries: %d of %d, %v", len(stored), len(ids), err)
		}
		for _, i := range []int{0, 3, 7} { // a UUID, an uppercase UUID, a text id
			p, err := s.RawPayload(ctx, ids[i])
			if err != nil || string(p) != string(items[i].Delivery.Payload) {
				t.Errorf("RawPayload(%q): %d bytes, %v", ids[i], len(p), err)
			}
		}
	})
	t.Run("reproject equals live", func(t *testing.T) { reprojectEqualsLive(t, s, live, len(items)) })
}

// An id is a duplicate exactly when the same string was stored before, however it is
// spelled: a canonical UUID is kept as a uuid, every other spelling as text (0029), and
// the two never stand for each other.
func TestDeliveryIDSpellingsDeduplicateExactly(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	body := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
	const canonical = "0f0e0d0c-0b0a-4909-8807-060504030201"
	now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, id string
		isUUID   bool
	}{
		{"canonical uuid", canonical, true},
		{"the same uuid uppercase", strings.ToUpper(canonical), false},
		{"the same uuid without hyphens", strings.ReplaceAll(canonical, "-", ""), false},
		{"the same uuid in braces", "{" + canonical + "}", false},
		{"a reconciler id", "api:run:1:1:completed:success", false},
		{"a short test id", "d-1", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := item(t, c.id, "ping", body, now.Add(time.Duration(i)*time.Minute))
			first, err := s.Write(ctx, []store.Item{it})
			if err != nil || first.Stored != 1 {
				t.Fatalf("first write of %q: %+v, %v; want it stored", c.id, first, err)
			}
			it.Delivery.ReceivedAt = now.AddDate(0, 1, 0) // redelivered a month later
			again, err := s.Write(ctx, []store.Item{it})
			if err != nil || again.Stored != 0 || again.Duplicates != 1 {
				t.Fatalf("second write of %q: %+v, %v; want a duplicate", c.id, again, err)
			}
			var asUUID bool
			if err := s.Pool().QueryRow(ctx, `SELECT guid IS NOT NULL FROM delivery_guids
				WHERE coalesce(delivery_id, guid::text) = $1`, c.id).Scan(&asUUID); err != nil || asUUID != c.isUUID {
				t.Errorf("%q kept as uuid: %v (%v), want %v", c.id, asUUID, err, c.isUUID)
			}
		})
	}
}

// The write path's Go reading of an id (deliveryGUID) and the SQL one that delivery_guids'
// CHECK and the lookups use (delivery_uuid) agree on every spelling.
func TestDeliveryGUIDMatchesSQL(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const canonical = "0f0e0d0c-0b0a-4909-8807-060504030201"
	cases := []struct{ name, id string }{
		{"canonical", canonical},
		{"all hex letters", "abcdefab-cdef-abcd-efab-cdefabcdefab"},
		{"uppercase", strings.ToUpper(canonical)},
		{"one uppercase letter", "0f0e0d0c-0b0a-4909-8807-06050403020A"},
		{"no hyphens", strings.ReplaceAll(canonical, "-", "")},
		{"braces", "{" + canonical + "}"},
		{"hyphen moved", "0f0e0d0-c0b0a-4909-8807-060504030201"},
		{"a letter past f", "0f0e0d0c-0b0a-4909-8807-06050403020g"},
		{"trailing newline", canonical + "\n"},
		{"one short", canonical[:35]},
		{"empty", ""},
		{"a reconciler id", "api:run:1:1:completed:success"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sql *string
			if err := s.Pool().QueryRow(ctx, "SELECT delivery_uuid($1)::text", c.id).Scan(&sql); err != nil {
				t.Fatal(err)
			}
			g := store.DeliveryGUID(c.id)
			if (sql != nil) != g.Valid || sql != nil && *sql != c.id {
				t.Errorf("SQL reads %q as %v, Go as %v", c.id, sql, g)
			}
		})
	}
}

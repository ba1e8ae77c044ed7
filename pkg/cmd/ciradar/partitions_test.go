package main

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// serve makes the raw log's partitions ahead by itself: with the coming weeks' partitions
// gone (as when nothing ran for weeks after the migration), a started receiver makes them
// again, and a delivery of this week already in the default partition moves into its week.
func TestServeMakesPartitionsAhead(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewDatabase(t)
	s, err := store.Open(ctx, db, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	parts, err := s.DeliveryPartitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var dropped []string
	for _, p := range parts {
		if !p.To.IsZero() && p.To.After(time.Now()) {
			if _, err := s.Pool().Exec(ctx, "DROP TABLE "+p.Name); err != nil {
				t.Fatal(err)
			}
			dropped = append(dropped, p.Name)
		}
	}
	if len(dropped) != store.PartitionsAhead+1 {
		t.Fatalf("dropped %v, want this week's and the %d after", dropped, store.PartitionsAhead)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO deliveries (delivery_id, event, received_at, payload) VALUES ('early', 'ping', now(), '')`); err != nil {
		t.Fatal(err)
	}

	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var made int
		var home *string // NULL at the instant of the move, for a statement planned before it
		err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM unnest($1::text[]) AS n WHERE to_regclass(n) IS NOT NULL),
			(SELECT tableoid::regclass::text FROM deliveries WHERE delivery_id = 'early')`, dropped).Scan(&made, &home)
		if err != nil {
			t.Fatal(err)
		}
		if made == len(dropped) && home != nil && *home == dropped[0] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s %d of %v made, the early delivery in %v\n%s", made, dropped, home, r.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

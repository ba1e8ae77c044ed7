package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// A Monday: partition weeks run Monday 00:00 UTC to the next.
var week0 = time.Date(2031, 3, 3, 0, 0, 0, 0, time.UTC)

func partitionOf(t *testing.T, s *store.Store, id string) string {
	t.Helper()
	var name string
	err := s.Pool().QueryRow(context.Background(),
		"SELECT tableoid::regclass::text FROM deliveries WHERE delivery_id = $1", id).Scan(&name)
	if err != nil {
		t.Fatalf("find %s: %v", id, err)
	}
	return name
}

func exists(t *testing.T, s *store.Store, table string) bool {
	t.Helper()
	var ok bool
	err := s.Pool().QueryRow(context.Background(), `SELECT EXISTS (SELECT FROM pg_inherits
		WHERE inhparent = 'deliveries'::regclass AND inhrelid = to_regclass($1))`, table).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func ensure(t *testing.T, s *store.Store, at time.Time) int {
	t.Helper()
	n, err := s.EnsurePartitions(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func rawItem(t *testing.T, id string, at time.Time) store.Item {
	p := fixtures.All()[0]
	return item(t, id, p.Event, p.Body, at)
}

// EnsurePartitions makes the week of now and the weeks ahead, once.
func TestPartitionsMadeAhead(t *testing.T) {
	s := newStore(t)
	mid := week0.Add(3*24*time.Hour + 5*time.Hour) // a Thursday
	if n := ensure(t, s, mid); n != store.PartitionsAhead+1 {
		t.Fatalf("made %d partitions, want %d", n, store.PartitionsAhead+1)
	}
	for i := range store.PartitionsAhead + 1 {
		name := "deliveries_w" + week0.Add(time.Duration(i)*store.PartitionWeek).Format("20060102")
		if !exists(t, s, name) {
			t.Errorf("%s was not made", name)
		}
	}
	if exists(t, s, "deliveries_w"+week0.Add(-store.PartitionWeek).Format("20060102")) {
		t.Error("the week before was made too")
	}
	if n := ensure(t, s, mid); n != 0 {
		t.Errorf("a second run made %d partitions, want none", n)
	}
}

// Every delivery lands in a valid partition: its week's when made, the default one
// otherwise (late, before every partition, or ahead of them); making a week's partition
// later takes its rows out of the default one, and they read the same.
func TestLateAndEarlyDeliveriesLand(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ensure(t, s, week0)
	cases := []struct {
		name, id string
		at       time.Time
		want     string
	}{
		{"in a made week", "now", week0.Add(time.Hour), "deliveries_w20310303"},
		{"last instant of the last made week", "edge", week0.Add(3*store.PartitionWeek - time.Microsecond), "deliveries_w20310317"},
		{"late: a redelivery for an old job", "late", week0.AddDate(-1, 0, 0), store.DefaultPartition},
		{"ahead of every partition", "ahead", week0.Add(5 * store.PartitionWeek), store.DefaultPartition},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := s.Write(ctx, []store.Item{rawItem(t, c.id, c.at)})
			if err != nil || res.Stored != 1 {
				t.Fatalf("write: %+v, %v", res, err)
			}
			if got := partitionOf(t, s, c.id); got != c.want {
				t.Errorf("landed in %s, want %s", got, c.want)
			}
		})
	}
	before, err := s.RawPayload(ctx, "ahead")
	if err != nil {
		t.Fatal(err)
	}
	if n := ensure(t, s, week0.Add(5*store.PartitionWeek)); n != 3 {
		t.Fatalf("made %d partitions, want 3", n)
	}
	if got := partitionOf(t, s, "ahead"); got != "deliveries_w20310407" {
		t.Errorf("after its week was made the row is in %s", got)
	}
	after, err := s.RawPayload(ctx, "ahead")
	if err != nil || string(after) != string(before) {
		t.Errorf("moved row reads back %d bytes (%v), want %d", len(after), err, len(before))
	}
	var n int
	if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM deliveries").Scan(&n); err != nil || n != len(cases) {
		t.Errorf("%d rows (%v), want %d", n, err, len(cases))
	}
}

// A redelivery arrives with a new receipt time, in another partition than the first copy:
// it is still a duplicate, whichever way the two race.
func TestDedupAcrossPartitions(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ensure(t, s, week0)
	cases := []struct {
		name         string
		first, again time.Time
		concurrent   bool
	}{
		{"next week", week0.Add(time.Hour), week0.Add(store.PartitionWeek + time.Hour), false},
		{"from the default partition into a week", week0.AddDate(-1, 0, 0), week0.Add(time.Hour), false},
		{"both at once, either side of the boundary", week0.Add(store.PartitionWeek - time.Millisecond), week0.Add(store.PartitionWeek), true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("dup-%d", i)
			var stored [2]int
			var errs [2]error
			write := func(k int, at time.Time) {
				res, err := s.Write(ctx, []store.Item{rawItem(t, id, at)})
				stored[k], errs[k] = res.Stored, err
			}
			if c.concurrent {
				var wg sync.WaitGroup
				wg.Add(2)
				go func() { defer wg.Done(); write(0, c.first) }()
				go func() { defer wg.Done(); write(1, c.again) }()
				wg.Wait()
			} else {
				write(0, c.first)
				write(1, c.again)
			}
			if errs[0] != nil || errs[1] != nil || stored[0]+stored[1] != 1 {
				t.Fatalf("stored %v (%v, %v), want exactly one of the two", stored, errs[0], errs[1])
			}
			var rows, guids int
			err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM deliveries WHERE delivery_id = $1),
				(SELECT count(*) FROM delivery_guids g JOIN deliveries d ON d.received_at = g.received_at
					AND d.delivery_id = coalesce(g.delivery_id, g.guid::text) WHERE d.delivery_id = $1)`, id).Scan(&rows, &guids)
			if err != nil || rows != 1 || guids != 1 {
				t.Errorf("%d rows and %d matching ids (%v), want 1 and 1", rows, guids, err)
			}
		})
	}
}

// Replicas making the same partitions at once make each once, and none fails.
func TestEnsurePartitionsConcurrently(t *testing.T) {
	s := newStore(t)
	const replicas = 4
	made := make([]int, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			made[i], errs[i] = s.EnsurePartitions(context.Background(), week0)
		}()
	}
	wg.Wait()
	total := 0
	for i := range replicas {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		total += made[i]
	}
	if total != store.PartitionsAhead+1 {
		t.Errorf("replicas made %v partitions, want %d in all", made, store.PartitionsAhead+1)
	}
	parts, err := s.DeliveryPartitions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	weekly := 0
	for _, p := range parts {
		if !p.From.IsZero() && !p.From.Before(week0) {
			weekly++
		}
	}
	if weekly != store.PartitionsAhead+1 {
		t.Errorf("partitions %+v, want %d from %s", parts, store.PartitionsAhead+1, week0)
	}
}

// Retention drops the partitions that ended by the cutoff, with their ids, deletes old
// rows of the default partition, and leaves everything newer alone.
func TestRetentionDropsPartitions(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ensure(t, s, week0)
	old := []time.Time{week0.Add(time.Hour), week0.Add(store.PartitionWeek + time.Hour)}
	keep := []time.Time{week0.Add(2*store.PartitionWeek + time.Hour), week0.Add(2*store.PartitionWeek + 6*24*time.Hour)}
	var items []store.Item
	for i, at := range append(append([]time.Time{}, old...), keep...) {
		for k := range 50 {
			items = append(items, rawItem(t, fmt.Sprintf("w%d-%d", i, k), at.Add(time.Duration(k)*time.Second)))
		}
	}
	items = append(items, rawItem(t, "default-old", week0.AddDate(-1, 0, 0)), rawItem(t, "default-new", week0.Add(10*store.PartitionWeek)))
	if _, err := s.Write(ctx, items); err != nil {
		t.Fatal(err)
	}
	// The cutoff lies inside the third week: that week is kept whole, rows older than the
	// cutoff included.
	cutoff := week0.Add(2*store.PartitionWeek + 3*24*time.Hour)
	n, err := s.PruneDeliveries(ctx, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2*50+1 {
		t.Errorf("pruned %d deliveries, want %d", n, 2*50+1)
	}
	for _, c := range []struct {
		table string
		want  bool
	}{
		{"deliveries_w20310303", false},
		{"deliveries_w20310310", false},
		{"deliveries_w20310317", true},
		{store.DefaultPartition, true},
	} {
		if got := exists(t, s, c.table); got != c.want {
			t.Errorf("%s is a partition: %v, want %v", c.table, got, c.want)
		}
	}
	var gone bool
	if err := s.Pool().QueryRow(ctx, "SELECT to_regclass('deliveries_w20310303') IS NULL").Scan(&gone); err != nil || !gone {
		t.Errorf("the dropped partition's table is still there (%v)", err)
	}
	var rows, guids int
	if err := s.Pool().QueryRow(ctx, "SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM delivery_guids)").Scan(&rows, &guids); err != nil {
		t.Fatal(err)
	}
	if rows != 2*50+1 || guids != rows {
		t.Errorf("%d rows and %d ids left, want %d of each", rows, guids, 2*50+1)
	}
	// A pruned delivery sent again is stored again, as before partitions; a kept one is not.
	res, err := s.Write(ctx, []store.Item{rawItem(t, "w0-0", cutoff), rawItem(t, "w2-0", cutoff)})
	if err != nil || res.Stored != 1 || !res.New["w0-0"] {
		t.Errorf("after pruning: %+v, %v; want only w0-0 stored", res, err)
	}
	if n, err := s.PruneDeliveries(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("a second prune removed %d (%v), want nothing", n, err)
	}
}

// The reader reads deliveries through the parent's column grants and cannot read a
// partition, made by the migration or later, directly.
func TestReaderSeesPartitionsOnlyThroughDeliveries(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ensure(t, s, week0)
	if _, err := s.Write(ctx, []store.Item{rawItem(t, "r", week0)}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, sql string
		ok        bool
	}{
		{"granted columns", "SELECT delivery_id, received_at, event, target_type FROM deliveries", true},
		{"payload", "SELECT payload FROM deliveries", false},
		{"a partition made later", "SELECT delivery_id FROM deliveries_w20310303", false},
		{"the default partition", "SELECT delivery_id FROM deliveries_default", false},
		{"delivery ids", "SELECT delivery_id FROM delivery_guids", false},
		{"delivery uuids", "SELECT guid FROM delivery_guids", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL ROLE ciradar_reader"); err != nil {
					t.Fatal(err)
				}
				_, err := tx.Exec(ctx, c.sql)
				return err
			})
			if (err == nil) != c.ok {
				t.Errorf("%s: %v, want allowed %v", c.sql, err, c.ok)
			}
		})
	}
}

// Partitions keep the parent's column storage: payloads compressed by CI Radar are not
// compressed again, the short text columns stay inline.
func TestPartitionsKeepStorage(t *testing.T) {
	s := newStore(t)
	ensure(t, s, week0)
	rows, err := s.Pool().Query(context.Background(), `SELECT c.relname, a.attname, a.attstorage::text
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		JOIN pg_attribute p ON p.attrelid = 'deliveries'::regclass AND p.attname = a.attname
		WHERE a.attrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'deliveries'::regclass)
		  AND a.attnum > 0 AND a.attstorage <> p.attstorage`)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := pgx.CollectRows(rows, pgx.RowToMap)
	if err != nil || len(diff) != 0 {
		t.Errorf("columns whose storage differs from the parent's: %v (%v)", diff, err)
	}
	var payload string
	if err := s.Pool().QueryRow(context.Background(), `SELECT attstorage::text FROM pg_attribute
		WHERE attrelid = 'deliveries_w20310303'::regclass AND attname = 'payload'`).Scan(&payload); err != nil || payload != "e" {
		t.Errorf("payload storage %q (%v), want e (external)", payload, err)
	}
}

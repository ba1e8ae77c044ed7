package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/store"
)

// BenchmarkDedupBytes measures what deduplication costs per delivery on disk: the heap and
// unique indexes of delivery_guids (the uuid's and the text ids'), and the partitions of deliveries beside them. Each
// iteration stores 20,000 deliveries (GUID ids, as GitHub's) in batches of 256.
//
//	go test ./pkg/store -run XXX -bench DedupBytes -benchtime 1x
func BenchmarkDedupBytes(b *testing.B) {
	ctx := context.Background()
	const n = 20_000
	for b.Loop() {
		s, err := store.Open(ctx, pgtestDB(b), store.Options{MaxConns: 4})
		if err != nil {
			b.Fatal(err)
		}
		gen, _ := loadgen.NewGenerator("s", "dedup", time.Now())
		var items []store.Item
		for j := int64(0); len(items) < n; j++ {
			for _, d := range gen.Job(j) {
				items = append(items, item(b, d.ID, d.Event, d.Body, time.Now()))
			}
		}
		for i := 0; i < len(items); i += 256 {
			if _, err := s.Write(ctx, items[i:min(i+256, len(items))]); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Pool().Exec(ctx, "VACUUM ANALYZE delivery_guids"); err != nil {
			b.Fatal(err)
		}
		var rows, heap, pkey, deliveries int64
		err = s.Pool().QueryRow(ctx, `SELECT count(*), pg_relation_size('delivery_guids'), pg_indexes_size('delivery_guids'),
			(SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'deliveries'::regclass)::int8
			FROM delivery_guids`).Scan(&rows, &heap, &pkey, &deliveries)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		per := func(v int64) float64 { return float64(v) / float64(rows) }
		b.ReportMetric(per(heap), "guid_heap_B/delivery")
		b.ReportMetric(per(pkey), "guid_index_B/delivery")
		b.ReportMetric(per(heap+pkey), "guid_total_B/delivery")
		b.ReportMetric(per(deliveries), "partitions_B/delivery")
	}
}

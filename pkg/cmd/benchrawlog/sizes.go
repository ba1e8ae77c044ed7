package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// printSizes reports what a store filled with the stream takes on disk: per delivery,
// indexes and TOAST included, by event type, and per job with every table included.
func printSizes(ctx context.Context, url, name string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	// deliveries is partitioned by receipt time: its sizes are its partitions'.
	var rows, total, heap, toast, indexes, rowBytes, guids int64
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM deliveries), sum(pg_total_relation_size(t.relid)),
		sum(pg_relation_size(t.relid)), sum(coalesce(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)),
		sum(pg_indexes_size(t.relid)), (SELECT sum(pg_column_size(d.*) + 4) FROM deliveries d),
		pg_total_relation_size('delivery_guids')
		FROM pg_partition_tree('deliveries') t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf`).
		Scan(&rows, &total, &heap, &toast, &indexes, &rowBytes, &guids); err != nil {
		return fmt.Errorf("deliveries size: %w", err)
	}
	per := func(b int64) float64 { return float64(b) / float64(rows) }
	fmt.Printf("\n== %s: %d deliveries, %.0f bytes each all included (heap %.0f, toast %.0f, indexes %.0f); %.0f with delivery_guids (%.0f)\n",
		name, rows, per(total), per(heap), per(toast), per(indexes), per(total+guids), per(guids))
	idx, err := conn.Query(ctx, `SELECT i.indexrelid::regclass::text, sum(pg_relation_size(t.relid)) FROM pg_index i,
		pg_partition_tree(i.indexrelid) t WHERE i.indrelid = 'deliveries'::regclass AND t.isleaf GROUP BY 1 ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("delivery indexes: %w", err)
	}
	for idx.Next() {
		var n string
		var b int64
		if err := idx.Scan(&n, &b); err != nil {
			return err
		}
		fmt.Printf("   index %-40s %6.0f bytes/delivery\n", n, per(b))
	}
	if err := idx.Err(); err != nil {
		return err
	}
	// A row's share of what is not rows (indexes, page headers, free space) is spread
	// evenly: the figure by event type is its row plus that share.
	overhead := per(total - rowBytes)
	byEvent, err := conn.Query(ctx, `SELECT event, action, count(*), avg(octet_length(payload)), avg(pg_column_size(payload)),
		avg(pg_column_size(d.*) + 4), count(*) FILTER (WHERE payload_codec = 3) FROM deliveries d GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("sizes by event: %w", err)
	}
	fmt.Printf("   %-13s %-12s %7s %14s %14s %10s %14s %16s\n", "event", "action", "rows", "payload stored", "column size", "row", "all included", "against a base")
	for byEvent.Next() {
		var ev, action string
		var n int64
		var stored, column, row float64
		var deltas int64 // rows of codec 3 (store.CodecZstdBase)
		if err := byEvent.Scan(&ev, &action, &n, &stored, &column, &row, &deltas); err != nil {
			return err
		}
		fmt.Printf("   %-13s %-12s %7d %14.0f %14.0f %10.0f %14.0f %16d\n", ev, action, n, stored, column, row, row+overhead, deltas)
	}
	if err := byEvent.Err(); err != nil {
		return err
	}
	return printPerJob(ctx, conn)
}

// printPerJob divides every table the write path fills, indexes and TOAST included, by
// the jobs stored, and breaks each one down into heap, TOAST and every index (partitions
// summed into their parent).
func printPerJob(ctx context.Context, conn *pgx.Conn) error {
	var jobs int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM workflow_jobs").Scan(&jobs); err != nil {
		return fmt.Errorf("count jobs: %w", err)
	}
	rels, err := conn.Query(ctx, relationSizes)
	if err != nil {
		return fmt.Errorf("table sizes: %w", err)
	}
	var sum int64
	var lines []string
	for rels.Next() {
		var table, part string
		var b int64
		if err := rels.Scan(&table, &part, &b); err != nil {
			return err
		}
		if part == "" {
			sum += b
		}
		if b > 16<<10 || part == "" && b > 0 {
			lines = append(lines, fmt.Sprintf("   %-28s %-44s %7.0f bytes/job", table, part, float64(b)/float64(jobs)))
		}
	}
	if err := rels.Err(); err != nil {
		return err
	}
	fmt.Printf("   per job (%d jobs): %.0f bytes, every table, index and TOAST included (the dictionaries apart)\n", jobs, float64(sum)/float64(jobs))
	for _, l := range lines {
		fmt.Println(l)
	}
	return nil
}

// relationSizes lists, for every table (a partitioned one as the sum of its leaves), its
// total size on a row with an empty part, then its heap, TOAST and each index.
const relationSizes = `WITH leaf AS (
	SELECT c.oid AS root, c.oid AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm') AND NOT c.relispartition
	UNION ALL
	SELECT c.oid, t.relid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
		pg_partition_tree(c.oid) t
	WHERE n.nspname = 'public' AND c.relkind = 'p' AND t.isleaf
), parts AS (
	SELECT l.root, '' AS part, pg_total_relation_size(l.rel) AS b FROM leaf l
	UNION ALL SELECT l.root, 'heap', pg_relation_size(l.rel) FROM leaf l
	UNION ALL SELECT l.root, 'toast', coalesce(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)
		FROM leaf l JOIN pg_class c ON c.oid = l.rel
	UNION ALL SELECT l.root, 'index ' || coalesce(pi.relname, ic.relname), pg_relation_size(i.indexrelid)
		FROM leaf l JOIN pg_index i ON i.indrelid = l.rel JOIN pg_class ic ON ic.oid = i.indexrelid
		LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid LEFT JOIN pg_class pi ON pi.oid = h.inhparent
), sums AS (
	SELECT root, part, sum(b)::bigint AS b FROM parts
	WHERE root <> 'payload_dictionaries'::regclass GROUP BY 1, 2
)
SELECT s.root::regclass::text, s.part, s.b FROM sums s JOIN sums t ON t.root = s.root AND t.part = ''
ORDER BY t.b DESC, s.root, s.part <> '', s.b DESC`

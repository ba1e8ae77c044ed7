package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/zstd"
)

// deltas measures, outside the store, what the payloads would take if a job's (or run's)
// later deliveries were compressed against its first one as well as the dictionary: the
// raw content dict followed by that first payload, at the store's level and window. A
// job's queued, in_progress and completed payloads repeat each other almost whole. Not a
// stored format: it sizes what such a codec could save (issue 18's 4 KB a job).
func deltas(measured []store.Item, dict []byte) error {
	type key struct {
		run bool
		id  int64
	}
	first := map[key][]byte{}
	type sum struct{ plain, delta, n int }
	by := map[string]*sum{}
	var all sum
	for _, it := range measured {
		var k key
		switch p := it.Projection; {
		case p.Job != nil:
			k = key{false, p.Job.JobID}
		case p.Run != nil:
			k = key{true, p.Run.RunID}
		default:
			continue
		}
		body := it.Delivery.Payload
		plain, err := encodedSize(dict, body)
		if err != nil {
			return err
		}
		delta := plain
		if prev, ok := first[k]; ok {
			if delta, err = encodedSize(slices.Concat(dict, prev), body); err != nil {
				return err
			}
		} else {
			first[k] = body
		}
		name := it.Delivery.Event + " " + it.Delivery.Action
		if by[name] == nil {
			by[name] = &sum{}
		}
		for _, s := range []*sum{by[name], &all} {
			s.plain, s.delta, s.n = s.plain+plain, s.delta+delta, s.n+1
		}
	}
	fmt.Println("\npayload bytes with the 512 KB raw dictionary, and against the job's (run's) first payload too (outside the store):")
	for _, name := range slices.Sorted(maps.Keys(by)) {
		s := by[name]
		fmt.Printf("   %-26s %6d payloads %6.0f -> %6.0f bytes\n", name, s.n, float64(s.plain)/float64(s.n), float64(s.delta)/float64(s.n))
	}
	fmt.Printf("   all %d payloads: %.0f -> %.0f bytes a payload\n", all.n, float64(all.plain)/float64(all.n), float64(all.delta)/float64(all.n))
	return nil
}

// encodedSize is body's size encoded as the store encodes, with raw content dict.
func encodedSize(dict, body []byte) (int, error) {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true), zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderDictRaw(2, dict))
	if err != nil {
		return 0, fmt.Errorf("encoder: %w", err)
	}
	defer e.Close()
	return len(e.EncodeAll(body, nil)), nil
}

// whatIfs build, in a filled store, the layouts issue 18's 4 KB a job would need, as
// tables and indexes beside the real ones, and print their bytes a job.
var whatIfs = []struct{ name, ddl, size string }{
	{"workflow_job_steps rebuilt as it is (no update churn)",
		`CREATE TABLE whatif_steps_rows AS SELECT * FROM workflow_job_steps;
		 ALTER TABLE whatif_steps_rows ADD PRIMARY KEY (job_id, number)`,
		`SELECT pg_total_relation_size('whatif_steps_rows')`},
	{"steps as one row of arrays a job, every column",
		`CREATE TABLE whatif_steps_arrays AS SELECT job_id, array_agg(number ORDER BY number) numbers,
			array_agg(name ORDER BY number) names, array_agg(status ORDER BY number) statuses,
			array_agg(conclusion ORDER BY number) conclusions, array_agg(started_at ORDER BY number) started,
			array_agg(completed_at ORDER BY number) completed, array_agg(duration_s ORDER BY number) durations,
			array_agg(inconsistent ORDER BY number) inconsistent
		 FROM workflow_job_steps GROUP BY job_id;
		 ALTER TABLE whatif_steps_arrays ADD PRIMARY KEY (job_id)`,
		`SELECT pg_total_relation_size('whatif_steps_arrays')`},
	{"steps as arrays, number and duration derived, status and conclusion as letters",
		`CREATE TABLE whatif_steps_compact AS SELECT job_id, array_agg(name ORDER BY number) names,
			string_agg(left(status, 1) || left(conclusion, 1), '' ORDER BY number) codes,
			array_agg(started_at ORDER BY number) started, array_agg(completed_at ORDER BY number) completed,
			bool_or(inconsistent) inconsistent
		 FROM workflow_job_steps GROUP BY job_id;
		 ALTER TABLE whatif_steps_compact ADD PRIMARY KEY (job_id)`,
		`SELECT pg_total_relation_size('whatif_steps_compact')`},
	{"job_steps rebuilt as it is (no update churn)",
		`CREATE TABLE whatif_job_steps AS SELECT * FROM job_steps;
		 ALTER TABLE whatif_job_steps ADD PRIMARY KEY (job_id)`,
		`SELECT pg_total_relation_size('whatif_job_steps')`},
	{"job_steps with started and completed in one array (no update churn)",
		`CREATE TABLE whatif_job_steps_times AS SELECT job_id, numbers, keys, started || completed AS times FROM job_steps;
		 ALTER TABLE whatif_job_steps_times ADD PRIMARY KEY (job_id)`,
		`SELECT pg_total_relation_size('whatif_job_steps_times')`},
	{"job_steps with its arrays compressed in line, lz4 (no update churn)",
		`CREATE TABLE whatif_job_steps_lz4 (job_id bigint PRIMARY KEY, numbers integer[], keys bigint[] COMPRESSION lz4,
			started timestamptz[] COMPRESSION lz4, completed timestamptz[] COMPRESSION lz4) WITH (toast_tuple_target = 128);
		 ALTER TABLE whatif_job_steps_lz4 ALTER keys SET STORAGE MAIN, ALTER started SET STORAGE MAIN, ALTER completed SET STORAGE MAIN;
		 INSERT INTO whatif_job_steps_lz4 SELECT * FROM job_steps`,
		`SELECT pg_total_relation_size('whatif_job_steps_lz4')`},
	{"deliveries index on (received_at) without INCLUDE",
		`CREATE INDEX whatif_received_at ON deliveries (received_at)`,
		`SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('whatif_received_at') WHERE isleaf`},
}

// printWhatIfs builds whatIfs in the store at url, prints their sizes, and drops them.
func printWhatIfs(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	var jobs int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM workflow_jobs").Scan(&jobs); err != nil {
		return fmt.Errorf("count jobs: %w", err)
	}
	fmt.Println("\nlayouts not built, measured beside the real ones (bytes a job):")
	for _, w := range whatIfs {
		var b int64
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, w.ddl); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, w.size).Scan(&b); err != nil {
				return err
			}
			return errRollback
		})
		if err != nil && !errors.Is(err, errRollback) {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		fmt.Printf("   %-80s %6.0f\n", w.name, float64(b)/float64(jobs))
	}
	return nil
}

var errRollback = errors.New("rolled back on purpose")

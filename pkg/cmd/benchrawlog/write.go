package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// format is one way of holding payloads.
type format struct {
	name       string
	asReceived bool   // Options.AsReceived: codec 0
	ddl        string // applied after the migrations
	retrained  string // adopt this dictionary, trained on another stream, before writing ("": none)
	noBases    bool   // Options.NoBases: no payload against its job's first (CodecZstdBase)
}

var formats = []format{
	// As before migration 0023: as received, compressed by Postgres (lz4 TOAST) in line.
	{name: "lz4-toast", asReceived: true,
		ddl: "ALTER TABLE deliveries ALTER COLUMN payload SET STORAGE MAIN, ALTER COLUMN payload SET COMPRESSION lz4"},
	// As received, and no compression at all (the column is STORAGE EXTERNAL).
	{name: "as-received", asReceived: true},
	// zstd with dictionary 1, trained on GitHub's examples: a new store.
	{name: "zstd-dict1"},
	// zstd with a formatted dictionary retrained on 5,000 payloads of a month before.
	{name: "zstd-retrained", retrained: "formatted"},
	// zstd with raw-content dictionaries built from the same (TrainOptions.RawBytes): 512 KB
	// is what serve builds, 256 KB and 1 MB are there to choose that size by.
	{name: "zstd-raw256k", retrained: "raw256k"},
	{name: "zstd-raw512k", retrained: "raw512k"},
	{name: "zstd-raw1m", retrained: "raw1m"},
	// The same dictionary, every payload against it alone: as before CodecZstdBase.
	{name: "zstd-raw1m-nobase", retrained: "raw1m", noBases: true},
}

// selectFormats keeps only the named formats (and as-received, the ratio's base).
func selectFormats(list string) error {
	if list == "" {
		return nil
	}
	want := map[string]bool{"as-received": true}
	for _, n := range strings.Split(list, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var kept []format
	for _, f := range formats {
		if want[f.name] {
			kept = append(kept, f)
			delete(want, f.name)
		}
	}
	delete(want, "as-received")
	if len(want) > 0 {
		return fmt.Errorf("-formats: unknown %v", slices.Sorted(maps.Keys(want)))
	}
	formats = kept
	return nil
}

// trainings are the dictionaries trained on the earlier stream, by name.
var trainings = map[string]store.TrainOptions{
	"formatted": {Formatted: true},
	"raw256k":   {RawBytes: 256 << 10},
	"raw512k":   {RawBytes: 512 << 10},
	"raw1m":     {RawBytes: 1 << 20},
}

func freshStore(ctx context.Context, cluster *pgtest.Cluster, admin, name string, f format, trained map[string][]byte) (string, error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+id); err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	url := cluster.URL(name)
	if _, err := store.Migrate(ctx, url); err != nil {
		return "", err
	}
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		return "", err
	}
	defer s.Close()
	if f.ddl != "" {
		if _, err := s.Pool().Exec(ctx, f.ddl); err != nil {
			return "", fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if err := s.EnsureDictionary(ctx); err != nil {
		return "", err
	}
	if f.retrained != "" {
		if _, err := s.Pool().Exec(ctx, `INSERT INTO payload_dictionaries (id, created_at, samples, dict) VALUES (2, now(), 4500, $1)`, trained[f.retrained]); err != nil {
			return "", fmt.Errorf("adopt the retrained dictionary: %w", err)
		}
	}
	return url, nil
}

// retrainedDictionaries trains dictionary 2 of each kind the way serve does, on a store
// filled with the training stream, and returns them by name.
func retrainedDictionaries(ctx context.Context, cluster *pgtest.Cluster, admin string, training []store.Item) (map[string][]byte, error) {
	url, err := freshStore(ctx, cluster, admin, "rawlog_training", format{name: "training"}, nil)
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for b := range slices.Chunk(training, 256) {
		if _, err := s.Write(ctx, b); err != nil {
			return nil, fmt.Errorf("write the training stream: %w", err)
		}
	}
	out := map[string][]byte{}
	for _, name := range slices.Sorted(maps.Keys(trainings)) {
		o := trainings[name]
		o.Sample, o.DryRun = 5000, true // each is judged against dictionary 1 and adopted per format
		info, err := s.Train(ctx, o)
		if err != nil {
			return nil, err
		}
		fmt.Printf("retrained %s dictionary: %d bytes from %d payloads; held-out mean %.0f bytes with dictionary 1, %.0f with it\n",
			name, info.Bytes, info.Samples, info.Before, info.After)
		out[name] = info.Dict
	}
	return out, nil
}

// writeResult is one format's write of the stream.
type writeResult struct {
	n    int
	wall time.Duration
	cpu  time.Duration // this process: the receiver's share of the write path
	pg   time.Duration // the Postgres server's, over the same write
}

func (r writeResult) perSecond() float64 { return float64(r.n) / r.wall.Seconds() }
func (r writeResult) cpuPerDelivery() float64 {
	return float64(r.cpu.Microseconds()) / float64(r.n)
}
func (r writeResult) pgPerDelivery() float64 {
	return float64(r.pg.Microseconds()) / float64(r.n)
}

// writeAll writes items through Store.Write in batches from writers goroutines, as the
// receiver's group commit does, and times it.
func writeAll(ctx context.Context, url string, f format, items []store.Item, batch, writers, serverPid int) (writeResult, error) {
	s, err := store.Open(ctx, url, store.Options{AsReceived: f.asReceived, NoBases: f.noBases, MaxConns: int32(writers + 1)})
	if err != nil {
		return writeResult{}, err
	}
	defer s.Close()
	if err := s.LoadDictionaries(ctx); err != nil {
		return writeResult{}, err
	}
	batches := make(chan []store.Item)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	cpu0, pg0, t0 := processCPU(), serverCPU(serverPid), time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if _, err := s.Write(ctx, b); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for b := range slices.Chunk(items, batch) {
		batches <- b
	}
	close(batches)
	wg.Wait()
	r := writeResult{n: len(items), wall: time.Since(t0), cpu: processCPU() - cpu0, pg: serverCPU(serverPid) - pg0}
	select {
	case err := <-errs:
		return r, err
	default:
	}
	return r, nil
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru) //nolint:errcheck // RUSAGE_SELF cannot fail
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report prints each format's median throughput and CPU, and the throughput's ratio to
// the as-received format's.
func report(results map[string][]writeResult) {
	median := func(xs []float64) float64 {
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	tput, cpu, pg := map[string]float64{}, map[string]float64{}, map[string]float64{}
	for _, f := range formats {
		var t, c, p []float64
		for _, r := range results[f.name] {
			t, c, p = append(t, r.perSecond()), append(c, r.cpuPerDelivery()), append(p, r.pgPerDelivery())
		}
		tput[f.name], cpu[f.name], pg[f.name] = median(t), median(c), median(p)
	}
	fmt.Println("\nformat          deliveries/s (median)  writer cpu µs/delivery (median)  postgres cpu µs/delivery (median)  throughput vs as-received")
	for _, f := range formats {
		fmt.Printf("%-18s %22.0f %32.1f %34.1f %26.2f×\n", f.name, tput[f.name], cpu[f.name], pg[f.name], tput[f.name]/tput["as-received"])
	}
}

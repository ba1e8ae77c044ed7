// Command benchrawlog measures the compact raw log on the simulator's full-shape
// deliveries (issue 18): it plays a world, writes the same stream through the store's real
// write path once per payload format, alternating the formats round by round in one
// throwaway Postgres with production durability, and reports ingest throughput, the
// writer's CPU per delivery, and the bytes each format takes per delivery and per job.
// Used for BENCHMARKS.md:
//
//	go run ./pkg/cmd/benchrawlog -hours 48 -rounds 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/simulate"
)

type config struct {
	world   string
	hours   int
	seed    uint64
	rounds  int
	batch   int
	writers int
	rawDict bool
	formats string
	whatIf  bool
}

func main() {
	var c config
	flag.StringVar(&c.world, "world", "", "world file (default: the simulator's default world)")
	flag.IntVar(&c.hours, "hours", 96, "simulated hours of deliveries written per format and round")
	flag.Uint64Var(&c.seed, "seed", 1, "world seed of the measured stream")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds; each writes the stream once in every format, in a rotating order (0: only the dictionary comparison)")
	flag.IntVar(&c.batch, "batch", 128, "deliveries per Store.Write (the receiver's group commit)")
	flag.IntVar(&c.writers, "writers", 2, "concurrent writers")
	flag.BoolVar(&c.rawDict, "raw-dict", true, "also compare dictionaries and levels, raw-content dictionaries of recent payloads included, outside the store")
	flag.StringVar(&c.formats, "formats", "", "comma-separated formats to write (default: all); as-received is always kept, for the A/B ratio")
	flag.BoolVar(&c.whatIf, "what-if", false, "also size what issue 18's 4 KB a job would need: payloads against their job's first one, compact steps, a narrower delivery index")
	flag.Parse()
	var errs []error
	if err := selectFormats(c.formats); err != nil {
		errs = append(errs, err)
	}
	if c.hours < 1 || c.batch < 1 || c.writers < 1 {
		errs = append(errs, errors.New("-hours, -batch and -writers must be at least 1"))
	}
	if c.rounds < 0 {
		errs = append(errs, errors.New("-rounds must not be negative (0: only the dictionary comparison)"))
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "benchrawlog:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), c); err != nil {
		fmt.Fprintln(os.Stderr, "benchrawlog:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) error {
	cfg := simulate.DefaultConfig()
	if c.world != "" {
		var err error
		if cfg, err = simulate.LoadConfig(c.world); err != nil {
			return err
		}
	}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	items, err := stream(cfg, c.seed, start, time.Duration(c.hours)*time.Hour)
	if err != nil {
		return err
	}
	// Dictionaries learn from the same world a month earlier, as serve retrains on the
	// organisation's own recent payloads: never from the payloads they are measured on.
	earlier, err := stream(cfg, c.seed, start.AddDate(0, -1, 0), 24*time.Hour)
	if err != nil {
		return err
	}
	var raw int64
	for _, it := range items {
		raw += int64(len(it.Delivery.Payload))
	}
	fmt.Printf("stream: %d deliveries, %.0f bytes mean as sent; %d earlier deliveries to train on\n",
		len(items), float64(raw)/float64(len(items)), len(earlier))

	cluster, err := pgtest.StartCluster("fsync=on", "synchronous_commit=on", "full_page_writes=on",
		"shared_buffers=256MB", "max_wal_size=4GB")
	if err != nil {
		return err
	}
	defer cluster.Remove()
	admin := cluster.URL("postgres")
	trained, err := retrainedDictionaries(ctx, cluster, admin, earlier)
	if err != nil {
		return err
	}

	results := map[string][]writeResult{}
	var last map[string]string // format: database of its last round
	for round := range c.rounds {
		last = map[string]string{}
		for i := range formats {
			f := formats[(i+round)%len(formats)]
			db, err := freshStore(ctx, cluster, admin, fmt.Sprintf("rawlog_%s_%d", f.name, round), f, trained)
			if err != nil {
				return err
			}
			r, err := writeAll(ctx, db, f, items, c.batch, c.writers, cluster.Pid())
			if err != nil {
				return fmt.Errorf("%s round %d: %w", f.name, round, err)
			}
			fmt.Printf("round %d %-14s %7.0f deliveries/s  writer cpu %5.1f µs/delivery  postgres cpu %5.1f µs/delivery\n",
				round, f.name, r.perSecond(), r.cpuPerDelivery(), r.pgPerDelivery())
			results[f.name] = append(results[f.name], r)
			last[f.name] = db
		}
	}
	if c.rounds > 0 {
		report(results)
	}
	if c.rawDict {
		if err := rawDictionaries(earlier, items, trained["formatted"]); err != nil {
			return err
		}
	}
	for _, f := range formats {
		if c.rounds == 0 {
			break
		}
		if err := printSizes(ctx, last[f.name], f.name); err != nil {
			return err
		}
	}
	if c.whatIf && c.rounds > 0 {
		if err := printWhatIfs(ctx, last[formats[len(formats)-1].name]); err != nil {
			return err
		}
		if err := deltas(items, trained["raw512k"]); err != nil {
			return err
		}
	}
	return nil
}

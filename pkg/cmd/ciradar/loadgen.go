package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/store"
)

type loadgenFlags struct {
	url, secret, dbURL, prefix string
	concurrency, jobs          int
	firstJob                   int
	duration                   time.Duration
	asJSON                     bool
}

var loadgenCommand = command{
	name:    "loadgen",
	summary: "send signed workflow_job deliveries to a receiver and report throughput and latency",
	setup: func(cfg *config) func(context.Context) error {
		f := &loadgenFlags{}
		cfg.URL(&f.url, "url", "CIRADAR_LOADGEN_URL", "http://127.0.0.1:8080/webhook", "the receiver's webhook URL", false)
		cfg.Secret(&f.secret, "webhook-secret", "CIRADAR_WEBHOOK_SECRET", "secret to sign deliveries with")
		cfg.Secret(&f.dbURL, "verify-database-url", "CIRADAR_DATABASE_URL",
			"when set, check afterwards that every 2xx delivery is in this database")
		cfg.Int(&f.concurrency, "concurrency", "CIRADAR_LOADGEN_CONCURRENCY", 64, "requests in flight")
		cfg.Int(&f.jobs, "jobs", "CIRADAR_LOADGEN_JOBS", 40000, "jobs prepared before the clock starts (3 deliveries each)")
		cfg.Int(&f.firstJob, "first-job", "CIRADAR_LOADGEN_FIRST_JOB", 0,
			"number of the first job; runs against one store need disjoint job ranges to send only new jobs")
		cfg.Duration(&f.duration, "duration", "CIRADAR_LOADGEN_DURATION", 30*time.Second, "how long to start requests; those in flight then get 5 s to be answered")
		cfg.String(&f.prefix, "prefix", "CIRADAR_LOADGEN_PREFIX", "", "delivery id prefix (default: lg-<unix time>)")
		cfg.Bool(&f.asJSON, "json", "CIRADAR_LOADGEN_JSON", false, "print the result as JSON")
		cfg.Check(func() error {
			var errs []error
			if f.secret == "" {
				errs = append(errs, errors.New("-webhook-secret or CIRADAR_WEBHOOK_SECRET is required"))
			}
			if f.concurrency < 1 || f.jobs < 1 || f.duration <= 0 || f.firstJob < 0 {
				errs = append(errs, errors.New("-concurrency, -jobs and -duration must be positive, and -first-job not negative"))
			}
			return errors.Join(errs...)
		})
		return func(ctx context.Context) error { return runLoadgen(ctx, f) }
	},
}

func runLoadgen(ctx context.Context, f *loadgenFlags) error {
	if f.prefix == "" {
		f.prefix = fmt.Sprintf("lg-%d", time.Now().Unix())
	}
	gen, err := loadgen.NewGenerator(f.secret, f.prefix, time.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	prepStart := time.Now()
	jobs := make([][]loadgen.Delivery, f.jobs)
	for i := range jobs {
		jobs[i] = gen.Job(int64(f.firstJob + i))
	}
	fmt.Fprintf(os.Stderr, "prepared %d signed deliveries in %s; sending for %s at concurrency %d\n",
		3*f.jobs, time.Since(prepStart).Round(time.Millisecond), f.duration, f.concurrency)
	runtime.GC()

	var mu sync.Mutex
	var okIDs []string
	cpu0 := cpuTime()
	res, err := loadgen.Run(ctx, loadgen.Config{
		URL: f.url, Concurrency: f.concurrency, Duration: f.duration, Jobs: jobs,
		OnAnswer: func(d loadgen.Delivery, code int) {
			if code >= 200 && code < 300 {
				mu.Lock()
				okIDs = append(okIDs, d.ID)
				mu.Unlock()
			}
		},
	})
	if err != nil {
		return err
	}
	sendCPU := cpuTime() - cpu0
	report := map[string]any{"load_tool_cpu_s": sendCPU.Seconds(),
		"sent": res.Sent, "ok_2xx": res.OK, "codes": res.Codes, "errors": res.Errors,
		"elapsed_s": res.Elapsed.Seconds(), "deliveries_per_s": res.Rate(),
		"p50_ms": ms(res.P50), "p99_ms": ms(res.P99), "max_ms": ms(res.Max),
		"mean_body_bytes": res.Bytes / int64(max(res.Sent, 1)), "concurrency": f.concurrency, "ran_out_of_jobs": res.Drained,
	}
	var verifyErr error
	if f.dbURL != "" {
		stored, err := countStored(ctx, f.dbURL, okIDs)
		if err != nil {
			return err
		}
		report["stored_of_2xx"] = stored
		if stored != len(okIDs) {
			verifyErr = fmt.Errorf("%d deliveries answered 2xx but only %d are stored", len(okIDs), stored)
		}
	}
	if f.asJSON {
		json.NewEncoder(os.Stdout).Encode(report)
	} else {
		fmt.Printf("sent %d, 2xx %d, errors %d, codes %v in %.1fs\n", res.Sent, res.OK, res.Errors, res.Codes, res.Elapsed.Seconds())
		fmt.Printf("throughput %.0f deliveries/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; mean body %d bytes\n",
			res.Rate(), ms(res.P50), ms(res.P99), ms(res.Max), report["mean_body_bytes"])
		fmt.Printf("load tool cpu while sending %.1fs\n", sendCPU.Seconds())
		if v, ok := report["stored_of_2xx"]; ok {
			fmt.Printf("verified: %v of %d acknowledged deliveries are stored\n", v, len(okIDs))
		}
	}
	return verifyErr
}

// cpuTime is this process's user and system CPU so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func countStored(ctx context.Context, url string, ids []string) (int, error) {
	s, err := store.Open(ctx, url, store.Options{MaxConns: 2})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	return s.CountDeliveries(ctx, ids)
}

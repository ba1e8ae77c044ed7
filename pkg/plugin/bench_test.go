package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// benchQueries are the panels the benchmark times: a query type with typical settings.
// github_status is left out: it reads a cached HTTP page, not the store, and so do the
// incident annotations. runner_utilization
// is timed twice: from job events (the fill's inventory runners are in another group, so
// the filter leaves them out) and from the reconciler's runner samples.
var benchQueries = map[string]struct{ queryType, json string }{
	"queue_time": {"queue_time", `{"groupBy": "labels"}`}, "queued_now": {"queued_now", `{}`},
	"jobs": {"jobs", `{"states": ["queued", "in_progress", "completed"]}`}, "job_states": {"job_states", `{}`},
	"runners":                    {"runners", `{}`},
	"runner_utilization":         {"runner_utilization", `{"filters": {"runnerGroups": ["pool-3", "pool-4", "pool-5"]}}`},
	"runner_utilization_samples": {"runner_utilization", `{"filters": {"runnerGroups": ["inventory"]}}`},
	"repo_stats":                 {"repo_stats", `{"dimension": "repo", "metric": "p95_queue"}`},
	"build_results":              {"build_results", `{"splitBy": "trigger"}`}, "flaky_jobs": {"flaky_jobs", `{}`},
	"nightly_failures": {"nightly_failures", `{}`}, "error_signatures": {"error_signatures", `{}`},
	"pipeline":      {"pipeline", `{"repo": "org1/repo1", "branch": "main"}`},
	"ingest_health": {"ingest_health", `{}`}, "annotations": {"annotations", `{"source": "failed_runs"}`},
	"org_overview":  {"org_overview", `{}`},
	"commit_grid":   {"commit_grid", `{"repo": "org1/repo1", "branch": "main"}`},
	"pull_requests": {"pull_requests", `{}`}, "refs": {"refs", `{"kind": "branches"}`},
	"runner_builds":           {"runner_builds", `{}`},
	"build_results_per_month": {"build_results", `{"calendar": "month"}`},
	"steps":                   {"steps", `{}`}, "steps_duration": {"steps", `{"view": "duration", "limit": 5}`},
	"steps_failing": {"steps", `{"view": "failing"}`}, "steps_warnings": {"steps", `{"view": "warnings"}`},
	"cost": {"cost", `{"dimension": "repo"}`}, "cost_over_time": {"cost", `{"view": "over_time"}`},
	"concurrency": {"concurrency", `{"groupBy": "type"}`},
	// Session 10: the types that read the store and were not timed here (active_jobs has
	// a busier benchmark of its own, BenchmarkActiveJobs).
	"branch_status": {"branch_status", `{}`}, "reconciler_stats": {"reconciler_stats", `{}`},
	"active_jobs": {"active_jobs", `{}`}, "refs_releases": {"refs", `{"kind": "releases"}`},
}

// BenchmarkQueries fills a store with CIRADAR_BENCH_JOBS jobs (default 1,000,000) spread
// over 90 days and times every query type through QueryData, over every range of
// benchRanges (1 hour to 400 days, with the interval Grafana would send), against the same
// SQL run directly with pgx. It reports p95s; -v prints the whole table.
//
//	go test ./pkg/plugin -run '^$' -bench Queries -benchtime 1x -timeout 60m -v
//
// CIRADAR_BENCH_DATABASE_URL reuses a filled database (as a superuser URL) between runs;
// CIRADAR_BENCH_ITER sets the samples per query (default 15); CIRADAR_BENCH_ONLY, a
// comma-separated list of benchQueries' names, times only those; CIRADAR_BENCH_RANGES
// (as "1h,7d") only those ranges; CIRADAR_BENCH_EXPLAIN logs each statement's plan.
func BenchmarkQueries(b *testing.B) {
	ctx := context.Background()
	jobs := envInt("CIRADAR_BENCH_JOBS", 1_000_000)
	iters := envInt("CIRADAR_BENCH_ITER", 15)
	adminURL := os.Getenv("CIRADAR_BENCH_DATABASE_URL")
	if adminURL == "" {
		adminURL = pgtest.NewDatabase(b)
	}
	end := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	began := time.Now()
	if err := fill(ctx, adminURL, jobs, end); err != nil {
		b.Fatal(err)
	}
	b.Logf("store ready with %d jobs in %s", jobs, time.Since(began).Round(time.Second))

	u, _ := url.Parse(adminURL)
	// A unix-socket URL carries host and port as parameters (?host=/dir&port=5433).
	js, _ := json.Marshal(map[string]any{"host": u.Query().Get("host"), "port": atoiOr(u.Query().Get("port"), 5432), "database": strings.TrimPrefix(u.Path, "/"),
		"user": "ciradar_reader", "sslmode": "disable"})
	if u.Host != "" {
		js, _ = json.Marshal(map[string]any{"host": u.Hostname(), "port": atoiOr(u.Port(), 5432), "database": strings.TrimPrefix(u.Path, "/"),
			"user": "ciradar_reader", "sslmode": "disable"})
	}
	inst, err := NewDatasource(ctx, backend.DataSourceInstanceSettings{JSONData: js})
	if err != nil {
		b.Fatal(err)
	}
	d := inst.(*Datasource)
	defer d.Dispose()
	// The same role and session settings as the plugin's pool, so that the comparison is
	// of the plugin's own work and nothing else.
	cfg, err := d.settings.PoolConfig()
	if err != nil {
		b.Fatal(err)
	}
	raw, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()

	ranges, err := selectedRanges()
	if err != nil {
		b.Fatal(err)
	}
	only := strings.Split(os.Getenv("CIRADAR_BENCH_ONLY"), ",")
	names := make([]string, 0, len(benchQueries))
	for n := range benchQueries {
		if only[0] == "" || slices.Contains(only, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	b.ResetTimer()
	for range b.N {
		b.Logf("load average %s", loadAverage())
		b.Logf("%-26s %5s %10s %10s %10s %10s %9s %9s %9s %s", "query", "range", "p50 ms", "p95 ms", "raw p50", "raw p95", "over p50", "over p95", "over cpu", "load")
		for _, name := range names {
			for _, rg := range ranges {
				bq := benchQueries[name]
				q := backend.DataQuery{RefID: "A", QueryType: bq.queryType, JSON: json.RawMessage(bq.json),
					Interval: grafanaInterval(rg.span, benchMaxDataPoints), MaxDataPoints: benchMaxDataPoints,
					TimeRange: backend.TimeRange{From: end.Add(-rg.span), To: end}}
				stmts, err := capture(ctx, bq.queryType, q, d)
				if err != nil {
					b.Fatalf("%s: %v", name, err)
				}
				if os.Getenv("CIRADAR_BENCH_EXPLAIN") != "" {
					explain(ctx, b, adminURL, q, d)
				}
				plugin, direct := timePair(iters, func() error {
					resp, err := d.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
					if err != nil {
						return err
					}
					return resp.Responses["A"].Error
				}, func() error { return replay(ctx, raw, stmts) })
				pw, dw := walls(plugin), walls(direct)
				p50, p95, rp50, rp95 := pct(pw, 0.5), pct(pw, 0.95), pct(dw, 0.5), pct(dw, 0.95)
				// The plugin's own work, measured so that load on the machine cancels out: the
				// CPU it spends beyond pgx's, as a share of the direct query's time. Both run
				// the same statements, so the server's time is the same for both.
				extra := pct(cpus(plugin), 0.5) - pct(cpus(direct), 0.5)
				b.Logf("%-26s %5s %10.1f %10.1f %10.1f %10.1f %8.0f%% %8.0f%% %8.0f%% %s", name, rg.name, ms(p50), ms(p95), ms(rp50), ms(rp95),
					100*(float64(p50)/float64(rp50)-1), 100*(float64(p95)/float64(rp95)-1), 100*float64(extra)/float64(rp50), strings.Fields(loadAverage())[0])
				b.ReportMetric(ms(p95), name+"_"+rg.name+"_p95_ms")
			}
		}
		b.Logf("load average %s", loadAverage())
	}
}

// loadAverage is the machine's load (1, 5 and 15 minutes), printed beside the figures: the
// benchmark shares its cores.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// recorder is a query.DB that runs statements and remembers them, for the pgx replay.
type recorder struct {
	db    query.DB
	stmts []recorded
}

type recorded struct {
	sql  string
	args []any
}

func (r *recorder) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.stmts = append(r.stmts, recorded{sql, args})
	return r.db.Query(ctx, sql, args...)
}

func capture(ctx context.Context, name string, q backend.DataQuery, d *Datasource) ([]recorded, error) {
	rec := &recorder{db: d.pool}
	// The plugin's own environment: without its concurrency limits, runner_utilization left
	// out the hosted runners' statement the plugin runs, and the pgx side timed less work.
	env := d.env()
	env.DB = rec
	_, err := queryTypes[name](ctx, env, query.Request{RefID: "A", From: q.TimeRange.From, To: q.TimeRange.To,
		Interval: q.Interval, MaxDataPoints: q.MaxDataPoints, JSON: q.JSON})
	return rec.stmts, err
}

// replay runs the same statements with pgx and reads every value, the floor any plugin
// has to pay.
func replay(ctx context.Context, pool *pgxpool.Pool, stmts []recorded) error {
	for _, s := range stmts {
		rows, err := pool.Query(ctx, s.sql, s.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// sample is one timed run: wall-clock time, and the CPU time this process spent meanwhile
// (user and system, every thread: pgx's reader and the garbage collector included).
type sample struct{ wall, cpu time.Duration }

// timePair times a and b n times each, interleaved and taking turns at going first, so
// that on a shared machine both see the same load and the ratio of their times means
// something even when the times themselves move.
func timePair(n int, a, b func() error) (ta, tb []sample) {
	run := func(f func() error) sample {
		c, t := cpuTime(), time.Now()
		if err := f(); err != nil { // a failing query fails loudly
			panic(fmt.Sprintf("benchmark query failed: %v", err))
		}
		return sample{time.Since(t), cpuTime() - c}
	}
	run(a) // warm-up: plans, caches, connections
	run(b)
	for i := range n {
		if i%2 == 0 {
			ta, tb = append(ta, run(a)), append(tb, run(b))
		} else {
			tb, ta = append(tb, run(b)), append(ta, run(a))
		}
	}
	return ta, tb
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// walls and cpus pick one measure out of samples.
func walls(ss []sample) []time.Duration {
	return pick(ss, func(s sample) time.Duration { return s.wall })
}
func cpus(ss []sample) []time.Duration {
	return pick(ss, func(s sample) time.Duration { return s.cpu })
}

func pick(ss []sample, f func(sample) time.Duration) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func atoiOr(s string, def int) int {
	if v, err := strconv.Atoi(s); err == nil {
		return v
	}
	return def
}

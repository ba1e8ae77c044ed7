package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5"
)

// BenchmarkActiveJobs times the active_jobs table (issue 14: every queued, waiting and
// running job, no row cap) on a busy day: CIRADAR_BENCH_QUEUED (default 10,000) jobs still
// queued, spread over the last three days, in a store of CIRADAR_BENCH_JOBS (default
// 1,000,000) jobs over 90 days, through QueryData as Grafana calls it.
//
//	go test ./pkg/plugin -run '^$' -bench ActiveJobs -benchtime 1x -timeout 30m -v
//
// CIRADAR_BENCH_DATABASE_URL reuses a filled database; CIRADAR_BENCH_ITER sets the
// samples (default 50).
func BenchmarkActiveJobs(b *testing.B) {
	ctx := context.Background()
	jobs, queued := envInt("CIRADAR_BENCH_JOBS", 1_000_000), envInt("CIRADAR_BENCH_QUEUED", 10_000)
	iters := envInt("CIRADAR_BENCH_ITER", 50)
	adminURL := os.Getenv("CIRADAR_BENCH_DATABASE_URL")
	if adminURL == "" {
		adminURL = pgtest.NewDatabase(b)
	}
	end := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	began := time.Now()
	if err := fillQueued(ctx, adminURL, jobs, queued, end); err != nil {
		b.Fatal(err)
	}
	b.Logf("store ready with %d jobs, %d more queued, in %s", jobs, queued, time.Since(began).Round(time.Second))
	d := readerDatasource(ctx, b, adminURL)
	defer d.Dispose()

	q := backend.DataQuery{RefID: "A", QueryType: "active_jobs", JSON: json.RawMessage(`{}`), Interval: time.Minute,
		MaxDataPoints: 1000, TimeRange: backend.TimeRange{From: end.Add(-7 * 24 * time.Hour), To: end}}
	rows := 0
	run := func() error {
		resp, err := d.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
		if err != nil {
			return err
		}
		r := resp.Responses["A"]
		if r.Error != nil {
			return r.Error
		}
		rows = r.Frames[0].Rows()
		return nil
	}
	if os.Getenv("CIRADAR_BENCH_EXPLAIN") != "" {
		explain(ctx, b, adminURL, q, d)
	}
	b.ResetTimer()
	for range b.N {
		samples, _ := timePair(iters, run, func() error { return nil })
		if rows < queued {
			b.Fatalf("active_jobs returned %d rows, want at least the %d queued", rows, queued)
		}
		w := walls(samples)
		b.Logf("active_jobs: %d rows; p50 %.1f ms, p95 %.1f ms, max %.1f ms over %d samples; CPU p50 %.1f ms",
			rows, ms(pct(w, 0.5)), ms(pct(w, 0.95)), ms(pct(w, 1)), iters, ms(pct(cpus(samples), 0.5)))
		b.ReportMetric(ms(pct(w, 0.95)), "p95_ms")
		b.ReportMetric(float64(rows), "rows")
	}
}

// explain logs the plan of each statement the query runs, with its timings and buffers.
func explain(ctx context.Context, b *testing.B, adminURL string, q backend.DataQuery, d *Datasource) {
	stmts, err := capture(ctx, q.QueryType, q, d)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+s.sql, s.args...)
		if err != nil {
			b.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("plan:\n%s", strings.Join(lines, "\n"))
	}
}

// fillQueued fills the jobs (without the runner samples and rollups BenchmarkQueries also
// needs) and adds queued jobs created in the three days before end, once.
func fillQueued(ctx context.Context, url string, n, queued int, end time.Time) error {
	if _, err := store.Migrate(ctx, url); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to fill: %w", err)
	}
	defer conn.Close(ctx)
	var have int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM workflow_jobs WHERE job_id < 900000000").Scan(&have); err != nil {
		return err
	}
	if have < n {
		if err := fillJobs(ctx, conn, n, end.Add(-90*24*time.Hour), end); err != nil {
			return err
		}
	}
	// Job ids from 900,000,000 up: apart from the fill's, so a reused store keeps both.
	_, err = conn.Exec(ctx, `INSERT INTO workflow_jobs (job_id, run_id, run_attempt, org, repo, repo_id, workflow_name, job_name,
			head_branch, head_sha, labels, label_key, status, created_at, queued_last_at, html_url, run_url, first_seen_at, last_seen_at)
		SELECT 900000000 + q, 900000000 + q / 4, 1, 'org' || (q % 5), 'org' || (q % 5) || '/repo' || (q % 200), q % 200, 'wf' || (q % 5),
			'job' || (q % 4), 'main', md5(q::text), string_to_array(k.key, ','), k.key, 'queued', c, c,
			'https://github.com/org' || (q % 5) || '/repo' || (q % 200) || '/actions/runs/' || (900000000 + q / 4) || '/job/' || (900000000 + q),
			'', c, c
		FROM generate_series(0, $1::int - 1) q
		CROSS JOIN LATERAL (SELECT $2::timestamptz - (q::float8 / $1) * interval '3 days' - interval '1 second' AS c) cc
		CROSS JOIN LATERAL (SELECT (ARRAY['ubuntu-latest','linux,self-hosted,x64','gpu,linux,self-hosted'])[1 + q % 3] AS key) k
		ON CONFLICT (job_id) DO NOTHING`, queued, end)
	if err != nil {
		return fmt.Errorf("fill queued jobs: %w", err)
	}
	_, err = conn.Exec(ctx, "ANALYZE workflow_jobs")
	return err
}

// readerDatasource is the data source as Grafana would open it on the store at adminURL,
// connected as the read-only role.
func readerDatasource(ctx context.Context, b *testing.B, adminURL string) *Datasource {
	u, _ := url.Parse(adminURL)
	// A unix-socket URL carries host and port as parameters (?host=/dir&port=5433).
	host, port := u.Query().Get("host"), atoiOr(u.Query().Get("port"), 5432)
	if u.Host != "" {
		host, port = u.Hostname(), atoiOr(u.Port(), 5432)
	}
	js, _ := json.Marshal(map[string]any{"host": host, "port": port, "database": strings.TrimPrefix(u.Path, "/"),
		"user": "ciradar_reader", "sslmode": "disable"})
	inst, err := NewDatasource(ctx, backend.DataSourceInstanceSettings{JSONData: js})
	if err != nil {
		b.Fatal(err)
	}
	return inst.(*Datasource)
}

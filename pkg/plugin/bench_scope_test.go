package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// BenchmarkScopedQueries times every panel of benchQueries over 90 days on two instances
// of the same store: unscoped, and scoped to 10% of the repositories (20 of the fill's 200,
// four from each of its five organisations, as exact owner/repo patterns). A scoped
// instance reads no rollups (they mix repositories), so this is the price of reading its
// rows instead. It reports both p95s side by side; ingest_health, which a scoped instance
// refuses, is timed unscoped only.
//
//	go test ./pkg/plugin -run '^$' -bench ScopedQueries -benchtime 1x -timeout 60m -v
//
// CIRADAR_BENCH_DATABASE_URL, CIRADAR_BENCH_JOBS, CIRADAR_BENCH_ITER (default 10 here) and
// CIRADAR_BENCH_ONLY work as for BenchmarkQueries.
func BenchmarkScopedQueries(b *testing.B) {
	ctx := context.Background()
	jobs := envInt("CIRADAR_BENCH_JOBS", 1_000_000)
	iters := envInt("CIRADAR_BENCH_ITER", 10)
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

	var scope []string
	for r := 0; r < 200; r += 10 {
		scope = append(scope, fmt.Sprintf("org%d/repo%d", r%5, r))
	}
	open, scoped := benchInstance(b, adminURL, nil), benchInstance(b, adminURL, scope)

	only := strings.Split(os.Getenv("CIRADAR_BENCH_ONLY"), ",")
	var names []string
	for n := range benchQueries {
		if only[0] == "" || slices.Contains(only, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	const days = 90
	b.ResetTimer()
	for range b.N {
		b.Logf("%-26s %12s %12s %12s %12s", "query (90 days)", "open p50 ms", "open p95 ms", "scoped p50", "scoped p95")
		for _, name := range names {
			bq := benchQueries[name]
			q := backend.DataQuery{RefID: "A", QueryType: bq.queryType, JSON: json.RawMessage(bq.json), Interval: days * 24 * time.Hour / 1000,
				MaxDataPoints: 1000, TimeRange: backend.TimeRange{From: end.Add(-days * 24 * time.Hour), To: end}}
			if bq.queryType == "pipeline" {
				// The fill's pipeline repository, org1/repo1, is out of this scope: a
				// scoped answer would be an empty one, which times nothing.
				q.JSON = json.RawMessage(`{"repo": "org0/repo0", "branch": "main"}`)
			}
			run := func(d *Datasource) func() error {
				return func() error {
					resp, err := d.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
					if err != nil {
						return err
					}
					return resp.Responses["A"].Error
				}
			}
			if bq.queryType == "ingest_health" {
				o, _ := timePair(iters, run(open), run(open))
				b.Logf("%-26s %12.1f %12.1f %12s %12s", name, ms(pct(walls(o), 0.5)), ms(pct(walls(o), 0.95)), "refused", "refused")
				continue
			}
			o, s := timePair(iters, run(open), run(scoped))
			b.Logf("%-26s %12.1f %12.1f %12.1f %12.1f", name, ms(pct(walls(o), 0.5)), ms(pct(walls(o), 0.95)),
				ms(pct(walls(s), 0.5)), ms(pct(walls(s), 0.95)))
			b.ReportMetric(ms(pct(walls(s), 0.95)), name+"_scoped_p95_ms")
			b.ReportMetric(ms(pct(walls(o), 0.95)), name+"_open_p95_ms")
		}
	}
}

// benchInstance is a data source on the filled store as the reader, scoped when scope is
// not nil.
func benchInstance(b *testing.B, adminURL string, scope []string) *Datasource {
	b.Helper()
	u, _ := url.Parse(adminURL)
	js := map[string]any{"host": u.Query().Get("host"), "port": atoiOr(u.Query().Get("port"), 5432), "database": strings.TrimPrefix(u.Path, "/"),
		"user": "ciradar_reader", "sslmode": "disable"}
	if u.Host != "" {
		js["host"], js["port"] = u.Hostname(), atoiOr(u.Port(), 5432)
	}
	if scope != nil {
		js["scope"] = scope
	}
	raw, _ := json.Marshal(js)
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{ID: int64(len(scope)) + 1, JSONData: raw})
	if err != nil {
		b.Fatal(err)
	}
	d := inst.(*Datasource)
	if d.settings.scopeErr != nil {
		b.Fatal(d.settings.scopeErr)
	}
	b.Cleanup(d.Dispose)
	return d
}

package query_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// runnerCases are the runner panels, with the hosted series on (a concurrency limit set):
// runner_utilization from job events, concurrency by each grouping, and runners.
var runnerCases = []rollupCase{
	{"runner_utilization", `{}`},
	{"runner_utilization", `{"filters": {"labels": ["linux,self-hosted,x64"]}}`},
	{"runner_utilization", `{"filters": {"runnerGroups": ["GitHub Actions"]}}`},
	{"concurrency", `{}`},
	{"concurrency", `{"groupBy": "labels"}`},
	{"concurrency", `{"groupBy": "runner_group"}`},
	{"runners", `{}`},
	{"runners", `{"filters": {"labels": ["linux,self-hosted,x64"]}}`},
}

// minuteRanges have buckets under an hour, which the per-minute rollups fill: partial
// minutes and hours at both ends, and a range that ends at the watermark's hour.
var minuteRanges = []struct {
	name     string
	from, to time.Time
	interval time.Duration
}{
	{"day_2min", t0.Add(25*time.Hour + 17*time.Minute + 13*time.Second), t0.Add(49*time.Hour + 5*time.Minute + 3*time.Second), 86 * time.Second},
	{"week_15min", t0.Add(97*time.Minute + 17*time.Second), t0.Add(6*24*time.Hour + 13*time.Hour + 5*time.Minute), 604 * time.Second},
	{"hours_5min", t0.Add(50*time.Hour + 7*time.Minute), t0.Add(53*time.Hour + 59*time.Minute), 5 * time.Minute},
	{"to_end_1min", t0.Add(6*24*time.Hour + 20*time.Hour + 30*time.Second), t0.Add(7 * 24 * time.Hour), time.Minute},
}

// tablesRead remembers the rollup tables the queries read.
type tablesRead struct {
	db     query.DB
	tables map[string]bool
}

var rollupTable = regexp.MustCompile(`FROM (rollup_[a-z_0-9]+)`)

func (r *tablesRead) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	for _, m := range rollupTable.FindAllStringSubmatch(sql, -1) {
		r.tables[m[1]] = true
	}
	return r.db.Query(ctx, sql, args...)
}

// TestRunnerRollupsMatchProjections holds the runner panels to the projections' answer at
// buckets under an hour (per-minute rollups) and of hours (the hosted series' hours, the
// runners panel's hours), on the seeded world refreshed as the receiver would.
func TestRunnerRollupsMatchProjections(t *testing.T) {
	pool, url := seed(t, newWorld())
	s := openStore(t, url)
	if _, err := s.RefreshRollups(context.Background(), store.RollupOptions{Now: t0.Add(7*24*time.Hour + time.Minute)}); err != nil {
		t.Fatal(err)
	}
	read := compareRunner(t, pool, runnerCases)
	for _, want := range []string{"rollup_busy_minute", "rollup_busy_5min", "rollup_hosted_hour", "rollup_concurrency_minute", "rollup_concurrency_5min", "rollup_runner_hour"} {
		if !read[want] {
			t.Errorf("no query read %s", want)
		}
	}
}

// TestRunnerSampleMinutesMatchProjections reads runner_utilization from the reconciler's
// samples, taken at odd seconds as a real reconciler's are, in buckets of minutes.
func TestRunnerSampleMinutesMatchProjections(t *testing.T) {
	pool, url := seed(t, newWorld())
	seedInventory(t, pool)
	if _, err := pool.Exec(context.Background(), `INSERT INTO runner_samples (sampled_at, scope, runner_id, name, label_key, status, busy)
		SELECT $1::timestamptz + k * interval '3 minutes 7.25 seconds', 'org:acme', i, 'linux-' || i, 'linux,self-hosted,x64',
			CASE WHEN i = 2 THEN 'offline' ELSE 'online' END, (i * 7 + k) % 4 = 0
		FROM generate_series(0, 3) i, generate_series(0, 2700) k`, t0.Add(24*time.Hour+41*time.Second)); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, url)
	if _, err := s.RefreshRollups(context.Background(), store.RollupOptions{Now: t0.Add(7*24*time.Hour + time.Minute)}); err != nil {
		t.Fatal(err)
	}
	read := compareRunner(t, pool, []rollupCase{
		{"runner_utilization", `{}`},
		{"runner_utilization", `{"filters": {"labels": ["linux,self-hosted,x64"], "orgs": ["acme"]}}`},
		{"runner_utilization", `{"filters": {"runnerGroups": ["linux-pool"]}}`},
	})
	for _, want := range []string{"rollup_sample_minute", "rollup_sample_5min"} {
		if !read[want] {
			t.Errorf("no query read %s", want)
		}
	}
}

// TestRunnerRollupsTakeLateEvents changes hours after they were rolled up, as
// TestRollupsTakeLateEvents does: a job redelivered into an old hour while still queued,
// then running and completed, and a backfill days back. After each refresh the runner
// panels' answers equal the projections'.
func TestRunnerRollupsTakeLateEvents(t *testing.T) {
	ctx := context.Background()
	w := newWorld()
	pool, url := seed(t, w)
	s := openStore(t, url)
	end := t0.Add(7 * 24 * time.Hour)
	refresh := func(now time.Time) {
		t.Helper()
		if _, err := s.RefreshRollups(ctx, store.RollupOptions{Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	refresh(end.Add(time.Minute))
	late := w.jobs[10]
	late.id, late.created, late.status = 77001, t0.Add(5*24*time.Hour+12*time.Hour+30*time.Minute), "queued"
	write(t, s, late, "queued")
	refresh(end.Add(2 * time.Minute))
	compareRunner(t, pool, runnerCases)

	write(t, s, late, "in_progress")
	refresh(end.Add(3 * time.Minute))
	compareRunner(t, pool, runnerCases)
	write(t, s, late, "completed")
	refresh(end.Add(4 * time.Minute))
	compareRunner(t, pool, runnerCases)

	old := w.jobs[3]
	old.id, old.created = 77002, t0.Add(20*time.Hour+10*time.Minute)
	for _, step := range []string{"queued", "in_progress", "completed"} {
		write(t, s, old, step)
	}
	for i := range 8 {
		refresh(end.Add(time.Duration(5+i) * time.Minute))
	}
	compareRunner(t, pool, runnerCases)
}

// compareRunner runs every case over the minute ranges and the hourly ones, from the
// projections alone and as the plugin would, with a hosted concurrency limit, and returns
// the rollup tables read.
func compareRunner(t *testing.T, pool *pgxpool.Pool, cases []rollupCase) map[string]bool {
	t.Helper()
	type rng struct {
		name     string
		from, to time.Time
		interval time.Duration
	}
	var ranges []rng
	for _, r := range minuteRanges {
		ranges = append(ranges, rng(r))
	}
	for _, r := range rollupRanges {
		ranges = append(ranges, rng(r))
	}
	read := map[string]bool{}
	limits := query.ConcurrencyLimits{Hosted: 20, SelfHosted: 4}
	for _, rg := range ranges {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s/%s", rg.name, c.queryType, c.json), func(t *testing.T) {
				req := query.Request{RefID: "A", From: rg.from, To: rg.to, Interval: rg.interval, MaxDataPoints: 1000, JSON: []byte(c.json)}
				want, err := types[c.queryType](context.Background(), query.Env{DB: rawOnly{pool}, Limits: limits}, req)
				if err != nil {
					t.Fatal(err)
				}
				db := &tablesRead{db: pool, tables: read}
				got, err := types[c.queryType](context.Background(), query.Env{DB: db, Limits: limits}, req)
				if err != nil {
					t.Fatal(err)
				}
				checkConventions(t, got)
				sameFrames(t, got, want)
			})
		}
	}
	return read
}

// TestRunnerBuckets: buckets from a minute to half an hour are widths that divide an hour,
// the smallest at least what Grafana asked; shorter and hourly ones are bucketFor's. The
// width shows as the step of the concurrency frame's time field.
func TestRunnerBuckets(t *testing.T) {
	pool, _ := seed(t, newWorld())
	cases := []struct {
		name     string
		span     time.Duration
		interval time.Duration
		want     time.Duration
	}{
		{"one hour, seconds", time.Hour, 2 * time.Second, 3 * time.Second},
		{"a minute asked", 6 * time.Hour, time.Minute, time.Minute},
		{"just over a minute", 24 * time.Hour, time.Minute, 2 * time.Minute},
		{"seven days", 7 * 24 * time.Hour, 10 * time.Minute, 20 * time.Minute},
		{"over twenty minutes", 24 * time.Hour, 21 * time.Minute, 30 * time.Minute},
		{"thirty days, hours", 30 * 24 * time.Hour, 30 * time.Minute, time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := query.Request{RefID: "A", From: t0, To: t0.Add(c.span), Interval: c.interval, MaxDataPoints: 1000, JSON: []byte(`{}`)}
			frames, err := query.Concurrency(context.Background(), query.Env{DB: pool}, req)
			if err != nil {
				t.Fatal(err)
			}
			times := frames[0].Fields[0]
			if times.Len() < 2 {
				t.Fatalf("%d buckets", times.Len())
			}
			if got := times.At(1).(time.Time).Sub(times.At(0).(time.Time)); got != c.want {
				t.Errorf("bucket %s, want %s", got, c.want)
			}
		})
	}
}

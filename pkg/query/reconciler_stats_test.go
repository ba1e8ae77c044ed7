package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5/pgxpool"
)

// reconciler_stats sums the samples per bucket, keeps the lowest rate limit left and the
// largest backlog, and leaves out buckets no cycle ran in.
func TestReconcilerStats(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s, err := store.Open(ctx, url, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rem := func(n int64) *int64 { return &n }
	samples := []store.ReconcilerSample{
		{At: t0.Add(10 * time.Minute), OK: true, APIRequests: 10, NotModified: 4, RateLimitRemaining: rem(4990), Redelivered: 2, RedeliverBacklog: 5},
		{At: t0.Add(20 * time.Minute), OK: false, APIRequests: 6, NotModified: 6, RateLimitRemaining: rem(4984), RedeliverBacklog: 3, Expired: 1, Gone: 2},
		{At: t0.Add(3 * time.Hour), OK: true, IssueSearches: 3, StuckCorrected: 1},
	}
	for _, x := range samples {
		if err := s.SaveReconcilerSample(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	frames, err := query.ReconcilerStats(ctx, query.Env{DB: pool}, request(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	f := frames[0]
	if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesWide || f.Meta.ExecutedQueryString == "" {
		t.Fatalf("frame meta %+v, want a wide time series with its SQL", f.Meta)
	}
	if f.Rows() != 2 {
		t.Fatalf("%d rows, want the two hours that had cycles", f.Rows())
	}
	cases := []struct {
		field string
		row   int
		want  *float64
	}{
		{"cycles", 0, fp(2)}, {"cycle_errors", 0, fp(1)}, {"api_requests", 0, fp(16)}, {"api_charged", 0, fp(6)},
		{"api_not_modified", 0, fp(10)}, {"rate_limit_remaining", 0, fp(4984)}, {"redelivered", 0, fp(2)},
		{"redeliver_backlog", 0, fp(5)}, {"expired", 0, fp(1)}, {"gone", 0, fp(2)},
		{"rate_limit_remaining", 1, nil}, {"issue_searches", 1, fp(3)}, {"stuck_corrected", 1, fp(1)},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			fl, _ := f.FieldByName(c.field)
			if fl == nil {
				t.Fatalf("no field %s", c.field)
			}
			got := fl.At(c.row).(*float64)
			if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
				t.Errorf("row %d: %v, want %v", c.row, deref(got), deref(c.want))
			}
		})
	}
}

func fp(v float64) *float64 { return &v }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

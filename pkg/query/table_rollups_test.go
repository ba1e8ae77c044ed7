package query

import (
	"context"
	"math"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestPercentileContFromHistogram holds the interpolated percentile org_overview reads from
// histograms to Postgres' percentile_cont over the same values: within the histograms' 1%
// (half a second below one).
func TestPercentileContFromHistogram(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	cases := []struct {
		name   string
		values []float64
		p      float64
	}{
		{"one value", []float64{42}, 0.95},
		{"two values far apart", []float64{3, 300}, 0.95},
		{"between two ranks", []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 1000}, 0.95},
		{"on a rank", []float64{1, 2, 3, 4, 5}, 0.5},
		{"below a second", []float64{0.1, 0.2, 0.3, 0.9}, 0.95},
		{"many repeats", []float64{5, 5, 5, 5, 5, 5, 5, 5, 5, 7200}, 0.95},
		{"highest", []float64{1.5, 2.5, 86400}, 1},
		{"lowest", []float64{12, 13, 14}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want float64
			var enc []byte
			err := conn.QueryRow(ctx, `SELECT (SELECT percentile_cont($2::float8) WITHIN GROUP (ORDER BY v) FROM unnest($1::float8[]) v),
				(SELECT string_agg(rollup_varint(gap) || rollup_varint(c), ''::bytea ORDER BY k)
				 FROM (SELECT k, count(*)::int AS c, k - coalesce(lag(k) OVER (ORDER BY k), 0) AS gap
				       FROM (SELECT rollup_bucket(v) AS k FROM unnest($1::float8[]) v) b GROUP BY k) y)`,
				c.values, c.p).Scan(&want, &enc)
			if err != nil {
				t.Fatal(err)
			}
			var h hist
			if err := h.mergeGaps(enc); err != nil {
				t.Fatal(err)
			}
			got := h.percentileCont(c.p)
			if got == nil {
				t.Fatal("no percentile from a histogram with values")
			}
			if math.Abs(*got-want) > max(0.01*want, 0.5) {
				t.Errorf("got %v, want %v within 1%%", *got, want)
			}
		})
	}
	var empty hist
	if empty.percentileCont(0.95) != nil {
		t.Error("an empty histogram has a percentile")
	}
}

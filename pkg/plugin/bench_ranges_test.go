package plugin

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// benchRange is one time range the query benchmark times every panel over.
type benchRange struct {
	name string
	span time.Duration
}

// benchRanges run from the shortest range a dashboard offers to the longest retention
// (issue 18). The fill covers 90 days: 400 days reads the same jobs as 90, but plans and
// buckets (12-hour ones) as a 400-day panel does, over 310 empty days before them.
var benchRanges = []benchRange{
	{"1h", time.Hour}, {"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour},
	{"30d", 30 * 24 * time.Hour}, {"90d", 90 * 24 * time.Hour}, {"400d", 400 * 24 * time.Hour},
}

// benchMaxDataPoints is what Grafana asks of a panel about 1,000 pixels wide.
const benchMaxDataPoints = 1000

// selectedRanges are the benchRanges CIRADAR_BENCH_RANGES names (comma-separated, as
// "1h,7d"), or all of them when it is unset.
func selectedRanges() ([]benchRange, error) {
	v := os.Getenv("CIRADAR_BENCH_RANGES")
	if v == "" {
		return benchRanges, nil
	}
	var out []benchRange
	for _, n := range strings.Split(v, ",") {
		i := slices.IndexFunc(benchRanges, func(r benchRange) bool { return r.name == strings.TrimSpace(n) })
		if i < 0 {
			return nil, fmt.Errorf("CIRADAR_BENCH_RANGES: no range %q (have 1h, 24h, 7d, 30d, 90d, 400d)", n)
		}
		out = append(out, benchRanges[i])
	}
	return out, nil
}

// grafanaInterval is the interval Grafana sends with a query: the range over the panel's
// maxDataPoints, rounded to one of its fixed steps (the table of roundInterval in
// Grafana's kbn and intervalv2 packages, as read for this benchmark; not copied).
func grafanaInterval(span time.Duration, maxDataPoints int64) time.Duration {
	raw := span / time.Duration(maxDataPoints)
	steps := []struct{ below, to time.Duration }{
		{15 * time.Millisecond, 10 * time.Millisecond}, {35 * time.Millisecond, 20 * time.Millisecond},
		{75 * time.Millisecond, 50 * time.Millisecond}, {150 * time.Millisecond, 100 * time.Millisecond},
		{350 * time.Millisecond, 200 * time.Millisecond}, {750 * time.Millisecond, 500 * time.Millisecond},
		{1500 * time.Millisecond, time.Second}, {3500 * time.Millisecond, 2 * time.Second},
		{7500 * time.Millisecond, 5 * time.Second}, {12500 * time.Millisecond, 10 * time.Second},
		{17500 * time.Millisecond, 15 * time.Second}, {25 * time.Second, 20 * time.Second},
		{45 * time.Second, 30 * time.Second}, {90 * time.Second, time.Minute},
		{210 * time.Second, 2 * time.Minute}, {450 * time.Second, 5 * time.Minute},
		{750 * time.Second, 10 * time.Minute}, {1050 * time.Second, 15 * time.Minute},
		{1500 * time.Second, 20 * time.Minute}, {2700 * time.Second, 30 * time.Minute},
		{5400 * time.Second, time.Hour}, {9000 * time.Second, 2 * time.Hour},
		{16200 * time.Second, 3 * time.Hour}, {32400 * time.Second, 6 * time.Hour},
		{86400 * time.Second, 12 * time.Hour}, {604800 * time.Second, 24 * time.Hour},
		{1814400 * time.Second, 7 * 24 * time.Hour}, {3628800 * time.Second, 30 * 24 * time.Hour},
	}
	for _, s := range steps {
		if raw < s.below {
			return s.to
		}
	}
	return 365 * 24 * time.Hour
}

package query

import (
	"context"
	"time"
)

// The runner panels (runner_utilization, its hosted series, concurrency) read per-minute
// rollups (migration 0033) for buckets under an hour: a 24-hour panel's buckets and a
// 7-day one's otherwise read every sample and every job of the range.

// minuteBuckets are the bucket widths, in minutes, that runnerBucket rounds up to: each
// divides an hour, so that buckets of whole minutes also start on every hour, and from 5
// minutes on each is a multiple of 5, which the 5-minute rollups fill. Above 10 minutes
// only multiples of 10 (fineBucket's widths), so that a dashboard's runner panels and its
// queue and build panels share their buckets: 15 would leave them 15 and 20 minutes apart.
var minuteBuckets = []time.Duration{1, 2, 3, 4, 5, 10, 20, 30}

// runnerBucket is bucketFor with buckets from a minute to half an hour rounded up to a
// width of minuteBuckets, so that per-minute rollups fill them exactly: a 24-hour panel
// asking for 86 s gets 2 minutes, a 7-day one asking for 604 s gets 20,
// as fineBucket gives the other time series.
func runnerBucket(req Request) time.Duration {
	b := bucketFor(req)
	if b < time.Minute || b%time.Hour == 0 {
		return b
	}
	for _, m := range minuteBuckets {
		if b <= m*time.Minute {
			return m * time.Minute
		}
	}
	return b
}

// minRolledMinutes is the shortest stretch of final hours worth reading from the minute
// rollups: a single hour of them is already fewer rows than its samples or jobs.
const minRolledMinutes = time.Hour

// grain is which rollups a runner panel's plan reads: the hourly ones, the per-minute ones
// (minutes), their 5-minute sums where there are some (five), or none (the plan's use is
// false).
type grain struct {
	plan
	minutes, five bool
}

// runnerPlan plans a runner panel's request: buckets of whole hours read the hourly
// rollups (planFor); buckets of whole minutes under an hour read the minute rollups for the
// final whole hours of the range, when there is at least minRolledMinutes of them; the
// partial hours at the ends and anything from the watermark on read the rows either way.
func runnerPlan(ctx context.Context, db DB, req Request, bucket time.Duration, supported bool) (grain, error) {
	if bucket%time.Hour == 0 {
		p, err := planFor(ctx, db, req, bucket, supported)
		return grain{plan: p}, err
	}
	if bucket%time.Minute != 0 {
		return grain{}, nil
	}
	// minutes and five are read only where p.use
	p, err := finalSpan(ctx, db, req, supported, time.Hour, minRolledMinutes)
	return grain{plan: p, minutes: true, five: bucket%(5*time.Minute) == 0}, err
}

// table names the rollup g reads, with its time column: hourly, its per-minute twin, or
// for buckets of multiples of 5 minutes its 5-minute one (fiveMinutely; "" where there is
// none, and the minutes serve).
func (g grain) table(hourly, minutely, fiveMinutely string) (name, col string) {
	switch {
	case g.five && fiveMinutely != "":
		return fiveMinutely, "minute"
	case g.minutes:
		return minutely, "minute"
	}
	return hourly, "hour"
}

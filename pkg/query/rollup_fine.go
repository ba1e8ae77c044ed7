package query

import (
	"context"
	"time"
)

// Grafana asks a 7-day panel 1,000 points wide for 10-minute buckets, which hourly rollups
// cannot fill. The time-series panels whose hourly rollups have 10-minute twins (migration
// 0032) plan with planFine: buckets of whole hours read the hourly rollups, buckets of
// whole 10 minutes the 10-minute ones, and the projections the rest, as for hours.

// fineGrain is the width of the 10-minute rollups.
const fineGrain = 10 * time.Minute

// fineTables are the 10-minute twins of hourly rollups, with the same columns: `hour`
// there is the start of the 10 minutes.
var fineTables = map[string]string{
	"rollup_queue_hour":      "rollup_queue_10m",
	"rollup_job_transitions": "rollup_job_transitions_10m",
	"rollup_run_hour":        "rollup_run_10m",
	"rollup_delivery_hour":   "rollup_delivery_10m",
	"rollup_cost_hour":       "rollup_cost_10m",
}

// table is the rollup p reads in place of the hourly table hourly: its 10-minute twin for
// a fine plan, else hourly itself.
func (p plan) table(hourly string) string {
	if p.fine {
		return fineTables[hourly]
	}
	return hourly
}

// fineBucket is bucketFor for the panels with 10-minute rollups: a bucket between 10 and
// 30 minutes is rounded up to whole 10 minutes, as one of 30 minutes and more is to whole
// hours. Grafana asks a 7-day panel 1,000 points wide for 10 minutes, which bucketFor
// widens to 10m4s to stay under 1,000 points: no rollup serves that, and the panel read a
// week of rows. It shows 504 points of 20 minutes instead.
func fineBucket(req Request) time.Duration {
	b := bucketFor(req)
	if b > fineGrain && b < 30*time.Minute {
		return (b + fineGrain - 1).Truncate(fineGrain)
	}
	return b
}

// planFine is planFor for a query whose hourly rollups have 10-minute twins: a bucket of
// whole hours reads the hourly rollups, as planFor decides; a bucket of whole 10 minutes
// and not of hours reads the 10-minute ones over the final whole 10 minutes of the range,
// when at least minRolled of it is final. The projections serve the partial 10 minutes at
// either end and anything at or after the watermark, a whole hour the 10-minute rollups
// share with the hourly ones (the same refresh rolls both up).
func planFine(ctx context.Context, db DB, req Request, bucket time.Duration, supported bool) (plan, error) {
	if bucket%time.Hour == 0 || bucket%fineGrain != 0 {
		return planFor(ctx, db, req, bucket, supported)
	}
	p, err := finalSpan(ctx, db, req, supported, fineGrain, minRolled)
	p.fine = true // read only where p.use
	return p, err
}

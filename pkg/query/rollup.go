package query

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Long ranges read the hourly rollups of migration 0007 (refreshed by the receiver, see
// store.RefreshRollups) for the hours the refresher has marked final, and the projections
// for the rest: the partial hours at either end and anything at or after the watermark. A
// store never refreshed has no watermark, and every query reads the projections only.

// minRolled is the shortest stretch of final hours worth reading from rollups. Shorter
// ranges read the projections, which are fast there, and keep percentiles exact.
const minRolled = 24 * time.Hour

// plan is how one request splits between rollups and projections. Rollups serve
// [rolledFrom, rolledTo), whole hours; the projections serve the rest of [from, to).
type plan struct {
	use                  bool
	rolledFrom, rolledTo time.Time
}

// planFor decides whether req reads rollups: only when the query can (supported), buckets
// are whole hours, and at least minRolled of the range is final.
func planFor(ctx context.Context, db DB, req Request, bucket time.Duration, supported bool) (plan, error) {
	if !supported || bucket%time.Hour != 0 || req.To.Sub(req.From) < minRolled {
		return plan{}, nil
	}
	w, ok, err := watermark(ctx, db)
	if err != nil || !ok {
		return plan{}, err
	}
	p := plan{rolledFrom: ceilHour(req.From), rolledTo: req.To.UTC().Truncate(time.Hour)}
	if w.Before(p.rolledTo) {
		p.rolledTo = w
	}
	p.use = p.rolledTo.Sub(p.rolledFrom) >= minRolled
	return p, nil
}

// watermark reads the first hour that is not final, if the rollups have been refreshed.
func watermark(ctx context.Context, db DB) (time.Time, bool, error) {
	st := newStmt("rollup_watermark")
	st.add("SELECT watermark FROM rollup_state")
	var w time.Time
	found := false
	err := collect(ctx, db, st, func(r pgx.Rows) error {
		found = true
		return r.Scan(&w)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" {
		return w, false, nil // a schema before migration 0007: no rollups to read
	}
	return w.UTC(), found, err
}

func ceilHour(t time.Time) time.Time {
	h := t.UTC().Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}

// onlyFilters reports whether f sets no filter outside the named ones: rollups keep only
// some dimensions, and a filter on another one needs the projections.
func onlyFilters(f Filters, allowed ...string) bool {
	set := map[string][]string{"orgs": f.Orgs, "repos": f.Repos, "workflows": f.Workflows, "labels": f.Labels,
		"branches": f.Branches, "events": f.Events, "conclusions": f.Conclusions, "runnerGroups": f.RunnerGroups}
	for _, a := range allowed {
		delete(set, a)
	}
	for _, vs := range set {
		if values(vs) != nil {
			return false
		}
	}
	return true
}

// Histograms: bucket 0 holds [0, 1 s); bucket k >= 1 holds [g^(k-1), g^k), g = 1.02, as
// the SQL function rollup_bucket (migration 0007) computes it.
const histGrowth = 1.02

// histValue is the value reported for a bucket: 2·lo·hi/(lo+hi) is within (g-1)/(g+1) of
// any value in [lo, hi), under 1%.
func histValue(k int) float64 {
	if k <= 0 {
		return 0.5
	}
	lo, hi := math.Pow(histGrowth, float64(k-1)), math.Pow(histGrowth, float64(k))
	return 2 * lo * hi / (lo + hi)
}

// hist is a merged histogram with the exact count and maximum beside it.
type hist struct {
	counts map[int16]int64
	n      int64
	sum    float64
	max    float64
}

func (h *hist) merge(ks []int16, ns []int32, n int64, sum, mx float64) {
	if h.counts == nil {
		h.counts = map[int16]int64{}
		h.max = mx
	}
	for i, k := range ks {
		h.counts[k] += int64(ns[i])
	}
	h.n += n
	h.sum += sum
	h.max = max(h.max, mx)
}

// percentiles are nearest-rank, as percentile_disc: the bucket holding the value of rank
// ceil(p·n), reported by histValue but never above the exact maximum.
func (h *hist) percentiles(ps ...float64) []float64 {
	keys := make([]int, 0, len(h.counts))
	for k := range h.counts {
		keys = append(keys, int(k))
	}
	slices.Sort(keys)
	out := make([]float64, len(ps))
	for i, p := range ps {
		rank := max(int64(math.Ceil(p*float64(h.n))), 1)
		var seen int64
		for _, k := range keys {
			seen += h.counts[int16(k)]
			if seen >= rank {
				out[i] = min(histValue(k), h.max)
				break
			}
		}
	}
	return out
}

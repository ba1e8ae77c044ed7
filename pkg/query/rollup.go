package query

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
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
// [rolledFrom, rolledTo), whole hours (or whole days, see planDayHours); the projections serve
// the rest of [from, to).
//
// A plan from planDayHours reads hourly rollups around the days as well: [hoursFrom,
// rolledFrom) and [rolledTo, hoursTo), whole final hours, and the projections serve only
// what lies outside [hoursFrom, hoursTo). Other plans leave hoursFrom and hoursTo zero.
//
// A plan from planFine may read 10-minute rollups instead of hourly ones (fine, see
// rollup_fine.go): its rolled span is then whole 10 minutes.
type plan struct {
	use                  bool
	rolledFrom, rolledTo time.Time
	hoursFrom, hoursTo   time.Time
	fine                 bool
}

// outer is the span the rollups serve, days and hours together.
func (p plan) outer() (from, to time.Time) {
	if p.hoursFrom.IsZero() {
		return p.rolledFrom, p.rolledTo
	}
	return p.hoursFrom, p.hoursTo
}

// planFor decides whether req reads rollups: only when the query can (supported), buckets
// are whole hours, and at least minRolled of the range is final. A scoped request never
// does: every rollup table mixes repositories (docs/scope.md), so its rows are read.
func planFor(ctx context.Context, db DB, req Request, bucket time.Duration, supported bool) (plan, error) {
	if bucket%time.Hour != 0 {
		return plan{}, nil
	}
	return finalSpan(ctx, db, req, supported, time.Hour, minRolled)
}

// finalSpan is what every plan starts from: the final whole grains of req,
// [rolledFrom, rolledTo) (grain-aligned, up to the watermark), in use when the query can
// read rollups (supported), req is not scoped, and the span is at least atLeast long.
// The plans differ only in the grain of the rollups they read and how much they need.
func finalSpan(ctx context.Context, db DB, req Request, supported bool, grain, atLeast time.Duration) (plan, error) {
	if !req.Scope.IsZero() || !supported || req.To.Sub(req.From) < atLeast {
		return plan{}, nil
	}
	w, ok, err := watermark(ctx, db)
	if err != nil || !ok {
		return plan{}, err
	}
	p := plan{rolledFrom: ceilTo(req.From, grain), rolledTo: req.To.UTC().Truncate(grain)}
	if w.Before(p.rolledTo) {
		p.rolledTo = w
	}
	p.use = p.rolledTo.Sub(p.rolledFrom) >= atLeast
	return p, nil
}

// repoSplit is req as a query asks planFor or planDayHours when every rollup
// it would read keeps each repository in rows of its own (rollup_flake_day and
// rollup_flake_hour): a scope does not rule those out. The query must then apply the scope
// to the rollup's rows through where, with a target that has "scope.org" and "scope.repo";
// a target without them makes collect refuse the statement.
func repoSplit(req Request) Request {
	req.Scope = Scope{}
	return req
}

// watermark reads the first hour that is not final, if the rollups have been refreshed.
func watermark(ctx context.Context, db DB) (time.Time, bool, error) {
	st := newStmt("rollup_watermark").noRepoData()
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

// ceilTo is t rounded up to a whole d, epoch-aligned (d divides a day).
func ceilTo(t time.Time, d time.Duration) time.Time {
	c := t.UTC().Truncate(d)
	if c.Before(t) {
		c = c.Add(d)
	}
	return c
}

// onlyFilters reports whether f sets no filter outside the named ones: rollups keep only
// some dimensions, and a filter on another one needs the projections.
func onlyFilters(f Filters, allowed ...string) bool {
	set := map[string][]string{"orgs": f.Orgs, "repos": f.Repos, "workflows": f.Workflows, "labels": f.Labels,
		"branches": f.Branches, "events": f.Events, "conclusions": f.Conclusions, "runnerGroups": f.RunnerGroups,
		"forges": f.Forges}
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
	if k >= 0 && k < len(histValues) {
		return histValues[k]
	}
	return histValueOf(k)
}

// histValues holds the value of every bucket below 1.02^1024 s (20 years): a 90-day
// queue_time panel asks for 17,000 of them, and two math.Pow calls each were a tenth of
// its own CPU.
var histValues = func() []float64 {
	v := make([]float64, 1024)
	for k := range v {
		v[k] = histValueOf(k)
	}
	return v
}()

func histValueOf(k int) float64 {
	if k <= 0 {
		return 0.5
	}
	lo, hi := math.Pow(histGrowth, float64(k-1)), math.Pow(histGrowth, float64(k))
	return 2 * lo * hi / (lo + hi)
}

// hist is a merged histogram with the exact count, sum and maximum beside it. Counts are
// dense, indexed by bucket: a 90-day panel merges close to a million (bucket, count) pairs,
// and a map spent most of the query's time hashing them.
type hist struct {
	counts []int64
	n      int64
	sum    float64
	max    float64
}

// histPairSize is the size of one encoded (bucket int2, count int4) pair, big-endian, as
// rollup_queue_hour.hist (migration 0010) and the raw edges of queue_time send them.
const histPairSize = 6

// merge adds an encoded histogram (see histPairSize) with its exact count, sum and maximum.
// Buckets ascend, so the last pair says how far counts must reach.
func (h *hist) merge(enc []byte, n int64, sum, mx float64) error {
	if len(enc)%histPairSize != 0 {
		return fmt.Errorf("histogram of %d bytes: not whole (bucket, count) pairs", len(enc))
	}
	if len(enc) > 0 {
		h.reach(int(int16(binary.BigEndian.Uint16(enc[len(enc)-histPairSize:]))))
	}
	counts := h.counts // a local, as in mergeGaps
	for i := 0; i+histPairSize <= len(enc); i += histPairSize {
		p := enc[i : i+histPairSize : i+histPairSize]
		k := int(int16(uint16(p[0])<<8 | uint16(p[1])))
		if k < 0 || k >= len(counts) {
			return fmt.Errorf("histogram bucket %d: not in ascending order from 0", k)
		}
		counts[k] += int64(int32(binary.BigEndian.Uint32(p[2:])))
	}
	if h.n == 0 || mx > h.max {
		h.max = mx
	}
	h.n += n
	h.sum += sum
	return nil
}

// reach makes counts hold bucket top. Allocations leave room for a quarter more buckets,
// and at least for histMinBuckets: the histograms merged into one reach a little further
// each, and growing the slice for each of them was a third of queue_time's own CPU over
// 90 days.
func (h *hist) reach(top int) {
	switch {
	case top < len(h.counts):
	case top < cap(h.counts):
		h.counts = h.counts[:top+1] // zero: nothing was ever written past len
	default:
		grown := make([]int64, top+1, max((top+1)*5/4+16, histMinBuckets))
		copy(grown, h.counts)
		h.counts = grown
	}
}

// histMinBuckets covers durations up to 1.02^512 s, seven hours: few jobs wait or run
// longer, so most histograms never grow past their first allocation.
const histMinBuckets = 512

// reset empties h for reuse, keeping its buckets' memory.
func (h *hist) reset() {
	clear(h.counts)
	*h = hist{counts: h.counts[:0]}
}

// percentiles are nearest-rank, as percentile_disc: the bucket holding the value of rank
// ceil(p·n), reported by histValue but never above the exact maximum. ps ascend, so one
// pass over the buckets finds them all.
func (h *hist) percentiles(ps ...float64) []float64 {
	out := make([]float64, len(ps))
	h.percentilesInto(out, ps)
	return out
}

// percentilesInto is percentiles written into out (len(ps) long), without allocating.
func (h *hist) percentilesInto(out, ps []float64) {
	clear(out)
	var buf [8]int64
	ranks := buf[:0]
	for _, p := range ps {
		ranks = append(ranks, max(int64(math.Ceil(p*float64(h.n))), 1))
	}
	counts, i, seen := h.counts, 0, int64(0)
	for k := 0; k < len(counts) && i < len(ps); {
		// Eight buckets at a time while the next rank lies beyond them: the scan up to the
		// 99th percentile covers hundreds of buckets for each point of a long range.
		if k+8 <= len(counts) {
			c := counts[k : k+8 : k+8]
			if s := seen + c[0] + c[1] + c[2] + c[3] + c[4] + c[5] + c[6] + c[7]; s < ranks[i] {
				seen, k = s, k+8
				continue
			}
		}
		seen += counts[k]
		for ; i < len(ps) && seen >= ranks[i]; i++ {
			out[i] = min(histValue(k), h.max)
		}
		k++
	}
}

// mergeGaps adds a gap-coded histogram (rollup_job_day's and rollup_job_hour's, migration
// 0011): for each bucket with a count, ascending, the distance from the previous bucket
// (from 0 for the first) and the count, both unsigned varints. Its count is only in the
// buckets, with no sum or maximum beside it, so percentiles are not clamped.
func (h *hist) mergeGaps(enc []byte) error {
	// The loop keeps the buckets and the running count in locals: written through h, every
	// count was a store the next bucket's load had to wait for.
	counts, n, k := h.counts, int64(0), uint64(0)
	for i := 0; i < len(enc); {
		var gap, c uint64
		if i+1 < len(enc) && enc[i] < 0x80 && enc[i+1] < 0x80 { // nearly every pair
			gap, c = uint64(enc[i]), uint64(enc[i+1])
			i += 2
		} else {
			var w int
			if gap, w = uvarint(enc[i:]); w <= 0 {
				return fmt.Errorf("histogram: bad bucket gap at %d bytes from the end", len(enc)-i)
			}
			i += w
			if c, w = uvarint(enc[i:]); w <= 0 {
				return fmt.Errorf("histogram: bad count at %d bytes from the end", len(enc)-i)
			}
			i += w
		}
		if k += gap; k > math.MaxInt16 {
			return fmt.Errorf("histogram bucket %d: out of range", k)
		}
		if int(k) >= len(counts) {
			h.counts = counts
			h.reach(int(k))
			counts = h.counts
		}
		counts[k] += int64(c)
		n += int64(c)
	}
	h.counts = counts
	h.n += n
	h.max = math.Inf(1)
	return nil
}

// uvarint is binary.Uvarint with the one-byte case, which nearly every gap and count is,
// inlined: the call was a third of repo_stats' decoding.
func uvarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return binary.Uvarint(b)
}

// p95 is the 95th percentile of h, nil when it is empty.
func (h *hist) p95() *float64 {
	if h.n == 0 {
		return nil
	}
	return fp(h.percentiles(0.95)[0])
}

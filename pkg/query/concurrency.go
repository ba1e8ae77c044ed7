package query

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// ConcurrencyLimits are the threshold lines of the concurrency query: how many jobs may run
// at once on GitHub-hosted runners (the plan's limit) and on self-hosted ones (0: none).
type ConcurrencyLimits struct {
	Hosted, SelfHosted int
}

// PlanConcurrency is GitHub's documented limit of concurrent jobs on standard hosted
// runners per plan (docs.github.com, "Actions limits"; as read 2026-12): the default of
// the hosted threshold.
var PlanConcurrency = map[string]int{"free": 20, "pro": 40, "team": 60, "enterprise": 500}

// concurrencyModel is the concurrency query.
type concurrencyModel struct {
	common
	// GroupBy is "type" (GitHub-hosted or self-hosted), "labels" (the label set) or
	// "runner_group". A queued job has no runner group yet: it counts as "(unassigned)".
	GroupBy string `json:"groupBy"`
}

// Type names of runners: a job that asks for the label self-hosted runs on the
// organisation's own runners, any other on GitHub's.
const (
	typeHosted     = "github-hosted"
	typeSelfHosted = "self-hosted"
)

func runnerType(labelKey string) string {
	for _, l := range strings.Split(labelKey, ",") {
		if strings.EqualFold(l, "self-hosted") {
			return typeSelfHosted
		}
	}
	return typeHosted
}

// A concEvent is a change of one group's levels at an instant, packed in one int64 so
// that a group's events sort as plain integers: the instant in Unix microseconds (the
// database's precision) times 4, plus the kind. Ends sort before starts at the same
// instant (a job's interval is [start, end)). Sorting time.Time pairs with a comparison
// function was half of a 7-day panel's own CPU.
type concEvent int64

const (
	runEnd concEvent = iota
	queueEnd
	runStart
	queueStart
)

func newConcEvent(t time.Time, kind concEvent) concEvent { return concEvent(t.UnixMicro())<<2 | kind }

// apply changes the levels by the event.
func (e concEvent) apply(run, queue int) (int, int) {
	switch e & 3 {
	case runEnd:
		return run - 1, queue
	case queueEnd:
		return run, queue - 1
	case runStart:
		return run + 1, queue
	}
	return run, queue + 1
}

// ceilMicro is t in Unix microseconds, rounded up: an event (whole microseconds) is before
// t exactly when it is before ceilMicro(t).
func ceilMicro(t time.Time) int64 {
	m := t.UnixMicro()
	if t.Nanosecond()%1000 != 0 && t.After(time.UnixMicro(m)) {
		m++
	}
	return m
}

// at is the event's instant in Unix microseconds.
func (e concEvent) at() int64 { return int64(e >> 2) }

// Concurrency answers concurrency: per bucket and group, the most jobs running at once
// and the most queued at once (a runner had not yet taken them; an approval wait does not
// count), and, grouped by type, each type's configured limit as a constant series.
//
// Peaks are exact: every start and end of the jobs that overlap the range is swept in time
// order, ends before starts at the same instant (a job's interval is [start, end)), and a
// bucket's peak is the highest level at its start or after any change within it. Long
// ranges take the hours the rollup keeps instead (concurrency_levels.go).
func Concurrency(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m concurrencyModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	by, err := oneOf("groupBy", m.GroupBy, "type", "type", "labels", "runner_group")
	if err != nil {
		return nil, err
	}
	g := newGrid(req.From, req.To, runnerBucket(req))
	levels, st, err := concurrencyLevels(ctx, env, req, m.Filters, by, g)
	if err != nil {
		return nil, err
	}
	if by == "type" { // both types always answer, so that a threshold has a series to sit on
		for _, t := range []string{typeHosted, typeSelfHosted} {
			if _, ok := levels[t]; !ok {
				levels[t] = newLevels(g)
			}
		}
	}
	names := make([]string, 0, len(levels))
	for k := range levels {
		names = append(names, k)
	}
	slices.Sort(names)
	frames := data.Frames{}
	for _, k := range names {
		run, queue := levels[k].run, levels[k].queue
		label := map[string]string{"type": "runner_type", "labels": "labels", "runner_group": "runner_group"}[by]
		f := data.NewFrame(k, data.NewField("time", nil, g.times),
			data.NewField("running", data.Labels{label: k}, run),
			data.NewField("queued", data.Labels{label: k}, queue))
		if lim := env.Limits.of(k); by == "type" && lim > 0 {
			l := make([]float64, len(g.times))
			for i := range l {
				l[i] = float64(lim)
			}
			f.Fields = append(f.Fields, data.NewField("limit", data.Labels{label: k}, l))
		}
		frames = append(frames, finish(f, st, data.FrameTypeTimeSeriesWide))
	}
	if len(frames) == 0 {
		f := data.NewFrame("concurrency", data.NewField("time", nil, []time.Time{}),
			data.NewField("running", nil, []float64{}), data.NewField("queued", nil, []float64{}))
		frames = append(frames, finish(f, st, data.FrameTypeTimeSeriesWide))
	}
	return frames, nil
}

func (l ConcurrencyLimits) of(typ string) int {
	if typ == typeHosted {
		return l.Hosted
	}
	if typ == typeSelfHosted {
		return l.SelfHosted
	}
	return 0
}

// peaksIn sweeps one group's events into the peaks of running and queued jobs of the
// buckets of [from, to), raising l where it is lower. from is a bucket's start or an hour;
// the level at from counts every change up to and at that instant. Events at or after to
// are left out; when tail is set, the buckets from to on (the grid's last starts at to when
// the range ends on a bucket edge) take the level the range ends with.
func peaksIn(g *grid, from, to time.Time, tail bool, ev []concEvent, l *levels) {
	slices.Sort(ev)
	toAt := ceilMicro(to)
	var r, q, i int
	for bucket := max(g.index(from), 0); bucket < len(g.times); bucket++ {
		start := g.times[bucket]
		if start.Before(from) {
			start = from
		}
		if !start.Before(to) {
			if !tail {
				break
			}
			for ; i < len(ev) && ev[i].at() < toAt; i++ {
				r, q = ev[i].apply(r, q)
			}
			l.raise(bucket, r, q)
			continue
		}
		// The level at the bucket's first instant counts what changes at that instant: a
		// job that ended exactly then is not running in the bucket.
		startAt := start.UnixMicro()
		for ; i < len(ev) && ev[i].at() <= startAt; i++ {
			r, q = ev[i].apply(r, q)
		}
		pr, pq := r, q
		endAt := min(ceilMicro(g.times[bucket].Add(g.width)), toAt)
		for ; i < len(ev) && ev[i].at() < endAt; i++ {
			r, q = ev[i].apply(r, q)
			pr, pq = max(pr, r), max(pq, q)
		}
		l.raise(bucket, pr, pq)
	}
}

package query

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
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

// concEvent is a change of one group's levels at an instant.
type concEvent struct {
	at         time.Time
	run, queue int
}

// Concurrency answers concurrency: per bucket and group, the most jobs running at once
// and the most queued at once (a runner had not yet taken them; an approval wait does not
// count), and, grouped by type, each type's configured limit as a constant series.
//
// Peaks are exact: every start and end of the jobs that overlap the range is swept in time
// order, ends before starts at the same instant (a job's interval is [start, end)), and a
// bucket's peak is the highest level at its start or after any change within it.
func Concurrency(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m concurrencyModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	by, err := oneOf("groupBy", m.GroupBy, "type", "type", "labels", "runner_group")
	if err != nil {
		return nil, err
	}
	g := newGrid(req.From, req.To, bucketFor(req))
	st := newStmt("concurrency")
	st.add("SELECT j.label_key, j.runner_group_name, j.created_at + make_interval(secs => j.approval_wait_s),\n",
		"  CASE WHEN j.runner_name <> '' THEN j.started_at END, j.completed_at\nFROM ")
	activeJobs(st, req, m.Filters, jobFilters.without("conclusions"),
		"j.label_key, j.runner_group_name, j.created_at, j.approval_wait_s, j.runner_name, j.started_at, j.completed_at, j.status")
	st.add("\nWHERE j.status <> 'waiting' AND j.created_at IS NOT NULL")
	events := map[string][]concEvent{}
	in := interner{}
	var lk, rg []byte
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var q time.Time
		var s, c *time.Time
		if err := r.Scan(&lk, &rg, &q, &s, &c); err != nil {
			return err
		}
		labelKey, group := in.get(lk), in.get(rg)
		key := func(running bool) string {
			switch by {
			case "labels":
				return labelKey
			case "runner_group":
				if !running || group == "" {
					return "(unassigned)"
				}
				return group
			}
			return runnerType(labelKey)
		}
		qEnd := firstOf(s, c)
		if qEnd == nil || qEnd.After(q) {
			k := key(false)
			events[k] = append(events[k], concEvent{at: q, queue: 1})
			if qEnd != nil {
				events[k] = append(events[k], concEvent{at: *qEnd, queue: -1})
			}
		}
		if s != nil && (c == nil || c.After(*s)) {
			k := key(true)
			events[k] = append(events[k], concEvent{at: *s, run: 1})
			if c != nil {
				events[k] = append(events[k], concEvent{at: *c, run: -1})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if by == "type" { // both types always answer, so that a threshold has a series to sit on
		for _, t := range []string{typeHosted, typeSelfHosted} {
			if _, ok := events[t]; !ok {
				events[t] = nil
			}
		}
	}
	names := make([]string, 0, len(events))
	for k := range events {
		names = append(names, k)
	}
	slices.Sort(names)
	frames := data.Frames{}
	for _, k := range names {
		run, queue := peaks(g, req.To, events[k])
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

// peaks sweeps one group's events into per-bucket peaks of running and queued jobs.
// Events at or after to are left out: the answer covers the range only.
func peaks(g *grid, to time.Time, ev []concEvent) (run, queue []float64) {
	slices.SortFunc(ev, func(a, b concEvent) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.run+a.queue, b.run+b.queue) // ends first
	})
	run, queue = make([]float64, len(g.times)), make([]float64, len(g.times))
	var r, q, bucket int
	i := 0
	for ; i < len(ev) && g.index(ev[i].at) < 0; i++ { // the levels carried into the range
		r, q = r+ev[i].run, q+ev[i].queue
	}
	for bucket = 0; bucket < len(g.times); bucket++ {
		// The level at the bucket's first instant counts what changes at that instant: a
		// job that ended exactly then is not running in the bucket.
		for ; i < len(ev) && ev[i].at.Equal(g.times[bucket]) && ev[i].at.Before(to); i++ {
			r, q = r+ev[i].run, q+ev[i].queue
		}
		pr, pq := r, q
		for ; i < len(ev) && g.index(ev[i].at) == bucket && ev[i].at.Before(to); i++ {
			r, q = r+ev[i].run, q+ev[i].queue
			pr, pq = max(pr, r), max(pq, q)
		}
		run[bucket], queue[bucket] = float64(pr), float64(pq)
	}
	return run, queue
}

func firstOf(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil {
			return t
		}
	}
	return nil
}

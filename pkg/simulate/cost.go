package simulate

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
)

// Cost and runner demand in the simulated world (issue 16): repositories are private or
// public (OrgConfig.PublicShare), hosted pools carry GitHub's price and billing SKU
// (PoolConfig.PricePerMinute, SKU, Larger), and a hosted pool's capacity is the
// organisation's concurrency limit for it, past which jobs queue. The truth holds what
// GitHub would bill and the peak concurrency; the fake API serves the billing usage report
// of the same jobs.

// Visibility is the repository's visibility as GitHub's payloads say it.
func (r *Repo) Visibility() string {
	if r.Public {
		return "public"
	}
	return "private"
}

// billed is one job as GitHub bills it: nothing when it ran on no hosted runner, or on a
// standard one in a public repository.
func billed(j *Job) (minutes int64, ok bool) {
	pc := j.Pool.Config
	if !pc.Hosted || j.Run.gitlab() || j.RunnerName == "" || j.Status != "completed" || j.Started.IsZero() || j.Completed.IsZero() {
		return 0, false
	}
	if j.Run.Repo().Public && !pc.Larger {
		return 0, false
	}
	// Rounded up to the whole minute, job by job.
	return int64(math.Ceil(max(j.Completed.Sub(j.Started), 0).Seconds() / 60)), true
}

// Peak is the most jobs running, and the most queued, at any one instant.
type Peak struct {
	Running int `json:"running"`
	Queued  int `json:"queued"`
}

// costTruth fills the cost and concurrency figures of t. Call with the lock held.
func (s *sim) costTruth(t *Truth) {
	t.BillableMinutes, t.Cost, t.PeakConcurrency = map[string]int64{}, map[string]float64{}, map[string]Peak{}
	type change struct {
		at         time.Time
		run, queue int
	}
	changes := map[string][]change{}
	for _, j := range s.jobs {
		if j.Run.gitlab() {
			continue // GitHub's bill and GitHub's runner types: GitLab's jobs are in neither
		}
		repo := j.Run.Repo().FullName()
		if m, ok := billed(j); ok {
			t.BillableMinutes[repo] += m
			t.Cost[repo] += float64(m) * j.Pool.Config.PricePerMinute
		}
		// Demand, as the store's concurrency query counts it: queued from creation (or the
		// approval) until a runner took the job or it ended, running from start to end.
		typ := "self-hosted"
		if j.Pool.Config.Hosted {
			typ = "github-hosted"
		}
		if j.Vanished || (j.Gated && j.Approved.IsZero()) {
			continue // no truth the store can hold: see docs/simulator.md
		}
		from := j.Created
		if j.Gated {
			from = j.Approved
		}
		qEnd := j.Completed
		if j.RunnerName != "" && !j.Started.IsZero() {
			qEnd = j.Started
			changes[typ] = append(changes[typ], change{at: j.Started, run: 1})
			if !j.Completed.IsZero() {
				changes[typ] = append(changes[typ], change{at: j.Completed, run: -1})
			}
		}
		if qEnd.IsZero() || qEnd.After(from) {
			changes[typ] = append(changes[typ], change{at: from, queue: 1})
			if !qEnd.IsZero() {
				changes[typ] = append(changes[typ], change{at: qEnd, queue: -1})
			}
		}
	}
	for typ, cs := range changes {
		// Ends before starts at the same instant: a job's interval is [start, end).
		slices.SortFunc(cs, func(a, b change) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return cmp.Compare(a.run+a.queue, b.run+b.queue)
		})
		var p Peak
		run, queue := 0, 0
		for _, c := range cs {
			if !c.at.Before(s.now) {
				break
			}
			run, queue = run+c.run, queue+c.queue
			p.Running, p.Queued = max(p.Running, run), max(p.Queued, queue)
		}
		t.PeakConcurrency[typ] = p
	}
}

var _ fakegithub.BillingSource = apiSource{}

// BillingUsage is what GitHub's billing usage report would list for org on day: per
// repository and SKU, the billed minutes of the jobs created that day (the day CI Radar
// counts a job at), at the pool's price, with no discount.
func (a apiSource) BillingUsage(org string, day time.Time) ([]fakegithub.UsageItem, bool) {
	o := a.org(org)
	if o == nil {
		return nil, false
	}
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	type key struct{ repo, sku string }
	sum := map[key]*fakegithub.UsageItem{}
	var keys []key
	from, to := day.UTC().Truncate(24*time.Hour), day.UTC().Truncate(24*time.Hour).Add(24*time.Hour)
	for _, j := range a.s.jobs {
		if j.Run.Repo().Org != o || j.Created.Before(from) || !j.Created.Before(to) {
			continue
		}
		m, ok := billed(j)
		if !ok {
			continue
		}
		pc := j.Pool.Config
		k := key{j.Run.Repo().Name, pc.SKU}
		it := sum[k]
		if it == nil {
			it = &fakegithub.UsageItem{Date: from.Format(time.RFC3339), Product: "actions", SKU: pc.SKU, UnitType: "minutes",
				PricePerUnit: pc.PricePerMinute, OrgName: org, RepositoryName: k.repo}
			sum[k] = it
			keys = append(keys, k)
		}
		it.Quantity += float64(m)
		it.GrossAmount += float64(m) * pc.PricePerMinute
		it.NetAmount = it.GrossAmount
	}
	out := make([]fakegithub.UsageItem, 0, len(keys))
	for _, k := range keys {
		out = append(out, *sum[k])
	}
	return out, true
}

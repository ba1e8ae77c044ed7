package simulate

import (
	"container/heap"
	"sync"
	"time"
)

// sim is the event loop. Actions run in time order (ties in the order they were planned),
// single-threaded, and every random draw comes from s.r, which is what makes a world
// reproducible whatever the step sizes of Advance.
type sim struct {
	w   *World
	r   rng
	now time.Time
	seq uint64
	q   actionHeap
	out []Event

	mu       sync.RWMutex // guards the state below for the fake API
	jobs     []*Job
	runs     []*Run
	jobsByID map[int64]*Job
	runsByID map[int64]*Run // the latest attempt
	attempts map[int64][]*Run
	byRepo   map[*Repo][]int64 // run ids in creation order
	hosted   int64             // ephemeral hosted runners handed out so far
	nextID   int64
	tagged   map[int64]bool // GitLab jobs a hook naming their runner's tags was sent for
}

type action struct {
	at  time.Time
	seq uint64
	fn  func()
}

type actionHeap []*action

func (h actionHeap) Len() int { return len(h) }
func (h actionHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h actionHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *actionHeap) Push(x any)   { *h = append(*h, x.(*action)) }
func (h *actionHeap) Pop() any {
	old := *h
	a := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return a
}

func newSim(w *World) *sim {
	s := &sim{w: w, r: newRNG(w.Seed, 2), now: w.Start,
		jobsByID: map[int64]*Job{}, runsByID: map[int64]*Run{},
		attempts: map[int64][]*Run{}, byRepo: map[*Repo][]int64{}, tagged: map[int64]bool{}}
	for _, org := range w.Orgs {
		for _, p := range org.Pools {
			for _, r := range p.Runners {
				s.scheduleOutage(r)
			}
		}
	}
	for _, repo := range w.Repos {
		for _, wf := range repo.Workflows {
			s.planTriggers(wf)
		}
	}
	return s
}

// at plans fn at time t.
func (s *sim) at(t time.Time, fn func()) {
	s.seq++
	heap.Push(&s.q, &action{at: t.Truncate(time.Second), seq: s.seq, fn: fn})
}

// advance runs every action before until and returns the events they produced, in order.
func (s *sim) advance(until time.Time) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out = nil
	for len(s.q) > 0 && s.q[0].at.Before(until) {
		a := heap.Pop(&s.q).(*action)
		s.now = a.at
		a.fn()
	}
	if until.After(s.now) {
		s.now = until
	}
	return s.out
}

func (s *sim) newID() int64 {
	s.nextID++
	return s.w.idBase + s.nextID
}

// activity is how busy people are at t, relative to a weekday office hour.
func (s *sim) activity(t time.Time) float64 {
	a := s.w.Config.Activity
	f := 1.0
	if h := t.Hour(); h < a.OfficeStart || h >= a.OfficeEnd {
		f = a.OffHoursFactor
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		f *= a.WeekendFactor
	}
	return f
}

// planTriggers starts a workflow's trigger processes: pushes and pull requests as a
// Poisson process thinned by activity, manual dispatches in office hours, and a nightly
// schedule that fires for every repository at nearly the same minute.
func (s *sim) planTriggers(wf *Workflow) {
	var code []string
	for _, on := range wf.Config.On {
		switch on {
		case "push", "pull_request":
			code = append(code, on)
		case "workflow_dispatch":
			s.poisson(wf, s.w.Config.Activity.DispatchPerDay/float64(s.officeHours()), true, []string{on})
		case "schedule":
			s.planNightly(wf, s.now)
		case "release":
			s.planReleases(wf)
		}
	}
	if len(code) > 0 && wf.Config.PerHour > 0 {
		s.poisson(wf, wf.Config.PerHour, false, code)
	}
}

func (s *sim) officeHours() int {
	a := s.w.Config.Activity
	return max(a.OfficeEnd-a.OfficeStart, 1)
}

// poisson plans the next candidate trigger at peak rate perHour and keeps it with the
// probability the hour's activity allows; officeOnly keeps only full office hours.
func (s *sim) poisson(wf *Workflow, perHour float64, officeOnly bool, events []string) {
	if perHour <= 0 {
		return
	}
	gap := s.r.exp(time.Duration(float64(time.Hour) / perHour))
	s.at(s.now.Add(max(gap, time.Second)), func() {
		f := s.activity(s.now)
		if officeOnly && f < 1 {
			f = 0
		}
		if s.r.chance(f) {
			s.startRun(wf, events[s.r.IntN(len(events))], nil)
		}
		s.poisson(wf, perHour, officeOnly, events)
	})
}

// planNightly plans the next nightly run after t. GitHub starts scheduled runs a few
// minutes late, and all at once across repositories: the nightly burst.
func (s *sim) planNightly(wf *Workflow, after time.Time) {
	hm, _ := time.Parse("15:04", wf.Config.Nightly)
	day := after.Truncate(24 * time.Hour)
	next := day.Add(time.Duration(hm.Hour())*time.Hour + time.Duration(hm.Minute())*time.Minute)
	if !next.After(after) {
		next = next.Add(24 * time.Hour)
	}
	delay := s.r.secondsBetween(0, 8*60)
	s.at(next.Add(delay), func() {
		s.startRun(wf, "schedule", nil)
		s.planNightly(wf, next)
	})
}

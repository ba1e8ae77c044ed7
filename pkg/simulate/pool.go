package simulate

import (
	"fmt"
	"time"
)

// Pool is one organisation's runners for one label set. Jobs wait in arrival order; a
// free, online runner takes the oldest.
type Pool struct {
	Org     *Org
	Config  *PoolConfig
	Key     string // the store's label_key
	GroupID int64
	Runners []*Runner
	queue   []*Job
}

// Runner is a self-hosted runner, or one slot of hosted capacity whose name and id change
// with every job, like GitHub's ephemeral hosted runners.
type Runner struct {
	Pool   *Pool
	ID     int64
	Name   string
	Online bool
	job    *Job // assigned or running
	// leaving is set when an outage begins while busy: the runner goes offline once its
	// job is done.
	leaving bool
}

// Busy reports whether the runner has a job.
func (r *Runner) Busy() bool { return r.job != nil }

func newPool(w *World, org *Org, pc *PoolConfig, index int) *Pool {
	p := &Pool{Org: org, Config: pc, Key: poolKey(pc.Labels)}
	if !pc.Hosted {
		p.GroupID = int64(index) + 2 // group 1 is the org's Default group
	}
	for i := range pc.Capacity {
		r := &Runner{Pool: p, Online: true}
		if !pc.Hosted {
			r.ID = int64(index)*1000 + int64(i) + 1
			r.Name = fmt.Sprintf("%s-%s-%02d", org.Name, pc.Group, i+1)
		}
		p.Runners = append(p.Runners, r)
	}
	return p
}

// GroupName is the runner group jobs report.
func (p *Pool) GroupName() string {
	if p.Config.Hosted {
		return "GitHub Actions"
	}
	return p.Config.Group
}

// enqueue adds a job to its pool and lets a free runner take it.
func (s *sim) enqueue(j *Job) {
	j.Pool.queue = append(j.Pool.queue, j)
	s.dispatch(j.Pool)
}

// dispatch hands queued jobs to free runners, oldest job first.
func (s *sim) dispatch(p *Pool) {
	for _, r := range p.Runners {
		if len(p.queue) == 0 {
			return
		}
		if r.job != nil || !r.Online {
			continue
		}
		j := s.nextQueued(p)
		if j == nil {
			return
		}
		r.job = j
		j.runner = r
		pick := s.r.secondsBetween(p.Config.PickupSeconds[0], p.Config.PickupSeconds[1])
		s.at(s.now.Add(pick), func() { s.startJob(j) })
	}
}

// nextQueued pops the oldest job still waiting for a runner; cancelled jobs are skipped.
func (s *sim) nextQueued(p *Pool) *Job {
	for len(p.queue) > 0 {
		j := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		if j.Status == "queued" {
			return j
		}
	}
	return nil
}

// release frees a job's runner, takes it offline if an outage is pending, and lets it
// take the next job.
func (s *sim) release(j *Job) {
	r := j.runner
	if r == nil {
		return
	}
	r.job, j.runner = nil, nil
	if r.leaving {
		r.leaving = false
		s.goOffline(r)
	}
	s.dispatch(r.Pool)
}

// scheduleOutage plans a self-hosted runner's next trip offline.
func (s *sim) scheduleOutage(r *Runner) {
	pc := r.Pool.Config
	if pc.Hosted || pc.OutagesPerDay <= 0 {
		return
	}
	gap := s.r.exp(time.Duration(float64(24*time.Hour) / pc.OutagesPerDay)).Truncate(time.Second)
	s.at(s.now.Add(gap), func() {
		if r.job != nil {
			r.leaving = true
			return
		}
		s.goOffline(r)
	})
}

func (s *sim) goOffline(r *Runner) {
	r.Online = false
	pc := r.Pool.Config
	back := s.r.secondsBetween(pc.OutageMinutes[0]*60, pc.OutageMinutes[1]*60)
	s.at(s.now.Add(back), func() {
		r.Online = true
		s.scheduleOutage(r)
		s.dispatch(r.Pool)
	})
}

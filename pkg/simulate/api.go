package simulate

import (
	"slices"

	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
	"github.com/google/go-github/v62/github"
)

// Source is the world as the fake REST API sees it: always the true, current state,
// whatever happened to the webhooks.
func (x *Simulator) Source() fakegithub.Source { return apiSource{x.s} }

type apiSource struct{ s *sim }

var _ fakegithub.Source = apiSource{}

// org is a GitHub organisation of the world; GitHub does not know the GitLab groups.
func (a apiSource) org(name string) *Org {
	if o := a.s.w.Org(name); o != nil && !o.GitLab() {
		return o
	}
	return nil
}

func (a apiSource) repo(owner, name string) *Repo {
	o := a.org(owner)
	if o == nil {
		return nil
	}
	for _, r := range o.Repos {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func (a apiSource) Repos(org string) ([]*github.Repository, bool) {
	o := a.org(org)
	if o == nil {
		return nil, false
	}
	out := make([]*github.Repository, len(o.Repos))
	for i, r := range o.Repos {
		out[i] = APIRepo(r)
	}
	return out, true
}

func (a apiSource) Runs(owner, name string) ([]*github.WorkflowRun, bool) {
	repo := a.repo(owner, name)
	if repo == nil {
		return nil, false
	}
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	ids := a.s.byRepo[repo]
	out := make([]*github.WorkflowRun, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		out = append(out, APIRun(a.s.runsByID[ids[i]]))
	}
	return out, true
}

// attempt finds a run attempt of the repository (0: the latest). Call with the lock held.
func (a apiSource) attempt(owner, name string, id int64, n int) *Run {
	repo := a.repo(owner, name)
	run := a.s.runsByID[id]
	if repo == nil || run == nil || run.Repo() != repo {
		return nil
	}
	if n == 0 {
		return run
	}
	if all := a.s.attempts[id]; n <= len(all) {
		return all[n-1]
	}
	return nil
}

func (a apiSource) Run(owner, name string, id int64, n int) (*github.WorkflowRun, bool) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	run := a.attempt(owner, name, id, n)
	if run == nil {
		return nil, false
	}
	return APIRun(run), true
}

func (a apiSource) RunJobs(owner, name string, id int64, n int, all bool) ([]*github.WorkflowJob, bool) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	run := a.attempt(owner, name, id, n)
	if run == nil {
		return nil, false
	}
	runs := []*Run{run}
	if all {
		runs = slices.Clone(a.s.attempts[id])
	}
	var out []*github.WorkflowJob
	for _, r := range runs {
		for _, j := range r.Jobs {
			if !j.Vanished {
				out = append(out, APIJob(j))
			}
		}
	}
	return out, true
}

func (a apiSource) job(owner, name string, id int64) *Job {
	j := a.s.jobsByID[id]
	if j == nil || j.Vanished || j.Run.Repo() != a.repo(owner, name) { // a forgotten job answers 404
		return nil
	}
	return j
}

func (a apiSource) Job(owner, name string, id int64) (*github.WorkflowJob, bool) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	if j := a.job(owner, name, id); j != nil {
		return APIJob(j), true
	}
	return nil, false
}

// JobLog is there once the job has finished, as on GitHub.
func (a apiSource) JobLog(owner, name string, id int64) (string, bool) {
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	j := a.job(owner, name, id)
	if j == nil || j.Status != "completed" || j.RunnerName == "" {
		return "", false
	}
	return Log(j), true
}

// Runners lists the organisation's self-hosted runners; hosted runners are not listed,
// as on GitHub.
func (a apiSource) Runners(org string) ([]*github.Runner, bool) {
	o := a.org(org)
	if o == nil {
		return nil, false
	}
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	var out []*github.Runner
	for _, p := range o.Pools {
		if p.Config.Hosted {
			continue
		}
		for _, r := range p.Runners {
			status := "offline"
			if r.Online {
				status = "online"
			}
			gr := &github.Runner{ID: ptr(r.ID), Name: ptr(r.Name), OS: ptr(p.Config.OS), Status: ptr(status), Busy: ptr(r.Busy())}
			for i, l := range p.Config.Labels {
				typ := "custom"
				if i == 0 || l == "linux" || l == "x64" {
					typ = "read-only"
				}
				gr.Labels = append(gr.Labels, &github.RunnerLabels{ID: ptr(int64(i + 1)), Name: ptr(l), Type: ptr(typ)})
			}
			out = append(out, gr)
		}
	}
	return out, true
}

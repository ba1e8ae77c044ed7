package simulate

import "time"

// The ground truth of GitLab's jobs and pipelines is held in the store's terms, as GitHub's
// is: what a correct store shows after the hooks and one reconcile cycle.

// ForgeTruth is one forge's part of the world: Truth's counts, for that forge's rows only.
type ForgeTruth struct {
	Jobs        map[string]int `json:"jobs"`
	Runs        map[string]int `json:"runs"`
	RunsByEvent map[string]int `json:"runs_by_event"`
}

func (t *Truth) forge(f string) *ForgeTruth {
	if t.Forges == nil {
		t.Forges = map[string]*ForgeTruth{}
	}
	ft := t.Forges[f]
	if ft == nil {
		ft = &ForgeTruth{Jobs: map[string]int{}, Runs: map[string]int{}, RunsByEvent: map[string]int{}}
		t.Forges[f] = ft
	}
	return ft
}

// jobStatus is a job's status as the store holds it. A GitLab job's status only moves
// forward and 'manual' (waiting) ranks above 'pending' (queued), so a manual job played
// and still pending stays waiting.
func jobStatus(j *Job) string {
	if j.Run.gitlab() && j.Gated && j.Status == "queued" {
		return "waiting"
	}
	return j.Status
}

// labelKeyOf is a job's label_key in the store. GitLab's labels are the tags of the runner
// that took the job, which only hooks carry (its Job Hooks, and its pipeline's hooks'
// builds; the API's job does not, and the reconciler takes none from it): a job no runner
// took has none, and neither has one whose every hook naming its runner was dropped. Call
// with the lock held.
func (s *sim) labelKeyOf(j *Job) string {
	if j.Run.gitlab() && (j.RunnerName == "" || !s.tagged[j.ID]) {
		return ""
	}
	return j.Pool.Key
}

// noteTags records the GitLab jobs whose runner's tags were sent.
func (s *sim) noteTags(sent []Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range sent {
		for _, id := range d.jobs {
			s.tagged[id] = true
		}
	}
}

// taggedJobs are the jobs whose runner (with its tags) a GitLab hook of e names, as its
// payload is rendered: a Job Hook's job once a runner took it, and every such job among a
// Pipeline Hook's builds, which the store projects like Job Hooks.
func taggedJobs(e Event) []int64 {
	if e.Job != nil {
		if e.Job.RunnerName != "" {
			return []int64{e.Job.ID}
		}
		return nil
	}
	var ids []int64
	for _, j := range e.Run.Jobs {
		if j.RunnerName != "" {
			ids = append(ids, j.ID)
		}
	}
	return ids
}

// storeEvent is a run's event as the store holds it: GitLab's pipeline source.
func storeEvent(r *Run) string {
	if r.gitlab() {
		return gitlabSource(r)
	}
	return r.Event
}

// gitlabManualWait is a GitLab manual job's wait for a person, from becoming 'manual' to
// being played; ok is false for any other job. The store keeps it apart (manual_wait_s),
// never in the queue time.
func gitlabManualWait(j *Job) (time.Duration, bool) {
	if !j.Run.gitlab() || !j.Gated || j.Approved.IsZero() {
		return 0, false
	}
	return j.Approved.Sub(j.Manual), true
}

// gitlabSteps is a GitLab job's part of the step figures: GitLab sends no steps, so a
// failed job has no failing step, and a failed job with allow_failure passed with warnings.
func (t *Truth) gitlabSteps(j *Job) {
	if j.Status != "completed" || j.Conclusion != "failure" {
		return
	}
	t.FailedSteps[j.ID] = ""
	if j.Spec.AllowFailure {
		t.PassedWithWarnings++
	}
}

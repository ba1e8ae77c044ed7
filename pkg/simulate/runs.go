package simulate

import (
	"fmt"
	"slices"
	"strings"
)

var actors = []string{"octocat", "hubot", "monalisa", "dependabot[bot]", "renovate[bot]", "jdoe", "asmith", "lchen"}

// startRun creates a run of wf (attempt 1, or a re-run of prev) and its first stage.
func (s *sim) startRun(wf *Workflow, event string, prev *Run) {
	run := &Run{Workflow: wf, Event: event, Status: "queued", Created: s.now, Started: s.now, Updated: s.now, Prev: prev}
	if prev != nil {
		run.ID, run.Attempt, run.Number = prev.ID, prev.Attempt+1, prev.Number
		run.Branch, run.SHA, run.Actor, run.PR, run.Created = prev.Branch, prev.SHA, prev.Actor, prev.PR, prev.Created
	} else {
		wf.runNumber++
		run.ID, run.Attempt, run.Number = s.newID(), 1, wf.runNumber
		run.SHA = fmt.Sprintf("%016x%016x%08x", hash64(uint64(run.ID), 1), hash64(uint64(run.ID), 2), uint32(hash64(uint64(run.ID), 3)))
		run.Branch, run.Actor = "main", actors[s.r.IntN(len(actors))]
		switch event {
		case "pull_request":
			run.PR = 1 + s.r.IntN(4000)
			run.Branch = fmt.Sprintf("feature/%s-%d", repoWords[0][s.r.IntN(len(repoWords[0]))], run.PR)
		case "schedule":
			run.Actor = "github-actions[bot]"
		case "release":
			run.Branch = releaseTag(wf)
		}
	}
	s.runs = append(s.runs, run)
	s.runsByID[run.ID] = run
	s.attempts[run.ID] = append(s.attempts[run.ID], run)
	if prev == nil {
		s.byRepo[wf.Repo] = append(s.byRepo[wf.Repo], run.ID)
	}
	if run.gitlab() {
		s.emitRun(run, "created") // GitLab's pipeline is created, then pending
		s.createPipelineJobs(run)
	}
	s.emitRun(run, "requested")
	if prev == nil && s.r.chance(s.w.Config.CancelRate) {
		s.at(s.now.Add(s.r.secondsBetween(30, 15*60)), func() { s.cancelRun(run) })
	}
	s.startStage(run)
}

// startStage creates the jobs of the run's current stage, expanding matrices and
// reusable-workflow calls the way GitHub names them.
func (s *sim) startStage(run *Run) {
	if run.gitlab() {
		s.startGitLabStage(run)
		return
	}
	for si := range run.Workflow.Config.Stages[run.stage] {
		spec := &run.Workflow.Config.Stages[run.stage][si]
		for _, name := range expand(spec) {
			s.createJob(run, spec, name)
		}
	}
}

func expand(spec *JobSpec) []string {
	names := []string{spec.Name}
	if len(spec.Calls) > 0 {
		names = nil
		for _, c := range spec.Calls {
			names = append(names, spec.Name+" / "+c)
		}
	}
	keys := make([]string, 0, len(spec.Matrix))
	for k := range spec.Matrix {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var combos [][]string = [][]string{nil}
	for _, k := range keys {
		var next [][]string
		for _, c := range combos {
			for _, v := range spec.Matrix[k] {
				next = append(next, append(slices.Clone(c), v))
			}
		}
		combos = next
	}
	if len(keys) == 0 {
		return names
	}
	var out []string
	for _, n := range names {
		for _, c := range combos {
			out = append(out, n+" ("+strings.Join(c, ", ")+")")
		}
	}
	return out
}

func (s *sim) createJob(run *Run, spec *JobSpec, name string) {
	s.enter(s.newJob(run, spec, name, "queued"))
}

func (s *sim) newJob(run *Run, spec *JobSpec, name, status string) *Job {
	org := run.Repo().Org
	var pool *Pool
	for _, p := range org.Pools {
		if p.Key == poolKey(spec.RunsOn) {
			pool = p
		}
	}
	j := &Job{ID: s.newID(), Run: run, Name: name, Spec: spec, Pool: pool, Status: status, Created: s.now, stage: run.stage}
	run.Jobs = append(run.Jobs, j)
	s.jobs = append(s.jobs, j)
	s.jobsByID[j.ID] = j
	return j
}

// enter moves a new job, or a GitLab job whose stage has come, on: to an approval (GitLab:
// a person playing the manual job), or to the queue.
func (s *sim) enter(j *Job) {
	if j.Spec.Environment != "" {
		j.Gated, j.Status, j.Manual = true, "waiting", s.now
		s.emitJob(j, "waiting")
		wait := s.r.minutes(s.w.Config.Approvals.Minutes)
		s.at(s.now.Add(wait), func() {
			if j.Status != "waiting" {
				return
			}
			j.Status, j.Approved = "queued", s.now
			s.queue(j)
		})
		return
	}
	j.Status = "queued"
	s.queue(j)
}

// queue announces a job as queued and hands it to its pool, unless GitHub forgets it
// (VanishRate) or its run is to be cancelled while it waits (QueueCancelRate). The chances
// are drawn only when set, so worlds without them play exactly as before.
func (s *sim) queue(j *Job) {
	j.Pending = s.now
	s.emitJob(j, "queued")
	cfg := &s.w.Config
	// GitLab forgets no single job (a deleted pipeline takes all of its own), so its
	// groups ignore VanishRate.
	if cfg.VanishRate > 0 && !j.Run.gitlab() && s.r.chance(cfg.VanishRate) {
		j.Vanished = true
		return
	}
	if cfg.QueueCancelRate > 0 && s.r.chance(cfg.QueueCancelRate) {
		wait := s.r.secondsBetween(30, 15*60)
		if s.r.chance(0.3) {
			wait = s.r.secondsBetween(60*60, 6*60*60) // given up on after hours
		}
		s.at(s.now.Add(wait), func() {
			if j.Status == "queued" {
				j.QueueCancelled = true
				s.cancelRun(j.Run)
			}
		})
	}
	s.enqueue(j)
}

// startJob runs when the runner picked for j is ready.
func (s *sim) startJob(j *Job) {
	if j.Status != "queued" {
		return
	}
	r := j.runner
	if r.Pool.Config.Hosted {
		s.hosted++
		r.ID, r.Name = 100_000+s.hosted, fmt.Sprintf("GitHub Actions %d", s.hosted)
		if j.Run.gitlab() {
			r.Name = sharedRunnerName(s.hosted)
		}
	}
	j.Status, j.Started = "in_progress", s.now
	j.RunnerID, j.RunnerName = r.ID, r.Name
	j.RunnerGroupID, j.RunnerGroupName = r.Pool.GroupID, r.Pool.GroupName()
	j.duration = s.r.minutes(j.Spec.Minutes)
	s.decideFailure(j)
	s.emitJob(j, "in_progress")
	if run := j.Run; run.Status == "queued" {
		run.Status, run.Updated = "in_progress", s.now
		s.emitRun(run, "in_progress")
	}
	s.at(s.now.Add(j.duration), func() { s.finishJob(j) })
}

func (s *sim) finishJob(j *Job) {
	if j.Status != "in_progress" {
		return
	}
	j.Status, j.Completed, j.Conclusion = "completed", s.now, "success"
	if j.Failure != nil {
		j.Conclusion = "failure"
	}
	s.emitJob(j, "completed")
	s.release(j)
	s.advanceRun(j.Run)
}

// advanceRun moves a run on once every job of its stage is done.
func (s *sim) advanceRun(run *Run) {
	failed := false
	for _, j := range run.Jobs {
		if j.stage > run.stage {
			continue // a GitLab job of a later stage, still created
		}
		if j.Status != "completed" {
			return
		}
		failed = failed || j.Conclusion == "failure" && !(run.gitlab() && j.Spec.AllowFailure)
	}
	if run.Status == "completed" {
		return
	}
	if !failed && run.stage+1 < len(run.Workflow.Config.Stages) {
		run.stage++
		s.startStage(run)
		return
	}
	run.Conclusion = "success"
	if failed {
		run.Conclusion = "failure"
	}
	s.skipRest(run)
	s.completeRun(run)
	if failed && run.Attempt == 1 && !run.gitlab() { // GitLab's retries are not simulated
		p := s.w.Config.RerunOther
		if flakyFailure(run) {
			p = s.w.Config.RerunFlaky
		}
		if s.r.chance(p) {
			s.at(s.now.Add(s.r.secondsBetween(2*60, 30*60)), func() { s.startRun(run.Workflow, run.Event, run) })
		}
	}
}

func (s *sim) completeRun(run *Run) {
	run.Status, run.Updated = "completed", s.now
	s.emitRun(run, "completed")
}

// cancelRun cancels whatever of the run has not finished, like a user pressing Cancel.
func (s *sim) cancelRun(run *Run) {
	if run.Status == "completed" || s.runsByID[run.ID] != run {
		return
	}
	for _, j := range run.Jobs {
		if j.Status == "completed" || j.Vanished {
			continue // a forgotten job gets no more events
		}
		if j.Status != "in_progress" && !run.gitlab() {
			j.Started = s.now // GitHub reports a never-started job as started when cancelled
		}
		j.Status, j.Completed, j.Conclusion = "completed", s.now, "cancelled"
		s.emitJob(j, "completed")
		s.release(j)
	}
	run.Conclusion = "cancelled"
	s.completeRun(run)
}

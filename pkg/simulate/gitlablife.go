package simulate

import (
	"fmt"
	"slices"
)

// GitLab's pipeline lifecycle, where it differs from GitHub's run: every job is created
// with its pipeline ('created'), a stage's jobs go 'pending' (or 'manual') when the stages
// before it have passed, and when a stage fails the jobs of the later stages are
// 'skipped'. A failed job with allow_failure does not fail its stage. A pipeline has one
// attempt: GitLab's retries (a new job in the same pipeline) are not simulated.

// createPipelineJobs creates every job of a new GitLab pipeline, stage by stage.
func (s *sim) createPipelineJobs(run *Run) {
	for si, stage := range run.Workflow.Config.Stages {
		for i := range stage {
			spec := &stage[i]
			for _, name := range expand(spec) {
				j := s.newJob(run, spec, name, "created")
				j.stage = si
				s.emitJob(j, "created")
			}
		}
	}
}

// startGitLabStage moves the current stage's created jobs on. A pipeline that is running
// and now only waits for people to play manual jobs says so ('manual').
func (s *sim) startGitLabStage(run *Run) {
	manual := true
	for _, j := range run.Jobs {
		if j.stage == run.stage && j.Status == "created" {
			s.enter(j)
			manual = manual && j.Status == "waiting"
		}
	}
	if manual && run.Status == "in_progress" {
		run.Updated = s.now
		s.emitRun(run, "manual")
	}
}

// skipRest skips the jobs of a GitLab pipeline's stages that never came.
func (s *sim) skipRest(run *Run) {
	for _, j := range run.Jobs {
		if j.Status == "created" {
			j.Status, j.Conclusion = "completed", "skipped"
			s.emitJob(j, "completed")
		}
	}
}

// snapJobs copies a pipeline's jobs as they are now, for its Pipeline Hook.
func snapJobs(jobs []*Job) []*Job {
	out := make([]*Job, len(jobs))
	for i, j := range jobs {
		c := *j
		c.runner = nil
		out[i] = &c
	}
	return out
}

// sharedRunnerName is a GitLab instance runner's description, one per job like the
// instance's autoscaled runners.
func sharedRunnerName(n int64) string {
	return fmt.Sprintf("%d-blue.saas-linux.runners-manager.gitlab.example.com/default", n)
}

// gitlabJobStatus is a job's status in GitLab's words.
func gitlabJobStatus(j *Job) string {
	switch j.Status {
	case "waiting":
		return "manual"
	case "queued":
		return "pending"
	case "in_progress":
		return "running"
	case "completed":
		return gitlabConclusion(j.Conclusion)
	}
	return j.Status // created
}

func gitlabConclusion(c string) string {
	switch c {
	case "success", "skipped":
		return c
	case "cancelled":
		return "canceled"
	}
	return "failed"
}

// gitlabPipelineStatus is a pipeline's status in GitLab's words; manual says the pipeline
// waits for a person to play a manual job.
func gitlabPipelineStatus(r *Run, manual bool) string {
	switch r.Status {
	case "queued":
		return "pending"
	case "in_progress":
		if manual {
			return "manual"
		}
		return "running"
	}
	return gitlabConclusion(r.Conclusion)
}

// waitsForManual reports a running pipeline whose open jobs all wait for a person.
func waitsForManual(r *Run) bool {
	open := slices.IndexFunc(r.Jobs, func(j *Job) bool { return j.Status != "completed" && j.Status != "created" })
	return r.Status == "in_progress" && open >= 0 &&
		!slices.ContainsFunc(r.Jobs, func(j *Job) bool { return j.Status == "queued" || j.Status == "in_progress" })
}

// gitlabStages are a workflow's stage names, in order.
func gitlabStages(wf *WorkflowConfig) []string {
	out := make([]string, len(wf.Stages))
	for i := range wf.Stages {
		out[i] = gitlabStageName(wf, i)
	}
	return out
}

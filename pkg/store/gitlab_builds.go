package store

import (
	"cmp"
	"slices"
	"time"
)

// MaxPipelineBuilds is how many of a Pipeline Hook's jobs are projected from it, the lowest
// ids. Each job takes an advisory lock in the write's transaction, and Postgres' lock table
// is shared and finite: a hook with tens of thousands of jobs would fail its batch. Jobs
// past the cap are still projected from their own Job Hooks.
const MaxPipelineBuilds = 1000

// gitlabBuild is one job of a Pipeline Hook's "builds": the pipeline's latest jobs, each as
// it was when the hook was made. It says less than a Job Hook (plain timestamps only, often
// no runner tags or type), so it merges into the job's row as one more, poorer event.
type gitlabBuild struct {
	ID             int64         `json:"id"`
	Stage          string        `json:"stage"`
	Name           string        `json:"name"`
	Status         string        `json:"status"`
	CreatedAt      *gitlabTime   `json:"created_at"`
	StartedAt      *gitlabTime   `json:"started_at"`
	FinishedAt     *gitlabTime   `json:"finished_at"`
	QueuedDuration *float64      `json:"queued_duration"`
	AllowFailure   bool          `json:"allow_failure"`
	FailureReason  string        `json:"failure_reason"`
	Runner         *gitlabRunner `json:"runner"`
}

// jobsFromPipeline projects a Pipeline Hook's builds the way their own Job Hooks would be
// (jobFromGitLab), so a missed Job Hook is filled by its pipeline's. The pipeline gives what
// a build entry lacks: its id, name, ref, sha and project. An entry without an id, or one
// that is not storable, is left out rather than refusing the pipeline with it: its own Job
// Hook carries the job, and the raw log keeps the whole hook.
func jobsFromPipeline(ev *gitlabPipelineHook, received time.Time) []*Job {
	builds := slices.Clone(ev.Builds)
	slices.SortStableFunc(builds, func(a, b gitlabBuild) int { return cmp.Compare(a.ID, b.ID) })
	var jobs []*Job
	for _, b := range builds {
		if b.ID <= 0 {
			continue
		}
		if len(jobs) == MaxPipelineBuilds {
			break
		}
		hook := gitlabJobHook{
			Ref: ev.Attrs.Ref, SHA: ev.Attrs.SHA,
			BuildID: b.ID, BuildName: b.Name, BuildStage: b.Stage, BuildStatus: b.Status,
			BuildCreatedAt: b.CreatedAt, BuildStartedAt: b.StartedAt, BuildFinishedAt: b.FinishedAt,
			BuildQueuedDuration: b.QueuedDuration, BuildAllowFailure: b.AllowFailure,
			BuildFailureReason: b.FailureReason,
			PipelineID:         ev.Attrs.ID, ProjectID: ev.Project.ID, Runner: b.Runner,
			Commit: gitlabNamed{Name: ev.Attrs.Name}, Project: &ev.Project,
		}
		j := jobFromGitLab(&hook, received)
		if finishJob(j) != nil {
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs
}

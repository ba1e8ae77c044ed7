package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ClosedGitLab is a GitLab job's real completion (closed_by): it ranks as GitHub's does.
const ClosedGitLab = "gitlab"

// parseGitLab decodes a GitLab delivery into its projection: a Job Hook into a job, a
// Pipeline Hook into a run (GitLab's pipeline has one attempt: a retried job is a new job of
// the same pipeline) and the jobs its "builds" list (gitlab_builds.go). Every other event is only checked to be JSON and kept raw. The
// projection's action is GitLab's status, which is what GitHub's action says too.
func parseGitLab(d Delivery) (Projection, error) {
	switch d.Event {
	case GitLabJobHook:
		var ev gitlabJobHook
		if err := decode(d.Payload, &ev); err != nil {
			return Projection{}, fmt.Errorf("%w: %s: %v", ErrMalformed, d.Event, err)
		}
		if ev.BuildID == 0 {
			return Projection{}, fmt.Errorf("%w: %s without build_id", ErrMalformed, d.Event)
		}
		return Projection{Action: clean(ev.BuildStatus), Job: jobFromGitLab(&ev, d.ReceivedAt)}, nil
	case GitLabPipelineHook:
		var ev gitlabPipelineHook
		if err := decode(d.Payload, &ev); err != nil {
			return Projection{}, fmt.Errorf("%w: %s: %v", ErrMalformed, d.Event, err)
		}
		if ev.Attrs == nil || ev.Attrs.ID == 0 {
			return Projection{}, fmt.Errorf("%w: %s without object_attributes.id", ErrMalformed, d.Event)
		}
		return Projection{Action: clean(ev.Attrs.Status), Run: runFromGitLab(&ev, d.ReceivedAt),
			Jobs: jobsFromPipeline(&ev, d.ReceivedAt)}, nil
	default:
		var head struct {
			ObjectKind string `json:"object_kind"`
		}
		if err := decode(d.Payload, &head); err != nil {
			return Projection{}, fmt.Errorf("%w: %s: %v", ErrMalformed, d.Event, err)
		}
		return Projection{}, nil
	}
}

// gitlabJobStatus maps a GitLab job status onto CI Radar's, which only moves forward:
// created (held by earlier stages, a resource group or a delay: not asking for a runner),
// queued (pending, or preparing on the runner that took it), waiting (manual: waiting for a
// person), in_progress and completed. An unknown status is created, the lowest.
var gitlabJobStatus = map[string]string{
	"created": "created", "waiting_for_resource": "created", "scheduled": "created",
	"pending": "queued", "preparing": "queued", "manual": "waiting",
	"running": "in_progress", "canceling": "in_progress",
	"success": "completed", "failed": "completed", "canceled": "completed", "skipped": "completed",
}

// gitlabRunStatus maps a pipeline status onto GitHub's run statuses.
var gitlabRunStatus = map[string]string{
	"created": "requested", "waiting_for_resource": "queued", "preparing": "queued", "pending": "queued",
	"scheduled": "queued", "manual": "waiting", "running": "in_progress", "canceling": "in_progress",
	"success": "completed", "failed": "completed", "canceled": "completed", "skipped": "completed",
}

// gitlabConclusion is the conclusion of a finished job or pipeline, in GitHub's words. A
// job GitLab stopped for running too long timed out, as GitHub says of its own.
func gitlabConclusion(status, failureReason string) string {
	switch status {
	case "success":
		return "success"
	case "failed":
		if failureReason == "job_execution_timeout" || failureReason == "stuck_or_timeout_failure" {
			return "timed_out"
		}
		return "failure"
	case "canceled":
		return "cancelled"
	case "skipped":
		return "skipped"
	}
	return ""
}

func jobFromGitLab(ev *gitlabJobHook, received time.Time) *Job {
	raw := strings.ToLower(clean(ev.BuildStatus))
	status, ok := gitlabJobStatus[raw]
	if !ok {
		status = "created"
	}
	pl := jobPlace(ev)
	rt := received.UTC()
	j := &Job{
		JobID: ev.BuildID, RunID: ev.PipelineID, RunAttempt: 1,
		Org: pl.org, Repo: pl.repo, RepoID: pl.id,
		WorkflowName: clean(ev.Commit.Name), JobName: clean(ev.BuildName), Stage: clean(ev.BuildStage),
		HeadBranch: clean(ev.Ref), HeadSHA: clean(ev.SHA), Status: status,
		CreatedAt:    firstTime(ev.BuildCreatedAtISO, ev.BuildCreatedAt),
		AllowFailure: ev.BuildAllowFailure,
		Forge:        ForgeGitLab, ForgeURL: pl.instance,
		FirstSeenAt: rt, LastSeenAt: rt,
	}
	if pl.web != "" {
		j.HTMLURL = pl.web + "/-/jobs/" + strconv.FormatInt(ev.BuildID, 10)
		if ev.PipelineID > 0 {
			j.RunURL = pl.web + "/-/pipelines/" + strconv.FormatInt(ev.PipelineID, 10)
		}
	}
	if raw == "manual" {
		j.ManualSince = &rt
	}
	queued := ev.BuildQueuedDuration
	if queued != nil && (*queued < 0 || *queued != *queued) {
		queued = nil // negative or NaN: nothing to believe
	}
	if status == "queued" && queued != nil {
		// Still pending: the hook was made at most at its receipt, so this bounds the
		// moment it entered the queue from above; the exact value comes with the start.
		at := rt.Add(-seconds(*queued))
		j.QueuedAt = &at
	}
	if (raw == "canceled" || raw == "failed") && queued != nil && firstTime(ev.BuildStartedAtISO, ev.BuildStartedAt) == nil {
		// Cancelled or failed (stuck) without starting, after a queue (GitLab counts it to
		// the end): it asked for a runner, so it was abandoned. Without a queue it never
		// left 'created'. (A skipped job may carry a queue too, and asked for nothing.)
		end := firstTime(ev.BuildFinishedAtISO, ev.BuildFinishedAt)
		if end == nil {
			end = &rt
		}
		at := end.Add(-seconds(*queued))
		j.QueuedAt = &at
	}
	if jobRank(status) >= jobRank("in_progress") {
		j.StartedAt = firstTime(ev.BuildStartedAtISO, ev.BuildStartedAt)
		if j.StartedAt != nil && queued != nil {
			at := j.StartedAt.Add(-seconds(*queued))
			j.QueuedAt = &at
		}
		if r := ev.Runner; r != nil && r.ID > 0 {
			id := r.ID
			j.RunnerID, j.RunnerName, j.RunnerGroupName = &id, clean(r.Description), clean(r.RunnerType)
			for _, t := range r.Tags {
				j.Labels = append(j.Labels, clean(t))
			}
		}
	}
	j.LabelKey = labelKey(j.Labels)
	if status == "completed" {
		j.CompletedAt = firstTime(ev.BuildFinishedAtISO, ev.BuildFinishedAt)
		j.Conclusion = gitlabConclusion(raw, clean(ev.BuildFailureReason))
		j.ClosedBy = ClosedGitLab
		if raw == "failed" {
			j.FailureReason = clean(ev.BuildFailureReason)
		}
	}
	return j
}

// jobPlace is the job's project: the hook's "project" when it has one (GitLab 15.7 and
// later), else what its "repository" says.
func jobPlace(ev *gitlabJobHook) gitlabPlace {
	if p := ev.Project; p != nil && (p.PathWithNamespace != "" || p.WebURL != "") {
		pl := placeOf(*p)
		if pl.id == 0 {
			pl.id = ev.ProjectID
		}
		return pl
	}
	return placeOf(gitlabProject{ID: ev.ProjectID, WebURL: ev.Repository.Homepage, VisibilityLevel: ev.Repository.VisibilityLevel})
}

// seconds converts GitLab's fractional seconds, capped so that a hostile value cannot
// overflow a Duration (the times it moves are validated afterwards).
func seconds(s float64) time.Duration {
	const limit = float64(100 * 365 * 24 * 3600)
	return time.Duration(min(s, limit) * float64(time.Second))
}

func runFromGitLab(ev *gitlabPipelineHook, received time.Time) *Run {
	a := ev.Attrs
	raw := strings.ToLower(clean(a.Status))
	pl := placeOf(ev.Project)
	rt := received.UTC()
	title := clean(ev.Commit.Title)
	if title == "" {
		title, _, _ = strings.Cut(clean(ev.Commit.Message), "\n")
	}
	r := &Run{
		RunID: a.ID, RunAttempt: 1, Org: pl.org, Repo: pl.repo, RepoID: pl.id,
		WorkflowName: clean(a.Name), DisplayTitle: title, RunNumber: a.IID,
		// GitLab's source, kept as GitLab says it: 'schedule' is the nightly, as GitHub's
		// event of the same name; 'web' is a person pressing "Run pipeline".
		Event: clean(a.Source), Actor: clean(ev.User.Username), TriggeringActor: clean(ev.User.Username),
		Status: gitlabRunStatus[raw], HeadBranch: clean(a.Ref), HeadSHA: clean(a.SHA),
		DefaultBranch: pl.defaultBranch, RepoVisibility: pl.visibility,
		CreatedAt: a.CreatedAt.at(), UpdatedAt: maxTime(a.CreatedAt.at(), a.FinishedAt.at()),
		HTMLURL: clean(a.URL), Forge: ForgeGitLab, ForgeURL: pl.instance,
		FirstSeenAt: rt, LastSeenAt: rt,
	}
	if r.Status == "" {
		r.Status = "requested"
	}
	if r.HTMLURL == "" && pl.web != "" {
		r.HTMLURL = pl.web + "/-/pipelines/" + strconv.FormatInt(a.ID, 10)
	}
	if r.Status == "completed" {
		r.Conclusion = gitlabConclusion(raw, "")
	}
	if mr := ev.MergeRequest; mr != nil && mr.IID > 0 && mr.IID <= 1<<31-1 {
		r.PullRequests = []int32{int32(mr.IID)}
	}
	return r
}

// gitlabQueueSeconds is a GitLab job's wait for a runner: from entering 'pending' to its
// start, which is GitLab's own queued_duration. Earlier stages, resource groups, delays and
// a manual job's wait for a person come before 'pending', so none of them counts. Nil until
// a runner took the job, or when its hooks never said how long it was pending.
func (j *Job) gitlabQueueSeconds() *float64 {
	if j.StartedAt == nil || j.QueuedAt == nil || j.RunnerName == "" {
		return nil
	}
	s := max(j.StartedAt.Sub(*j.QueuedAt), 0).Seconds()
	return &s
}

// ManualWaitSeconds is a manual job's wait for a person: from the first hook that said
// 'manual' to entering 'pending' once played. Nil for a job that was never manual, or not
// played yet. It is never part of the queue time.
func (j *Job) ManualWaitSeconds() *float64 {
	if j.ManualSince == nil || j.QueuedAt == nil {
		return nil
	}
	s := max(j.QueuedAt.Sub(*j.ManualSince), 0).Seconds()
	return &s
}

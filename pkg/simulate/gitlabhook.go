package simulate

import (
	"fmt"
	"time"
)

// glJobHook is GitLab's Job Hook body: every member of GitLab's example, in its order. A
// job is a "build" in GitLab's hooks, and its "commit" is the pipeline.
type glJobHook struct {
	ObjectKind          string            `json:"object_kind"`
	Ref                 string            `json:"ref"`
	Tag                 bool              `json:"tag"`
	BeforeSHA           string            `json:"before_sha"`
	SHA                 string            `json:"sha"`
	RetriesCount        int               `json:"retries_count"`
	BuildID             int64             `json:"build_id"`
	BuildName           string            `json:"build_name"`
	BuildStage          string            `json:"build_stage"`
	BuildStatus         string            `json:"build_status"`
	BuildCreatedAt      *string           `json:"build_created_at"`
	BuildStartedAt      *string           `json:"build_started_at"`
	BuildFinishedAt     *string           `json:"build_finished_at"`
	BuildCreatedAtISO   *string           `json:"build_created_at_iso"`
	BuildStartedAtISO   *string           `json:"build_started_at_iso"`
	BuildFinishedAtISO  *string           `json:"build_finished_at_iso"`
	BuildDuration       *float64          `json:"build_duration"`
	BuildQueuedDuration *float64          `json:"build_queued_duration"`
	BuildAllowFailure   bool              `json:"build_allow_failure"`
	BuildFailureReason  string            `json:"build_failure_reason"`
	PipelineID          int64             `json:"pipeline_id"`
	Runner              *glRunner         `json:"runner"`
	ProjectID           int64             `json:"project_id"`
	ProjectName         string            `json:"project_name"`
	User                glUser            `json:"user"`
	Commit              glJobCommit       `json:"commit"`
	Repository          glRepository      `json:"repository"`
	Project             glProject         `json:"project"`
	Environment         *glEnvironment    `json:"environment"`
	SourcePipeline      *glSourcePipeline `json:"source_pipeline"`
}

// glJobCommit is the job hook's "commit": the pipeline, with its commit's message.
type glJobCommit struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	SHA         string   `json:"sha"`
	Message     string   `json:"message"`
	AuthorName  string   `json:"author_name"`
	AuthorEmail string   `json:"author_email"`
	AuthorURL   string   `json:"author_url"`
	Status      string   `json:"status"`
	Duration    *float64 `json:"duration"`
	StartedAt   *string  `json:"started_at"`
	FinishedAt  *string  `json:"finished_at"`
}

// glRepository is the job hook's "repository", all older GitLab versions said of the project.
type glRepository struct {
	Name            string `json:"name"`
	URL             string `json:"url"`
	Description     string `json:"description"`
	Homepage        string `json:"homepage"`
	GitHTTPURL      string `json:"git_http_url"`
	GitSSHURL       string `json:"git_ssh_url"`
	VisibilityLevel int    `json:"visibility_level"`
}

const zeroSHA = "0000000000000000000000000000000000000000"

// jobTimes are a job's times and durations as GitLab reports them at at: the queue from
// entering 'pending' (so far, while pending), the run from the start.
func jobTimes(j *Job, at time.Time) (queued, duration *float64) {
	switch {
	case j.RunnerName != "" && !j.Started.IsZero():
		queued = glSeconds(j.Started.Sub(j.Pending))
		end := at
		if !j.Completed.IsZero() {
			end = j.Completed
		}
		duration = glSeconds(end.Sub(j.Started))
	case j.Status == "queued":
		queued = glSeconds(at.Sub(j.Pending))
	case j.Status == "completed" && !j.Pending.IsZero():
		// Ended without a runner after entering 'pending' (cancelled or dropped while
		// queued): GitLab still counts its queue, to its end. A job that never left
		// 'created' has none.
		queued = glSeconds(j.Completed.Sub(j.Pending))
	}
	return queued, duration
}

// jobStarted is a job's start as GitLab reports it: only a job a runner took has one.
func jobStarted(j *Job) time.Time {
	if j.RunnerName == "" {
		return time.Time{}
	}
	return j.Started
}

func failureReason(j *Job) string {
	if j.Status == "completed" && j.Conclusion == "failure" {
		return "script_failure"
	}
	return "unknown_failure" // GitLab's value when nothing failed
}

func newGLJobHook(e Event) glJobHook {
	j, r := e.Job, e.Run
	repo := r.Repo()
	p := newGLProject(repo)
	queued, duration := jobTimes(j, e.At)
	started := jobStarted(j)
	author := newGLUser(r)
	h := glJobHook{ObjectKind: "build", Ref: r.Branch, Tag: r.Event == "release", BeforeSHA: zeroSHA, SHA: r.SHA,
		BuildID: j.ID, BuildName: j.Name, BuildStage: gitlabStageName(r.Workflow.Config, j.stage),
		BuildStatus: gitlabJobStatus(j), BuildCreatedAt: glTime(j.Created), BuildStartedAt: glTime(started),
		BuildFinishedAt: glTime(j.Completed), BuildCreatedAtISO: hookTS(j.Created), BuildStartedAtISO: hookTS(started),
		BuildFinishedAtISO: hookTS(j.Completed), BuildDuration: duration, BuildQueuedDuration: queued,
		BuildAllowFailure: j.Spec.AllowFailure, BuildFailureReason: failureReason(j), PipelineID: r.ID,
		Runner: newGLRunner(j), ProjectID: repo.ID, ProjectName: repo.Org.Name + " / " + repo.Name, User: author,
		Commit: glJobCommit{ID: r.ID, Name: r.Workflow.Config.Name, SHA: r.SHA, Message: title(r),
			AuthorName: author.Name, AuthorEmail: author.Username + "@users.noreply.gitlab.example.com",
			AuthorURL: repo.Org.world.gitlabWeb(author.Username), Status: gitlabPipelineStatus(r, false),
			StartedAt: glTime(r.Started), FinishedAt: glTime(runFinished(r))},
		Repository: glRepository{Name: repo.Name, URL: p.GitSSHURL, Description: p.Description, Homepage: p.WebURL,
			GitHTTPURL: p.GitHTTPURL, GitSSHURL: p.GitSSHURL, VisibilityLevel: p.VisibilityLevel},
		Project: p, Environment: newGLEnvironment(j), SourcePipeline: newGLSourcePipeline(r)}
	if r.Status == "completed" {
		h.Commit.Duration = glSeconds(r.Updated.Sub(r.Started))
	}
	return h
}

// runFinished is when a pipeline finished; zero while it runs.
func runFinished(r *Run) time.Time {
	if r.Status != "completed" {
		return time.Time{}
	}
	return r.Updated
}

// gitlabEvent is the X-Gitlab-Event of an event's hook, and its status.
func gitlabEvent(e Event) (event, status string) {
	if e.Kind == "workflow_job" {
		return "Job Hook", gitlabJobStatus(e.Job)
	}
	return "Pipeline Hook", pipelineHookStatus(e)
}

// pipelineHookStatus is the status a Pipeline Hook reports: 'created' for the pipeline's
// first, then what the pipeline is.
func pipelineHookStatus(e Event) string {
	if e.Action == "created" {
		return "created"
	}
	return gitlabPipelineStatus(e.Run, waitsForManual(e.Run))
}

func gitlabPayload(e Event) any {
	if e.Kind == "workflow_job" {
		return newGLJobHook(e)
	}
	return newGLPipelineHook(e)
}

func glJobURL(j *Job) string {
	return j.Run.Repo().Org.world.gitlabWeb(fmt.Sprintf("%s/-/jobs/%d", j.Run.Repo().FullName(), j.ID))
}

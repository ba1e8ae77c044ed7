package simulate

import (
	"fmt"
	"time"
)

// glPipelineHook is GitLab's Pipeline Hook body: every member of GitLab's example, with
// the pipeline's jobs ("builds") as they are when it is sent.
type glPipelineHook struct {
	ObjectKind     string            `json:"object_kind"`
	Attrs          glPipelineAttrs   `json:"object_attributes"`
	MergeRequest   *glMergeRequest   `json:"merge_request"`
	User           glUser            `json:"user"`
	Project        glProject         `json:"project"`
	Commit         glCommit          `json:"commit"`
	SourcePipeline *glSourcePipeline `json:"source_pipeline"`
	Builds         []glBuild         `json:"builds"`
}

type glPipelineAttrs struct {
	ID             int64        `json:"id"`
	IID            int          `json:"iid"`
	Name           string       `json:"name"`
	Ref            string       `json:"ref"`
	Tag            bool         `json:"tag"`
	SHA            string       `json:"sha"`
	BeforeSHA      string       `json:"before_sha"`
	Source         string       `json:"source"`
	Status         string       `json:"status"`
	DetailedStatus string       `json:"detailed_status"`
	Stages         []string     `json:"stages"`
	CreatedAt      *string      `json:"created_at"`
	FinishedAt     *string      `json:"finished_at"`
	Duration       *float64     `json:"duration"`
	QueuedDuration *float64     `json:"queued_duration"`
	Variables      []glVariable `json:"variables"`
	URL            string       `json:"url"`
}

type glVariable struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type glMergeRequest struct {
	ID                  int64  `json:"id"`
	IID                 int    `json:"iid"`
	Title               string `json:"title"`
	SourceBranch        string `json:"source_branch"`
	SourceProjectID     int64  `json:"source_project_id"`
	TargetBranch        string `json:"target_branch"`
	TargetProjectID     int64  `json:"target_project_id"`
	State               string `json:"state"`
	MergeStatus         string `json:"merge_status"`
	DetailedMergeStatus string `json:"detailed_merge_status"`
	URL                 string `json:"url"`
}

type glCommit struct {
	ID        string   `json:"id"`
	Message   string   `json:"message"`
	Title     string   `json:"title"`
	Timestamp *string  `json:"timestamp"`
	URL       string   `json:"url"`
	Author    glPerson `json:"author"`
}

type glPerson struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// glBuild is a job as a Pipeline Hook lists it.
type glBuild struct {
	ID             int64          `json:"id"`
	Stage          string         `json:"stage"`
	Name           string         `json:"name"`
	Status         string         `json:"status"`
	CreatedAt      *string        `json:"created_at"`
	StartedAt      *string        `json:"started_at"`
	FinishedAt     *string        `json:"finished_at"`
	Duration       *float64       `json:"duration"`
	QueuedDuration *float64       `json:"queued_duration"`
	FailureReason  *string        `json:"failure_reason"`
	When           string         `json:"when"`
	Manual         bool           `json:"manual"`
	AllowFailure   bool           `json:"allow_failure"`
	User           glUser         `json:"user"`
	Runner         *glRunner      `json:"runner"`
	ArtifactsFile  glArtifacts    `json:"artifacts_file"`
	Environment    *glEnvironment `json:"environment"`
}

type glArtifacts struct {
	Filename *string `json:"filename"`
	Size     *int64  `json:"size"`
}

var detailedStatus = map[string]string{"success": "passed", "manual": "blocked"}

func newGLPipelineHook(e Event) glPipelineHook {
	r := e.Run
	repo := r.Repo()
	w := repo.Org.world
	status := pipelineHookStatus(e)
	detailed := detailedStatus[status]
	if detailed == "" {
		detailed = status
	}
	a := glPipelineAttrs{ID: r.ID, IID: r.Number, Name: r.Workflow.Config.Name, Ref: r.Branch, Tag: r.Event == "release",
		SHA: r.SHA, BeforeSHA: zeroSHA, Source: gitlabSource(r), Status: status, DetailedStatus: detailed,
		Stages: gitlabStages(r.Workflow.Config), CreatedAt: glTime(r.Created), FinishedAt: glTime(runFinished(r)),
		Variables: []glVariable{}, URL: w.gitlabWeb(fmt.Sprintf("%s/-/pipelines/%d", repo.FullName(), r.ID))}
	if first := firstStart(r); !first.IsZero() {
		a.QueuedDuration = glSeconds(first.Sub(r.Created))
		if r.Status == "completed" {
			a.Duration = glSeconds(r.Updated.Sub(first))
		}
	}
	if r.Event == "schedule" {
		a.Variables = append(a.Variables, glVariable{Key: "NIGHTLY", Value: "true"})
	}
	user := newGLUser(r)
	msg := title(r)
	h := glPipelineHook{ObjectKind: "pipeline", Attrs: a, User: user, Project: newGLProject(repo),
		Commit: glCommit{ID: r.SHA, Message: msg + "\n", Title: msg, Timestamp: hookTS(r.Created.Add(-90 * time.Second)),
			URL: w.gitlabWeb(repo.FullName() + "/-/commit/" + r.SHA), Author: glPerson{Name: user.Name, Email: user.Username + "@example.com"}},
		SourcePipeline: newGLSourcePipeline(r), Builds: []glBuild{}}
	if r.PR > 0 {
		h.MergeRequest = &glMergeRequest{ID: repo.ID%1_000_000*10_000 + int64(r.PR), IID: r.PR, Title: msg, SourceBranch: r.Branch,
			SourceProjectID: repo.ID, TargetBranch: "main", TargetProjectID: repo.ID, State: "opened",
			MergeStatus: "can_be_merged", DetailedMergeStatus: "mergeable",
			URL: w.gitlabWeb(fmt.Sprintf("%s/-/merge_requests/%d", repo.FullName(), r.PR))}
	}
	for _, j := range r.Jobs {
		h.Builds = append(h.Builds, newGLBuild(j, e.At, user))
	}
	return h
}

func newGLBuild(j *Job, at time.Time, user glUser) glBuild {
	queued, duration := jobTimes(j, at)
	manual := j.Spec.Environment != "" // a deploy is played by a person
	when := "on_success"
	if manual {
		when = "manual"
	}
	b := glBuild{ID: j.ID, Stage: gitlabStageName(j.Run.Workflow.Config, j.stage), Name: j.Name, Status: gitlabJobStatus(j),
		CreatedAt: glTime(j.Created), StartedAt: glTime(jobStarted(j)), FinishedAt: glTime(j.Completed), Duration: duration,
		QueuedDuration: queued, When: when, Manual: manual, AllowFailure: j.Spec.AllowFailure, User: user,
		Runner: newGLRunner(j), Environment: newGLEnvironment(j)}
	if j.Status == "completed" && j.Conclusion == "failure" {
		b.FailureReason = ptr("script_failure")
	}
	if j.Status == "completed" && j.Conclusion == "success" {
		b.ArtifactsFile = glArtifacts{Filename: ptr("artifacts.zip"), Size: ptr(int64(1024 + hash64(uint64(j.ID))%(4<<20)))}
	}
	return b
}

// firstStart is when a pipeline's first job started; zero before one did.
func firstStart(r *Run) time.Time {
	var first time.Time
	for _, j := range r.Jobs {
		if s := jobStarted(j); !s.IsZero() && (first.IsZero() || s.Before(first)) {
			first = s
		}
	}
	return first
}

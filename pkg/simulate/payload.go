package simulate

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/go-github/v62/github"
)

// The REST objects are go-github's own types, filled the way GitHub fills them, so that
// the fake REST API answers in GitHub's shape. Webhook bodies (Payload) carry the same
// values in GitHub's full webhook shape, with their own types (hookjob.go, hookrun.go).

const apiBase = "https://api.github.com"

func ts(t time.Time) *github.Timestamp {
	if t.IsZero() {
		return nil
	}
	return &github.Timestamp{Time: t}
}

func nodeID(prefix string, id int64) *string {
	return ptr(fmt.Sprintf("%s_kwDO%012X", prefix, id))
}

// APIOrg is the organisation object of a payload.
func APIOrg(o *Org) *github.Organization {
	return &github.Organization{Login: ptr(o.Name), ID: ptr(o.ID), NodeID: nodeID("O", o.ID),
		URL: ptr(apiBase + "/orgs/" + o.Name), Type: ptr("Organization")}
}

// APIRepo is the repository object of a payload.
func APIRepo(r *Repo) *github.Repository {
	full := r.FullName()
	return &github.Repository{
		ID: ptr(r.ID), NodeID: nodeID("R", r.ID), Name: ptr(r.Name), FullName: ptr(full),
		Private: ptr(!r.Public), Visibility: ptr(r.Visibility()), Fork: ptr(false),
		Owner: &github.User{Login: ptr(r.Org.Name), ID: ptr(r.Org.ID), Type: ptr("Organization"),
			URL: ptr(apiBase + "/users/" + r.Org.Name), HTMLURL: ptr("https://github.com/" + r.Org.Name)},
		HTMLURL: ptr("https://github.com/" + full), URL: ptr(apiBase + "/repos/" + full),
		DefaultBranch: ptr("main"), CreatedAt: ts(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)),
	}
}

func apiUser(login string) *github.User {
	typ := "User"
	if len(login) > 5 && login[len(login)-5:] == "[bot]" {
		typ = "Bot"
	}
	return &github.User{Login: ptr(login), ID: ptr(int64(hash64(uint64(len(login)), uint64(login[0]))%1e8 + 1)), Type: ptr(typ)}
}

// APIJob is a job as GitHub reports it, in webhooks and in the REST API.
func APIJob(j *Job) *github.WorkflowJob {
	repo := j.Run.Repo().FullName()
	wj := &github.WorkflowJob{
		ID: ptr(j.ID), RunID: ptr(j.Run.ID), NodeID: nodeID("CR", j.ID),
		RunURL:     ptr(fmt.Sprintf("%s/repos/%s/actions/runs/%d", apiBase, repo, j.Run.ID)),
		HeadBranch: ptr(j.Run.Branch), HeadSHA: ptr(j.Run.SHA),
		URL:         ptr(fmt.Sprintf("%s/repos/%s/actions/jobs/%d", apiBase, repo, j.ID)),
		HTMLURL:     ptr(fmt.Sprintf("https://github.com/%s/actions/runs/%d/job/%d", repo, j.Run.ID, j.ID)),
		CheckRunURL: ptr(fmt.Sprintf("%s/repos/%s/check-runs/%d", apiBase, repo, j.ID)),
		Status:      ptr(j.Status), Name: ptr(j.Name), Labels: j.Spec.RunsOn,
		CreatedAt: ts(j.Created), StartedAt: ts(j.Created), CompletedAt: ts(j.Completed),
		RunAttempt: ptr(int64(j.Run.Attempt)), WorkflowName: ptr(j.Run.Workflow.Config.Name),
		Steps: []*github.TaskStep{},
	}
	if !j.Started.IsZero() {
		wj.StartedAt = ts(j.Started)
	}
	if j.RunnerName != "" {
		wj.RunnerID, wj.RunnerName = ptr(j.RunnerID), ptr(j.RunnerName)
		wj.RunnerGroupID, wj.RunnerGroupName = ptr(j.RunnerGroupID), ptr(j.RunnerGroupName)
	}
	if j.Status == "completed" {
		wj.Conclusion = ptr(j.Conclusion)
	}
	// Steps (steps.go): the first one running while the job runs, all of them at the end.
	switch {
	case j.Status == "in_progress" && j.RunnerName != "":
		wj.Steps = apiSteps(runningSteps(j))
	case j.Status == "completed":
		wj.Steps = apiSteps(JobSteps(j))
	}
	return wj
}

// APIRun is a run attempt as GitHub reports it.
func APIRun(r *Run) *github.WorkflowRun {
	repo := r.Repo().FullName()
	url := fmt.Sprintf("%s/repos/%s/actions/runs/%d", apiBase, repo, r.ID)
	wr := &github.WorkflowRun{
		ID: ptr(r.ID), Name: ptr(r.Workflow.Config.Name), NodeID: nodeID("WFR", r.ID),
		HeadBranch: ptr(r.Branch), HeadSHA: ptr(r.SHA),
		RunNumber: ptr(r.Number), RunAttempt: ptr(r.Attempt), Event: ptr(r.Event),
		DisplayTitle: ptr(title(r)), Status: ptr(r.Status), WorkflowID: ptr(r.Workflow.ID),
		URL: ptr(url), HTMLURL: ptr(fmt.Sprintf("https://github.com/%s/actions/runs/%d", repo, r.ID)),
		CreatedAt: ts(r.Created), UpdatedAt: ts(r.Updated), RunStartedAt: ts(r.Started),
		JobsURL: ptr(url + "/jobs"), LogsURL: ptr(url + "/logs"), CancelURL: ptr(url + "/cancel"),
		RerunURL:     ptr(url + "/rerun"),
		WorkflowURL:  ptr(fmt.Sprintf("%s/repos/%s/actions/workflows/%d", apiBase, repo, r.Workflow.ID)),
		PullRequests: []*github.PullRequest{},
		Repository:   APIRepo(r.Repo()), HeadRepository: APIRepo(r.Repo()),
		Actor: apiUser(r.Actor), TriggeringActor: apiUser(r.Actor),
	}
	if r.Attempt > 1 {
		wr.PreviousAttemptURL = ptr(fmt.Sprintf("%s/attempts/%d", url, r.Attempt-1))
	}
	if r.Status == "completed" {
		wr.Conclusion = ptr(r.Conclusion)
	}
	if r.PR > 0 {
		wr.PullRequests = []*github.PullRequest{{Number: ptr(r.PR),
			URL: ptr(fmt.Sprintf("%s/repos/%s/pulls/%d", apiBase, repo, r.PR))}}
	}
	return wr
}

func title(r *Run) string {
	switch r.Event {
	case "schedule":
		return r.Workflow.Config.Name
	case "pull_request":
		return fmt.Sprintf("Fix %s handling (#%d)", logWords[r.PR%len(logWords)], r.PR)
	}
	return fmt.Sprintf("Update %s", logWords[int(r.ID%int64(len(logWords)))])
}

// Payload renders an event as the body GitHub would post, in GitHub's full shape
// (hookjob.go, hookrun.go), or GitLab for a GitLab organisation's.
func Payload(e Event) ([]byte, error) {
	var v any
	switch {
	case e.Org.GitLab():
		v = gitlabPayload(e) // GitLab's Job Hook or Pipeline Hook (gitlabhook.go)
	case e.Kind == "workflow_job":
		v = newJobEvent(e)
	default:
		v = newRunEvent(e)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("render %s %s: %w", e.Kind, e.Action, err)
	}
	return b, nil
}

func ptr[T any](v T) *T { return &v }

package simulate

import (
	"fmt"
	"time"
)

// hookJob is the workflow_job member: every member, nulls included, in GitHub's order.
// Its values are APIJob's, so the store projects the same job from either.
type hookJob struct {
	ID              int64      `json:"id"`
	RunID           int64      `json:"run_id"`
	WorkflowName    string     `json:"workflow_name"`
	HeadBranch      string     `json:"head_branch"`
	RunURL          string     `json:"run_url"`
	RunAttempt      int        `json:"run_attempt"`
	NodeID          string     `json:"node_id"`
	HeadSHA         string     `json:"head_sha"`
	URL             string     `json:"url"`
	HTMLURL         string     `json:"html_url"`
	Status          string     `json:"status"`
	Conclusion      *string    `json:"conclusion"`
	CreatedAt       *string    `json:"created_at"`
	StartedAt       *string    `json:"started_at"`
	CompletedAt     *string    `json:"completed_at"`
	Name            string     `json:"name"`
	Steps           []hookStep `json:"steps"`
	CheckRunURL     string     `json:"check_run_url"`
	Labels          []string   `json:"labels"`
	RunnerID        *int64     `json:"runner_id"`
	RunnerName      *string    `json:"runner_name"`
	RunnerGroupID   *int64     `json:"runner_group_id"`
	RunnerGroupName *string    `json:"runner_group_name"`
}

// hookStep is a step; GitHub spells step times with milliseconds.
type hookStep struct {
	Name        string  `json:"name"`
	Status      string  `json:"status"`
	Conclusion  *string `json:"conclusion"`
	Number      int64   `json:"number"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
}

func newHookJob(j *Job) hookJob {
	wj := APIJob(j)
	h := hookJob{ID: j.ID, RunID: j.Run.ID, WorkflowName: wj.GetWorkflowName(), HeadBranch: wj.GetHeadBranch(),
		RunURL: wj.GetRunURL(), RunAttempt: j.Run.Attempt, NodeID: newNodeID("CR", j.ID), HeadSHA: wj.GetHeadSHA(),
		URL: wj.GetURL(), HTMLURL: wj.GetHTMLURL(), Status: wj.GetStatus(), Conclusion: wj.Conclusion,
		CreatedAt: hookTS(wj.GetCreatedAt().Time), StartedAt: hookTS(wj.GetStartedAt().Time),
		CompletedAt: hookTS(wj.GetCompletedAt().Time), Name: wj.GetName(), Steps: []hookStep{},
		CheckRunURL: wj.GetCheckRunURL(), Labels: wj.Labels, RunnerID: wj.RunnerID, RunnerName: wj.RunnerName,
		RunnerGroupID: wj.RunnerGroupID, RunnerGroupName: wj.RunnerGroupName}
	if h.Labels == nil {
		h.Labels = []string{}
	}
	for _, s := range wj.Steps {
		st := hookStep{Name: s.GetName(), Status: s.GetStatus(), Conclusion: s.Conclusion, Number: s.GetNumber(),
			StartedAt: stepTS(s.GetStartedAt().Time), CompletedAt: stepTS(s.GetCompletedAt().Time)}
		h.Steps = append(h.Steps, st)
	}
	return h
}

func stepTS(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

// hookDeployment is the deployment member of a job that targets an environment.
type hookDeployment struct {
	URL                   string         `json:"url"`
	ID                    int64          `json:"id"`
	NodeID                string         `json:"node_id"`
	Task                  string         `json:"task"`
	OriginalEnvironment   string         `json:"original_environment"`
	Environment           string         `json:"environment"`
	Description           *string        `json:"description"`
	CreatedAt             *string        `json:"created_at"`
	UpdatedAt             *string        `json:"updated_at"`
	StatusesURL           string         `json:"statuses_url"`
	RepositoryURL         string         `json:"repository_url"`
	Creator               hookUser       `json:"creator"`
	SHA                   string         `json:"sha"`
	Ref                   string         `json:"ref"`
	Payload               map[string]any `json:"payload"`
	TransientEnvironment  bool           `json:"transient_environment"`
	ProductionEnvironment bool           `json:"production_environment"`
	PerformedViaGitHubApp hookApp        `json:"performed_via_github_app"`
}

// hookApp is the GitHub App that made a deployment: GitHub Actions itself, the same in
// every delivery.
type hookApp struct {
	ID          int64             `json:"id"`
	Slug        string            `json:"slug"`
	NodeID      string            `json:"node_id"`
	Owner       hookUser          `json:"owner"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	ExternalURL string            `json:"external_url"`
	HTMLURL     string            `json:"html_url"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   string            `json:"updated_at"`
	Permissions map[string]string `json:"permissions"`
	Events      []string          `json:"events"`
}

var actionsApp = hookApp{ID: 15368, Slug: "github-actions", NodeID: "MDM6QXBwMTUzNjg=",
	Owner: newHookUser("github", "Organization", 9919), Name: "GitHub Actions",
	Description: "Automate your workflow from idea to production", ExternalURL: "https://help.github.com/en/actions",
	HTMLURL: webBase + "/apps/github-actions", CreatedAt: "2018-07-30T09:30:17Z", UpdatedAt: "2024-04-10T20:33:16Z",
	Permissions: map[string]string{"actions": "write", "administration": "read", "attestations": "write",
		"checks": "write", "contents": "write", "deployments": "write", "discussions": "write", "issues": "write",
		"merge_queues": "write", "metadata": "read", "packages": "write", "pages": "write", "pull_requests": "write",
		"repository_hooks": "write", "repository_projects": "write", "security_events": "write",
		"statuses": "write", "vulnerability_alerts": "read"},
	Events: []string{"branch_protection_rule", "check_run", "check_suite", "create", "delete", "deployment",
		"deployment_status", "discussion", "discussion_comment", "fork", "gollum", "issues", "issue_comment",
		"label", "merge_group", "milestone", "page_build", "project", "project_card", "project_column", "public",
		"pull_request", "pull_request_review", "pull_request_review_comment", "push", "registry_package",
		"release", "repository", "repository_dispatch", "status", "watch", "workflow_dispatch", "workflow_run"}}

// newHookDeployment is the deployment GitHub creates for a job that targets an
// environment; nil for a job that does not.
func newHookDeployment(j *Job) *hookDeployment {
	env := j.Spec.Environment
	if env == "" {
		return nil
	}
	repo := apiBase + "/repos/" + j.Run.Repo().FullName()
	id := 800_000_000 + j.ID%1_000_000_000
	url := fmt.Sprintf("%s/deployments/%d", repo, id)
	updated := j.Created
	if !j.Approved.IsZero() {
		updated = j.Approved
	}
	return &hookDeployment{URL: url, ID: id, NodeID: newNodeID("DE", id), Task: "deploy", OriginalEnvironment: env,
		Environment: env, CreatedAt: hookTS(j.Created), UpdatedAt: hookTS(updated), StatusesURL: url + "/statuses",
		RepositoryURL: repo, Creator: hookActor(j.Run.Actor), SHA: j.Run.SHA, Ref: j.Run.Branch,
		Payload: map[string]any{}, ProductionEnvironment: env == "production", PerformedViaGitHubApp: actionsApp}
}

// jobEvent is the body of a workflow_job delivery.
type jobEvent struct {
	Action       string           `json:"action"`
	WorkflowJob  hookJob          `json:"workflow_job"`
	Deployment   *hookDeployment  `json:"deployment,omitempty"`
	Repository   hookRepo         `json:"repository"`
	Organization hookOrg          `json:"organization"`
	Sender       hookUser         `json:"sender"`
	Installation hookInstallation `json:"installation"`
}

func newJobEvent(e Event) jobEvent {
	return jobEvent{Action: e.Action, WorkflowJob: newHookJob(e.Job), Deployment: newHookDeployment(e.Job),
		Repository: newHookRepo(e.Run.Repo(), e.At), Organization: newHookOrg(e.Org),
		Sender: hookActor(e.Run.Actor), Installation: newHookInstallation(e.Org)}
}

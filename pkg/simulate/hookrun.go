package simulate

import (
	"fmt"
	"strings"
	"time"
)

// hookRun is the workflow_run member: every member, nulls included. Its values are
// APIRun's, so the store projects the same run from either.
type hookRun struct {
	ID                  int64       `json:"id"`
	Name                string      `json:"name"`
	NodeID              string      `json:"node_id"`
	HeadBranch          string      `json:"head_branch"`
	HeadSHA             string      `json:"head_sha"`
	Path                string      `json:"path"`
	DisplayTitle        string      `json:"display_title"`
	RunNumber           int         `json:"run_number"`
	Event               string      `json:"event"`
	Status              string      `json:"status"`
	Conclusion          *string     `json:"conclusion"`
	WorkflowID          int64       `json:"workflow_id"`
	CheckSuiteID        int64       `json:"check_suite_id"`
	CheckSuiteNodeID    string      `json:"check_suite_node_id"`
	URL                 string      `json:"url"`
	HTMLURL             string      `json:"html_url"`
	PullRequests        []hookPR    `json:"pull_requests"`
	CreatedAt           *string     `json:"created_at"`
	UpdatedAt           *string     `json:"updated_at"`
	Actor               hookUser    `json:"actor"`
	RunAttempt          int         `json:"run_attempt"`
	ReferencedWorkflows []any       `json:"referenced_workflows"`
	RunStartedAt        *string     `json:"run_started_at"`
	TriggeringActor     hookUser    `json:"triggering_actor"`
	JobsURL             string      `json:"jobs_url"`
	LogsURL             string      `json:"logs_url"`
	CheckSuiteURL       string      `json:"check_suite_url"`
	ArtifactsURL        string      `json:"artifacts_url"`
	CancelURL           string      `json:"cancel_url"`
	RerunURL            string      `json:"rerun_url"`
	PreviousAttemptURL  *string     `json:"previous_attempt_url"`
	WorkflowURL         string      `json:"workflow_url"`
	HeadCommit          hookCommit  `json:"head_commit"`
	Repository          hookRepoRef `json:"repository"`
	HeadRepository      hookRepoRef `json:"head_repository"`
}

type hookCommit struct {
	ID        string     `json:"id"`
	TreeID    string     `json:"tree_id"`
	Message   string     `json:"message"`
	Timestamp *string    `json:"timestamp"`
	Author    hookPerson `json:"author"`
	Committer hookPerson `json:"committer"`
}

type hookPerson struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// hookPR is a pull request as a run lists it: its number and both ends.
type hookPR struct {
	URL    string    `json:"url"`
	ID     int64     `json:"id"`
	Number int       `json:"number"`
	Head   hookPREnd `json:"head"`
	Base   hookPREnd `json:"base"`
}

type hookPREnd struct {
	Ref  string `json:"ref"`
	SHA  string `json:"sha"`
	Repo struct {
		ID   int64  `json:"id"`
		URL  string `json:"url"`
		Name string `json:"name"`
	} `json:"repo"`
}

func newHookRun(r *Run) hookRun {
	wr := APIRun(r)
	repo := r.Repo()
	url := wr.GetURL()
	suite := r.ID + 3_000_000_000
	h := hookRun{ID: r.ID, Name: wr.GetName(), NodeID: newNodeID("WFR", r.ID), HeadBranch: r.Branch, HeadSHA: r.SHA,
		Path: r.Workflow.Config.Path, DisplayTitle: wr.GetDisplayTitle(), RunNumber: r.Number, Event: r.Event,
		Status: r.Status, Conclusion: wr.Conclusion, WorkflowID: r.Workflow.ID, CheckSuiteID: suite,
		CheckSuiteNodeID: newNodeID("CS", suite), URL: url, HTMLURL: wr.GetHTMLURL(), PullRequests: []hookPR{},
		CreatedAt: hookTS(r.Created), UpdatedAt: hookTS(r.Updated), Actor: hookActor(r.Actor), RunAttempt: r.Attempt,
		ReferencedWorkflows: []any{}, RunStartedAt: hookTS(r.Started), TriggeringActor: hookActor(r.Actor),
		JobsURL: url + "/jobs", LogsURL: url + "/logs",
		CheckSuiteURL: fmt.Sprintf("%s/repos/%s/check-suites/%d", apiBase, repo.FullName(), suite),
		ArtifactsURL:  url + "/artifacts", CancelURL: url + "/cancel", RerunURL: url + "/rerun",
		PreviousAttemptURL: wr.PreviousAttemptURL, WorkflowURL: wr.GetWorkflowURL(), HeadCommit: newHookCommit(r, wr.GetDisplayTitle()),
		Repository: newHookRepoRef(repo), HeadRepository: newHookRepoRef(repo)}
	if r.PR > 0 {
		h.PullRequests = append(h.PullRequests, newHookPR(r))
	}
	return h
}

func newHookCommit(r *Run, title string) hookCommit {
	author := hookPerson{Name: personName(r.Actor), Email: fmt.Sprintf("%d+%s@users.noreply.github.com", userID(r.Actor), r.Actor)}
	committer := author
	if r.Event == "push" && r.ID%3 == 0 {
		committer = hookPerson{Name: "GitHub", Email: "noreply@github.com"} // merged in the web UI
	}
	msg := title
	if r.ID%2 == 0 {
		msg += "\n\n" + fmt.Sprintf("Follow-up to the %s change; see the run of %s.", logWords[int(r.ID/2)%len(logWords)], r.Branch)
	}
	return hookCommit{ID: r.SHA, TreeID: fmt.Sprintf("%016x%016x%08x", hash64(uint64(r.ID), 4), hash64(uint64(r.ID), 5), uint32(hash64(uint64(r.ID), 6))),
		Message: msg, Timestamp: hookTS(r.Created.Add(-90 * time.Second)), Author: author, Committer: committer}
}

// personName spells a login as a person's name ("lchen": "L Chen"; bots keep theirs).
func personName(login string) string {
	if strings.HasSuffix(login, "[bot]") || len(login) < 2 {
		return login
	}
	return strings.ToUpper(login[:1]) + " " + strings.ToUpper(login[1:2]) + login[2:]
}

func newHookPR(r *Run) hookPR {
	repo := r.Repo()
	u := apiBase + "/repos/" + repo.FullName()
	pr := hookPR{URL: fmt.Sprintf("%s/pulls/%d", u, r.PR), ID: 1_500_000_000 + repo.ID%1_000_000*1000 + int64(r.PR), Number: r.PR}
	pr.Head.Ref, pr.Head.SHA = r.Branch, r.SHA
	pr.Base.Ref, pr.Base.SHA = "main", fmt.Sprintf("%016x%016x%08x", hash64(uint64(repo.ID), uint64(r.PR), 1), hash64(uint64(repo.ID), uint64(r.PR), 2), uint32(hash64(uint64(repo.ID), uint64(r.PR), 3)))
	for _, end := range []*hookPREnd{&pr.Head, &pr.Base} {
		end.Repo.ID, end.Repo.URL, end.Repo.Name = repo.ID, u, repo.Name
	}
	return pr
}

// hookWorkflow is the workflow member of a workflow_run delivery.
type hookWorkflow struct {
	ID        int64   `json:"id"`
	NodeID    string  `json:"node_id"`
	Name      string  `json:"name"`
	Path      string  `json:"path"`
	State     string  `json:"state"`
	CreatedAt *string `json:"created_at"`
	UpdatedAt *string `json:"updated_at"`
	URL       string  `json:"url"`
	HTMLURL   string  `json:"html_url"`
	BadgeURL  string  `json:"badge_url"`
}

func newHookWorkflow(wf *Workflow) hookWorkflow {
	full := wf.Repo.FullName()
	created := time.Date(2022, 1, 3, 9, 0, 0, 0, time.UTC).Add(time.Duration(hash64(uint64(wf.ID), 1)%(700*86400)) * time.Second)
	return hookWorkflow{ID: wf.ID, NodeID: newNodeID("W", wf.ID), Name: wf.Config.Name, Path: wf.Config.Path,
		State: "active", CreatedAt: stepTS(created), UpdatedAt: stepTS(created.AddDate(0, 0, int(hash64(uint64(wf.ID), 2)%30))),
		URL:      fmt.Sprintf("%s/repos/%s/actions/workflows/%d", apiBase, full, wf.ID),
		HTMLURL:  fmt.Sprintf("%s/%s/blob/main/%s", webBase, full, wf.Config.Path),
		BadgeURL: fmt.Sprintf("%s/%s/workflows/%s/badge.svg", webBase, full, wf.Config.Name)}
}

// runEvent is the body of a workflow_run delivery.
type runEvent struct {
	Action       string           `json:"action"`
	WorkflowRun  hookRun          `json:"workflow_run"`
	Workflow     hookWorkflow     `json:"workflow"`
	Repository   hookRepo         `json:"repository"`
	Organization hookOrg          `json:"organization"`
	Sender       hookUser         `json:"sender"`
	Installation hookInstallation `json:"installation"`
}

func newRunEvent(e Event) runEvent {
	return runEvent{Action: e.Action, WorkflowRun: newHookRun(e.Run), Workflow: newHookWorkflow(e.Run.Workflow),
		Repository: newHookRepo(e.Run.Repo(), e.At), Organization: newHookOrg(e.Org),
		Sender: hookActor(e.Run.Actor), Installation: newHookInstallation(e.Org)}
}

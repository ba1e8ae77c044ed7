package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/google/go-github/v62/github"
)

// fullJobEnvelope decodes a workflow_job delivery with go-github's own WorkflowJob type.
type fullJobEnvelope struct {
	Action      string              `json:"action"`
	WorkflowJob *github.WorkflowJob `json:"workflow_job"`
	Repo        repoRef             `json:"repository"`
	Org         loginRef            `json:"organization"`
}

// projectWithGoGitHub projects a payload the long way: go-github's WorkflowJob, read
// through its accessors. ok is false when go-github's type cannot decode it either.
func projectWithGoGitHub(body []byte, received time.Time) (j *Job, ok bool) {
	var full fullJobEnvelope
	if err := decode(body, &full); err != nil || full.WorkflowJob == nil || full.WorkflowJob.GetID() == 0 {
		return nil, false
	}
	wj := full.WorkflowJob
	lean := &jobEnvelope{Action: full.Action, Repo: full.Repo, Org: full.Org, WorkflowJob: &jobPayload{
		ID: wj.GetID(), RunID: wj.GetRunID(), RunAttempt: wj.GetRunAttempt(), RunURL: wj.GetRunURL(),
		WorkflowName: wj.GetWorkflowName(), Name: wj.GetName(), HeadBranch: wj.GetHeadBranch(),
		HeadSHA: wj.GetHeadSHA(), HTMLURL: wj.GetHTMLURL(), Status: wj.GetStatus(), Conclusion: wj.GetConclusion(),
		CreatedAt: wj.CreatedAt, StartedAt: wj.StartedAt, CompletedAt: wj.CompletedAt, Labels: wj.Labels,
		RunnerID: wj.RunnerID, RunnerName: wj.GetRunnerName(), RunnerGroupID: wj.RunnerGroupID,
		RunnerGroupName: wj.GetRunnerGroupName(),
	}}
	for _, st := range wj.Steps {
		lean.WorkflowJob.Steps = append(lean.WorkflowJob.Steps, stepPayload{Name: st.GetName(), Status: st.GetStatus(),
			Conclusion: st.GetConclusion(), Number: st.GetNumber(), StartedAt: st.StartedAt, CompletedAt: st.CompletedAt})
	}
	j = jobFromEvent(lean, received)
	// The same caps and checks as Project: both decoders must agree on what is storable too.
	return j, finishJob(j) == nil
}

func checkSameProjection(t *testing.T, name string, body []byte) {
	t.Helper()
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	want, wantOK := projectWithGoGitHub(body, at)
	got, err := Project(Delivery{Event: "workflow_job", Payload: body, ReceivedAt: at})
	if (err == nil) != wantOK {
		t.Fatalf("%s: lean decoder error %v, go-github decodes: %v", name, err, wantOK)
	}
	if wantOK && !reflect.DeepEqual(got.Job, want) {
		t.Fatalf("%s: projections differ\nlean      %+v\ngo-github %+v", name, got.Job, want)
	}
}

// Every real workflow_job payload projects the same through jobPayload as through
// go-github's WorkflowJob.
func TestJobPayloadMatchesGoGitHub(t *testing.T) {
	payloads := fixtures.Event("workflow_job")
	if len(payloads) < 5 {
		t.Fatalf("only %d workflow_job fixtures", len(payloads))
	}
	for _, p := range payloads {
		t.Run(p.Name, func(t *testing.T) { checkSameProjection(t, p.Name, p.Body) })
	}
}

func FuzzJobPayloadMatchesGoGitHub(f *testing.F) {
	for _, p := range fixtures.Event("workflow_job") {
		f.Add(p.Body)
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkSameProjection(t, "fuzzed", body) })
}

package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

func pgtestDB(t testing.TB) string { return pgtest.NewDatabase(t) }

func newStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// item builds a writable item from an event name and payload, as the receiver would.
func item(t testing.TB, id, event string, body []byte, received time.Time) store.Item {
	t.Helper()
	var head struct {
		Action string `json:"action"`
	}
	json.Unmarshal(body, &head)
	d := store.Delivery{ID: id, Event: event, Action: head.Action, HookID: 42, TargetType: "organization",
		TargetID: 7, ReceivedAt: received, Payload: body}
	p, err := store.Project(d)
	if err != nil {
		t.Fatalf("project %s: %v", id, err)
	}
	return store.Item{Delivery: d, Projection: p}
}

// jobEvent rewrites a real workflow_job payload into one event of a synthetic job, keeping
// every other field GitHub sent.
type jobEvent struct {
	jobID, runID     int64
	status           string // queued, waiting, in_progress, completed
	created, started time.Time
	completed        time.Time
	conclusion       string
	runner           string
	labels           []string
	// repo, when set, replaces members of the payload's repository (private, visibility).
	repo map[string]any
}

var templates = map[string]string{
	"queued":      "workflow_job.queued.1",
	"waiting":     "workflow_job.waiting.1",
	"in_progress": "workflow_job.in_progress.3",
	"completed":   "workflow_job.completed.1",
}

func (e jobEvent) payload(t testing.TB) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(fixtures.Get(templates[e.status]), &doc); err != nil {
		t.Fatal(err)
	}
	j := doc["workflow_job"].(map[string]any)
	j["id"], j["run_id"], j["status"] = e.jobID, e.runID, e.status
	j["labels"] = e.labels
	j["created_at"] = e.created.Format(time.RFC3339)
	// GitHub's queued and waiting payloads repeat created_at as started_at.
	j["started_at"] = e.created.Format(time.RFC3339)
	j["completed_at"], j["conclusion"] = nil, nil
	if e.status == "queued" {
		j["runner_name"] = "GitHub Actions 99" // the quirk: a runner named while still queued
	} else {
		j["runner_name"] = nil
	}
	if e.status == "in_progress" || e.status == "completed" {
		j["started_at"] = e.started.Format(time.RFC3339)
		j["runner_name"], j["runner_id"] = e.runner, 1000+(e.jobID%1_000_000)%7
	}
	if e.status == "completed" {
		j["completed_at"], j["conclusion"] = e.completed.Format(time.RFC3339), e.conclusion
	}
	j["steps"] = e.steps()
	doc["action"] = e.status
	for k, v := range e.repo {
		if v == nil {
			delete(doc["repository"].(map[string]any), k)
			continue
		}
		doc["repository"].(map[string]any)[k] = v
	}
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// stepNames are the steps of every synthetic job, as GitHub names them (numbers skip, as
// GitHub's do for steps that did not run).
var stepNames = []struct {
	number int
	name   string
}{{1, "Set up job"}, {2, "Run actions/checkout@v4"}, {3, "Run tests"}, {4, "Upload coverage"}, {7, "Post Run actions/checkout@v4"}, {8, "Complete job"}}

// steps are the job's steps as the event reports them: none while queued or waiting; while
// running, the first half done and the rest queued; completed, all done, and a failed
// job's "Run tests" failed. "Upload coverage" fails with continue-on-error in every job
// whose id is divisible by 5, so a successful one passed with warnings.
func (e jobEvent) steps() []map[string]any {
	out := []map[string]any{}
	if e.status != "in_progress" && e.status != "completed" {
		return out
	}
	slice := e.completed.Sub(e.started) / time.Duration(len(stepNames))
	for i, s := range stepNames {
		st := map[string]any{"name": s.name, "number": s.number, "status": "queued", "conclusion": nil,
			"started_at": nil, "completed_at": nil}
		start, end := e.started.Add(time.Duration(i)*slice), e.started.Add(time.Duration(i+1)*slice)
		switch {
		case e.status == "completed" || i < len(stepNames)/2:
			conclusion := "success"
			if s.name == "Run tests" && e.conclusion == "failure" || s.name == "Upload coverage" && e.jobID%5 == 0 {
				conclusion = "failure"
			}
			st["status"], st["conclusion"] = "completed", conclusion
			st["started_at"], st["completed_at"] = start.Format(time.RFC3339), end.Format(time.RFC3339)
		case i == len(stepNames)/2:
			st["status"], st["started_at"] = "in_progress", start.Format(time.RFC3339)
		}
		out = append(out, st)
	}
	return out
}

func deliveryID(jobID int64, status string, copy int) string {
	return fmt.Sprintf("d-%d-%s-%d", jobID, status, copy)
}

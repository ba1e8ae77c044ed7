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

func deliveryID(jobID int64, status string, copy int) string {
	return fmt.Sprintf("d-%d-%s-%d", jobID, status, copy)
}

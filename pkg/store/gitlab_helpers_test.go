package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// gitlabItem builds a writable item from a GitLab delivery, as the GitLab receiver would.
func gitlabItem(t testing.TB, id, event string, body []byte, received time.Time) store.Item {
	t.Helper()
	d := store.Delivery{ID: id, Event: event, ReceivedAt: received, Payload: body, Forge: store.ForgeGitLab}
	p, err := store.Project(d)
	if err != nil {
		t.Fatalf("project %s: %v", id, err)
	}
	d.Action = p.Action
	return store.Item{Delivery: d, Projection: p}
}

// gitlabJobEvent rewrites GitLab's real job hook (job.json) into one event of a synthetic
// job, keeping every other field GitLab sent.
type gitlabJobEvent struct {
	jobID, pipelineID        int64
	status                   string // created, manual, pending, running, success, failed, canceled
	created, queued, started time.Time
	finished                 time.Time
	allowFailure             bool
	runner                   string
	tags                     []string
	received                 time.Time // the hook's receipt, which a pending hook's queued duration is taken from
}

func gitlabTS(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func (e gitlabJobEvent) payload(t testing.TB) []byte {
	t.Helper()
	return fixtures.GitLabEdited("job", func(doc map[string]any) {
		doc["build_id"], doc["pipeline_id"], doc["build_status"] = e.jobID, e.pipelineID, e.status
		doc["build_allow_failure"] = e.allowFailure
		doc["build_created_at"] = gitlabTS(e.created)
		doc["build_created_at_iso"] = e.created.Format(time.RFC3339)
		for _, k := range []string{"build_started_at", "build_finished_at", "build_started_at_iso", "build_finished_at_iso"} {
			doc[k] = nil
		}
		doc["build_queued_duration"], doc["runner"], doc["build_failure_reason"] = nil, nil, nil
		switch e.status {
		case "pending":
			doc["build_queued_duration"] = e.received.Sub(e.queued).Seconds()
		case "running", "success", "failed", "canceled":
			doc["build_started_at"] = gitlabTS(e.started)
			doc["build_started_at_iso"] = e.started.Format(time.RFC3339)
			doc["build_queued_duration"] = e.started.Sub(e.queued).Seconds()
			doc["runner"] = map[string]any{"id": 500 + (e.jobID%1_000_000)%7, "description": e.runner, "runner_type": "group_type",
				"active": true, "is_shared": false, "tags": e.tags}
		}
		if e.status == "success" || e.status == "failed" || e.status == "canceled" {
			doc["build_finished_at"] = gitlabTS(e.finished)
			doc["build_finished_at_iso"] = e.finished.Format(time.RFC3339)
		}
		if e.status == "failed" {
			doc["build_failure_reason"] = "script_failure"
		}
	})
}

func gitlabDeliveryID(jobID int64, status string, copy int) string {
	return fmt.Sprintf("gl-%d-%s-%d", jobID, status, copy)
}

// gitlabPipeline rewrites GitLab's real pipeline hook into one state of a synthetic pipeline.
func gitlabPipeline(id int64, status, source string, created time.Time) []byte {
	return fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
		a := doc["object_attributes"].(map[string]any)
		a["id"], a["status"], a["source"], a["created_at"] = id, status, source, gitlabTS(created)
		if status == "success" || status == "failed" {
			a["finished_at"] = gitlabTS(created.Add(time.Hour))
		} else {
			a["finished_at"] = nil
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

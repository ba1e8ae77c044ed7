package gitlabapi

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// The API's objects become hook-shaped bodies (the fields store's GitLab parser reads), so
// one parser projects hooks and repairs alike. A job's labels are left out: the hooks'
// labels are the tags of the runner that took the job, which the API's job does not carry
// (its tag_list is the job's own request), and mixing the two would make labels depend on
// which source came last.

func (c *Client) project(path string, id int64) map[string]any {
	return map[string]any{"id": id, "path_with_namespace": path, "web_url": c.base + "/" + path}
}

func iso(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func finished(status string) bool {
	switch status {
	case "success", "failed", "canceled", "skipped":
		return true
	}
	return false
}

func (c *Client) pipelineItem(path string, p *gitlab.PipelineInfo, fetched time.Time) (store.Item, error) {
	attrs := map[string]any{"id": p.ID, "iid": p.IID, "name": p.Name, "ref": p.Ref, "sha": p.SHA,
		"source": p.Source, "status": p.Status, "created_at": iso(p.CreatedAt), "url": p.WebURL}
	if finished(p.Status) {
		// The list has no finished_at; the last update of a finished pipeline is its end.
		attrs["finished_at"] = iso(p.UpdatedAt)
	}
	body, err := json.Marshal(map[string]any{"object_kind": "pipeline", "object_attributes": attrs,
		"project": c.project(path, p.ProjectID)})
	if err != nil {
		return store.Item{}, fmt.Errorf("encode pipeline %d: %w", p.ID, err)
	}
	id := fmt.Sprintf("api:gitlab:pipeline:%d:%s", p.ID, p.Status)
	return store.GitLabAPIItem(id, store.GitLabPipelineHook, body, fetched)
}

func (c *Client) jobItem(path string, p *gitlab.PipelineInfo, j *gitlab.Job, fetched time.Time) (store.Item, error) {
	doc := map[string]any{"object_kind": "build", "build_id": j.ID, "build_name": j.Name, "build_stage": j.Stage,
		"build_status": j.Status, "build_created_at_iso": iso(j.CreatedAt), "build_started_at_iso": iso(j.StartedAt),
		"build_finished_at_iso": iso(j.FinishedAt), "build_allow_failure": j.AllowFailure,
		"build_failure_reason": j.FailureReason, "pipeline_id": p.ID, "project_id": p.ProjectID,
		"ref": j.Ref, "sha": p.SHA, "commit": map[string]any{"name": p.Name}, "project": c.project(path, p.ProjectID)}
	if j.StartedAt != nil || j.Status == "pending" {
		doc["build_queued_duration"] = j.QueuedDuration
	}
	if j.Runner.ID > 0 {
		doc["runner"] = map[string]any{"id": j.Runner.ID, "description": j.Runner.Description}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return store.Item{}, fmt.Errorf("encode job %d: %w", j.ID, err)
	}
	id := fmt.Sprintf("api:gitlab:job:%d:%s", j.ID, j.Status)
	return store.GitLabAPIItem(id, store.GitLabJobHook, body, fetched)
}

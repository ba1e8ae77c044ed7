package store_test

import (
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// A GitLab job that ends without a runner was abandoned only if it had asked for one:
// cancelled while pending (its hook still counts the queue, to the end), not while its
// earlier stages held it ('created', no queue). The wait runs from entering 'pending'.
func TestGitLabAbandonedOnlyAfterPending(t *testing.T) {
	created := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	pending := created.Add(10 * time.Minute)
	end := created.Add(25 * time.Minute)
	cancelled := func(id int64, queue *float64) []byte {
		return fixtures.GitLabEdited("job", func(doc map[string]any) {
			doc["build_id"], doc["pipeline_id"], doc["build_status"] = id, 31, "canceled"
			doc["build_created_at"], doc["build_created_at_iso"] = gitlabTS(created), created.Format(time.RFC3339)
			doc["build_finished_at"], doc["build_finished_at_iso"] = gitlabTS(end), end.Format(time.RFC3339)
			doc["build_started_at"], doc["build_started_at_iso"], doc["runner"], doc["build_failure_reason"] = nil, nil, nil, nil
			doc["build_queued_duration"] = queue
		})
	}
	queue := end.Sub(pending).Seconds()
	cases := []struct {
		name     string
		body     []byte
		wantWait *float64 // nil: not abandoned
	}{
		{"cancelled while pending", cancelled(7001, &queue), &queue},
		{"cancelled while held by earlier stages", cancelled(7002, nil), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := gitlabItem(t, c.name, store.GitLabJobHook, c.body, end.Add(time.Second))
			j := it.Projection.Job
			if j == nil {
				t.Fatal("no job projected")
			}
			if got := j.Abandoned(); got != (c.wantWait != nil) {
				t.Fatalf("abandoned %v, want %v (queued_at %v)", got, c.wantWait != nil, j.QueuedAt)
			}
			got := j.AbandonedWaitSeconds()
			if (got == nil) != (c.wantWait == nil) || got != nil && *got != *c.wantWait {
				t.Fatalf("abandoned wait %v, want %v", deref(got), deref(c.wantWait))
			}
		})
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

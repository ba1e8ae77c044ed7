package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// FuzzProject feeds arbitrary payloads to the projection. It must never panic, and a
// projected job or run must merge idempotently and commutatively with a real one.
func FuzzProject(f *testing.F) {
	for _, p := range fixtures.All() {
		f.Add(p.Event, p.Body)
	}
	// Absurd step lists: repeated, missing and negative numbers, times out of order.
	f.Add("workflow_job", []byte(`{"workflow_job":{"id":9,"status":"completed","steps":[{"number":2,"name":"b","status":"completed",`+
		`"started_at":"2026-01-01T00:01:00Z","completed_at":"2026-01-01T00:00:00Z"},{"number":2,"name":"a","status":"in_progress"},`+
		`{"name":"x"},{"number":-1},{"number":1,"conclusion":"failure","status":"completed"}]}}`))
	realJob, err := store.Project(store.Delivery{Event: "workflow_job", Payload: fixtures.Get("workflow_job.completed.1"), ReceivedAt: time.Unix(1e9, 0)})
	if err != nil {
		f.Fatal(err)
	}
	realRun, err := store.Project(store.Delivery{Event: "workflow_run", Payload: fixtures.Get("workflow_run.completed.1"), ReceivedAt: time.Unix(1e9, 0)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		p, err := store.Project(store.Delivery{ID: "fuzz", Event: event, Payload: body, ReceivedAt: time.Unix(2e9, 0)})
		if err != nil {
			return
		}
		if j := p.Job; j != nil {
			if j.JobID == 0 {
				t.Fatal("projected a job without an id")
			}
			checkSteps(t, j.Steps)
			checkJobMerge(t, j, realJob.Job)
			_ = j.QueueSeconds()
		}
		if r := p.Run; r != nil {
			a, b := *r, *realRun.Run
			b.RunID, b.RunAttempt = a.RunID, a.RunAttempt
			ab, ba := a, b
			ab.Merge(&b)
			ba.Merge(&a)
			if !reflect.DeepEqual(ab, ba) {
				t.Fatalf("run merge not commutative:\n%+v\n%+v", ab, ba)
			}
		}
	})
}

func checkJobMerge(t *testing.T, fuzzed, real *store.Job) {
	a, b := *fuzzed, *real
	b.JobID = a.JobID
	self := a
	self.Merge(&a)
	if !reflect.DeepEqual(self, a) {
		t.Fatalf("job merge not idempotent:\n%+v\n%+v", self, a)
	}
	ab, ba := a, b
	ab.Merge(&b)
	ba.Merge(&a)
	if !reflect.DeepEqual(ab, ba) {
		t.Fatalf("job merge not commutative:\n%+v\n%+v", ab, ba)
	}
}

// checkSteps holds a projected step list to what the projection promises: sorted by
// number, each number once and within range, at most MaxSteps.
func checkSteps(t *testing.T, steps []store.Step) {
	if len(steps) > store.MaxSteps {
		t.Fatalf("%d steps kept, over %d", len(steps), store.MaxSteps)
	}
	for i, s := range steps {
		if s.Number < 1 || s.Number > store.MaxStepNumber || (i > 0 && s.Number <= steps[i-1].Number) {
			t.Fatalf("step numbers not strictly ascending within range: %d after %+v", s.Number, steps[:i])
		}
	}
}

// FuzzGitLabProject does for GitLab's hooks what FuzzProject does for GitHub's: no panic,
// and a projected job or pipeline merges idempotently and commutatively with a real one.
func FuzzGitLabProject(f *testing.F) {
	for _, p := range fixtures.GitLab() {
		f.Add(p.Event, p.Body)
	}
	at := time.Unix(1e9, 0)
	realJob, err := store.Project(store.Delivery{Event: store.GitLabJobHook, Payload: fixtures.GitLabGet("job"), ReceivedAt: at, Forge: store.ForgeGitLab})
	if err != nil {
		f.Fatal(err)
	}
	realRun, err := store.Project(store.Delivery{Event: store.GitLabPipelineHook, Payload: fixtures.GitLabGet("pipeline"), ReceivedAt: at, Forge: store.ForgeGitLab})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		p, err := store.Project(store.Delivery{ID: "fuzz", Event: event, Payload: body, ReceivedAt: time.Unix(2e9, 0), Forge: store.ForgeGitLab})
		if err != nil {
			return
		}
		if j := p.Job; j != nil {
			if j.JobID == 0 || j.Forge != store.ForgeGitLab {
				t.Fatalf("projected job %d of forge %q", j.JobID, j.Forge)
			}
			checkJobMerge(t, j, realJob.Job)
			_, _ = j.QueueSeconds(), j.ManualWaitSeconds()
		}
		if r := p.Run; r != nil {
			a, b := *r, *realRun.Run
			b.RunID = a.RunID
			ab, ba := a, b
			ab.Merge(&b)
			ba.Merge(&a)
			if !reflect.DeepEqual(ab, ba) {
				t.Fatalf("pipeline merge not commutative:\n%+v\n%+v", ab, ba)
			}
		}
	})
}

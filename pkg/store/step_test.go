package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// checkStepsForward fails when a step of prev is missing from cur, or lost a time, or
// moved back in status.
func checkStepsForward(t *testing.T, after string, prev, cur []store.Step) {
	t.Helper()
	byNumber := map[int64]store.Step{}
	for _, s := range cur {
		byNumber[s.Number] = s
	}
	rank := map[string]int{"queued": 1, "in_progress": 3, "completed": 4}
	for _, p := range prev {
		c, ok := byNumber[p.Number]
		switch {
		case !ok:
			t.Fatalf("after %s: step %d (%s) disappeared", after, p.Number, p.Name)
		case rank[c.Status] < rank[p.Status]:
			t.Fatalf("after %s: step %d went back from %s to %s", after, p.Number, p.Status, c.Status)
		case p.StartedAt != nil && (c.StartedAt == nil || !c.StartedAt.Equal(*p.StartedAt)):
			t.Fatalf("after %s: step %d started_at changed from %v to %v", after, p.Number, p.StartedAt, c.StartedAt)
		case p.CompletedAt != nil && c.CompletedAt == nil:
			t.Fatalf("after %s: step %d lost its completed_at", after, p.Number)
		}
	}
}

// A later delivery with fewer steps (a stale in_progress after the completion) or more
// steps never loses an earlier step or its times; the failing step is the first failed
// one by number.
func TestStepsMergeAcrossDeliveries(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2026, 9, 2, 10, 0, 0, 0, time.UTC)
	e := jobEvent{runID: 8, created: created, started: created.Add(time.Minute), completed: created.Add(13 * time.Minute),
		runner: "pool-a-1", labels: []string{"ubuntu-latest"}}
	cases := []struct {
		name       string
		jobID      int64
		conclusion string
		sequence   []string
		wantSteps  int
		wantFailed string
		warnings   bool
	}{
		{"running then done", 101, "failure", []string{"in_progress", "completed"}, len(stepNames), "Run tests", false},
		{"done then stale running", 102, "failure", []string{"completed", "in_progress", "queued"}, len(stepNames), "Run tests", false},
		{"running only", 103, "", []string{"queued", "in_progress"}, len(stepNames), "", false},
		{"continue-on-error", 105, "success", []string{"in_progress", "completed", "in_progress"}, len(stepNames), "Upload coverage", true},
		{"failure after a continue-on-error step", 110, "failure", []string{"completed"}, len(stepNames), "Run tests", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			je := e
			je.jobID, je.conclusion = c.jobID, c.conclusion
			var prev []store.Step
			for i, st := range c.sequence {
				je.status = st
				it := item(t, deliveryID(je.jobID, st, i), "workflow_job", je.payload(t), created.Add(time.Duration(i)*time.Second))
				if _, err := s.Write(ctx, []store.Item{it}); err != nil {
					t.Fatal(err)
				}
				cur := jobsByLocalID(t, s, 0)[je.jobID]
				checkStepsForward(t, st, prev, cur.Steps)
				prev = cur.Steps
			}
			j := jobsByLocalID(t, s, 0)[je.jobID]
			if len(j.Steps) != c.wantSteps || j.FailedStep() != c.wantFailed || j.PassedWithWarnings() != c.warnings {
				t.Fatalf("%d steps, failed at %q, warnings %v; want %d, %q, %v", len(j.Steps), j.FailedStep(), j.PassedWithWarnings(),
					c.wantSteps, c.wantFailed, c.warnings)
			}
			var failed string
			var warnings bool
			if err := s.Pool().QueryRow(ctx, "SELECT failed_step, passed_with_warnings FROM workflow_jobs WHERE job_id = $1", je.jobID).Scan(&failed, &warnings); err != nil {
				t.Fatal(err)
			}
			if failed != c.wantFailed || warnings != c.warnings {
				t.Fatalf("stored failed_step %q, passed_with_warnings %v; want %q, %v", failed, warnings, c.wantFailed, c.warnings)
			}
		})
	}
}

// GitHub's own payloads: the failing step of the real failed job, and the steps of the
// running one merged under the completed one's numbers.
func TestStepsFromRealPayloads(t *testing.T) {
	cases := []struct {
		fixture    string
		steps      int
		failed     string
		durationOf int64   // a step number
		duration   float64 // its seconds
	}{
		{"workflow_job.completed.1", 12, "Run yarn run format-check", 1, 3},
		{"workflow_job.completed.2", 8, "", 1, 3},
		{"workflow_job.in_progress.3", 9, "", 2, 1},
		{"workflow_job.queued.1", 0, "", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			p, err := store.Project(store.Delivery{Event: "workflow_job", Payload: fixtures.Get(c.fixture), ReceivedAt: time.Unix(1e9, 0)})
			if err != nil {
				t.Fatal(err)
			}
			j := p.Job
			if len(j.Steps) != c.steps || j.FailedStep() != c.failed || j.StepsFlagged {
				t.Fatalf("%d steps, failed at %q, flagged %v; want %d, %q, not flagged", len(j.Steps), j.FailedStep(), j.StepsFlagged, c.steps, c.failed)
			}
			for _, st := range j.Steps {
				if st.Number == c.durationOf {
					if d := st.Duration(); d == nil || *d != c.duration {
						t.Fatalf("step %d duration %v, want %v s", st.Number, fmtSeconds(d), c.duration)
					}
				}
			}
		})
	}
}

func fmtSeconds(d *float64) string {
	if d == nil {
		return "none"
	}
	return fmt.Sprint(*d)
}

// absurdSteps rewrites the real completed payload's steps.
func absurdSteps(t *testing.T, jobID int64, steps []map[string]any) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(fixtures.Get("workflow_job.completed.2"), &doc); err != nil {
		t.Fatal(err)
	}
	j := doc["workflow_job"].(map[string]any)
	j["id"], j["steps"] = jobID, steps
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func step(n any, name, started, completed string) map[string]any {
	return map[string]any{"number": n, "name": name, "status": "completed", "conclusion": "success",
		"started_at": started, "completed_at": completed}
}

// An absurd step list is capped and flagged, never refused, and the raw payload is kept.
func TestAbsurdStepLists(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const t0, t1 = "2026-09-03T10:00:00Z", "2026-09-03T10:01:00Z"
	many := make([]map[string]any, 5000)
	for i := range many {
		many[i] = step(i+1, fmt.Sprintf("step %d", i+1), t0, t1)
	}
	cases := []struct {
		name      string
		steps     []map[string]any
		wantSteps int
	}{
		{"thousands of steps", many, store.MaxSteps},
		{"number missing", []map[string]any{step(1, "a", t0, t1), step(nil, "b", t0, t1), step(3, "c", t0, t1)}, 2},
		{"duplicate numbers", []map[string]any{step(1, "a", t0, t1), step(1, "b", t0, t1), step(2, "c", t0, t1)}, 2},
		{"times out of order", []map[string]any{step(1, "a", t1, t0), step(2, "b", t0, t1)}, 2},
		{"number out of range", []map[string]any{step(-4, "a", t0, t1), step(1<<40, "b", t0, t1), step(2, "c", t0, t1)}, 1},
		{"time past 9999", []map[string]any{step(1, "a", t0, ""), step(2, "b", t0, t1)}, 2},
	}
	// go-github's Timestamp also takes Unix seconds: this one is in the year 318857.
	cases[len(cases)-1].steps[0]["completed_at"] = 1e13
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := int64(5000 + i)
			body := absurdSteps(t, id, c.steps)
			it := item(t, fmt.Sprintf("absurd-%d", i), "workflow_job", body, time.Date(2026, 9, 3, 11, 0, 0, 0, time.UTC))
			if _, err := s.Write(ctx, []store.Item{it}); err != nil {
				t.Fatal(err)
			}
			j := jobsByLocalID(t, s, 0)[id]
			if !j.StepsFlagged || len(j.Steps) != c.wantSteps {
				t.Fatalf("flagged %v, %d steps; want flagged, %d", j.StepsFlagged, len(j.Steps), c.wantSteps)
			}
			if raw, err := s.RawPayload(ctx, it.Delivery.ID); err != nil || string(raw) != string(body) {
				t.Fatalf("raw payload not kept whole (%d of %d bytes): %v", len(raw), len(body), err)
			}
		})
	}
}

// A step key already stored with other texts (an md5 collision, made here by hand) makes
// the write fail: the step is never stored under another step's texts. The same write
// without the collision stores every step, whether its keys are new or already known.
func TestStepKeyCollisionRefused(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2026, 9, 2, 10, 0, 0, 0, time.UTC)
	e := jobEvent{jobID: 501, runID: 9, created: created, started: created.Add(time.Minute), completed: created.Add(13 * time.Minute),
		runner: "pool-a-1", labels: []string{"ubuntu-latest"}, conclusion: "success", status: "completed"}
	setUp := store.Step{Name: "Set up job", Status: "completed", Conclusion: "success"}
	if _, err := s.Pool().Exec(ctx, "INSERT INTO step_keys VALUES ($1, 'Something else', 'completed', 'success')", store.StepKeyID(&setUp)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Write(ctx, []store.Item{item(t, "d-501", "workflow_job", e.payload(t), created)})
	if !errors.Is(err, store.ErrStepKeyCollision) {
		t.Fatalf("write with a colliding key: %v, want a collision error", err)
	}
	if !store.IsDataError(err) || store.IsUnavailable(err) {
		t.Fatalf("a collision is the delivery's fault (400, on record), not an unavailable store (503): %v", err)
	}
	if _, err := s.Pool().Exec(ctx, "DELETE FROM step_keys"); err != nil {
		t.Fatal(err)
	}
	for i, id := range []int64{501, 502} { // new keys, then the same keys known
		e.jobID = id
		if _, err := s.Write(ctx, []store.Item{item(t, fmt.Sprintf("d-%d-%d", id, i), "workflow_job", e.payload(t), created)}); err != nil {
			t.Fatal(err)
		}
		jobs, err := s.Jobs(ctx, store.JobFilter{MinID: id, MaxID: id})
		if err != nil || len(jobs) != 1 || len(jobs[0].Steps) != len(stepNames) || jobs[0].Steps[0].Name != "Set up job" {
			t.Fatalf("job %d: %+v, %v; want its %d steps", id, jobs, err, len(stepNames))
		}
	}
}

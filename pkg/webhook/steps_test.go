package webhook_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

// An absurd step list in a signed delivery is a 2xx: the delivery is stored whole, its
// projection holds at most store.MaxSteps steps and is flagged. A list that is not the
// shape GitHub sends (a number that is text) is the payload's fault: 400 and a recorded
// rejection, as go-github's own types would refuse it. Never a 5xx.
func TestAbsurdStepListsAreStoredAndFlagged(t *testing.T) {
	step := func(n any, started, completed string) map[string]any {
		return map[string]any{"number": n, "name": "step", "status": "completed", "conclusion": "success",
			"started_at": started, "completed_at": completed}
	}
	const t0, t1 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"
	thousands := make([]any, 20_000)
	for i := range thousands {
		thousands[i] = step(i%3000, t0, t1) // repeated and missing (0) numbers, over the cap
	}
	cases := []struct {
		name      string
		steps     []any
		wantCode  int
		wantSteps int
	}{
		{"twenty thousand steps, numbers repeated and missing", thousands, 200, store.MaxSteps},
		{"times out of order", []any{step(1, t1, t0), step(2, t0, t1)}, 200, 2},
		{"no numbers at all", []any{step(nil, t0, t1), step(nil, t0, t1)}, 200, 0},
		{"a number that is text", []any{step("x", t0, t1)}, 400, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := fixtures.Edited("workflow_job.completed.1", fixtures.SetJobField("steps", c.steps))
			sink, rej := &fakeSink{}, &fakeRejections{}
			h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: sink, Rejections: rej, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signed("workflow_job", "steps-"+string(rune('a'+i)), body))
			if c.wantCode != 200 {
				if w.Code != c.wantCode || len(sink.items) != 0 || len(rej.got) != 1 {
					t.Fatalf("code %d, stored %d, rejected %d; want %d and a rejection", w.Code, len(sink.items), len(rej.got), c.wantCode)
				}
				return
			}
			if w.Code/100 != 2 || len(sink.items) != 1 || len(rej.got) != 0 {
				t.Fatalf("code %d, stored %d, rejected %d; want 2xx, stored, not rejected", w.Code, len(sink.items), len(rej.got))
			}
			j := sink.items[0].Projection.Job
			if len(j.Steps) != c.wantSteps || !j.StepsFlagged {
				t.Fatalf("%d steps, flagged %v; want %d, flagged", len(j.Steps), j.StepsFlagged, c.wantSteps)
			}
			if string(sink.items[0].Delivery.Payload) != string(body) {
				t.Error("the raw payload must be kept whole")
			}
		})
	}
}

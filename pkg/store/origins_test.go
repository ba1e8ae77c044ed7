package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// A queued delivery that failed and was redelivered hours later does not stretch the
// approval wait: the projection takes the time GitHub first delivered it, live and in
// Reproject alike.
func TestLateRedeliveryKeepsApprovalWait(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	approved := created.Add(4 * time.Minute)
	redelivered := created.Add(5 * time.Hour)
	cases := []struct {
		name       string
		origin     bool // the reconciler recorded the original delivery time
		wantWait   time.Duration
		wantQueueS float64
	}{
		// Waiting from 09:00:01 to the approval at 09:04: 3m59s; started at 09:05.
		{"original time recorded", true, 3*time.Minute + 59*time.Second, 61},
		// Without it the receipt of the redelivery is the approval: the wait is clamped at
		// the start, and the queue time lost.
		{"no original time", false, 5 * time.Minute, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := int64(7000 + i)
			e := jobEvent{jobID: id, runID: id, created: created, started: created.Add(5 * time.Minute),
				completed: created.Add(20 * time.Minute), conclusion: "success", runner: "r1", labels: []string{"ubuntu-latest"}}
			write := func(status string, copy int, at time.Time) {
				e.status = status
				if _, err := s.Write(ctx, []store.Item{item(t, deliveryID(id, status, copy), "workflow_job", e.payload(t), at)}); err != nil {
					t.Fatal(err)
				}
			}
			write("queued", 0, created)
			write("waiting", 0, created.Add(time.Second))
			// The re-queue at the approval failed; the job ran and finished meanwhile.
			write("in_progress", 0, e.started)
			write("completed", 0, e.completed)
			if c.origin {
				if err := s.RecordOrigins(ctx, map[string]time.Time{deliveryID(id, "queued", 1): approved}); err != nil {
					t.Fatal(err)
				}
			}
			write("queued", 1, redelivered) // the reconciler's redelivery
			check := func(when string) {
				j := jobsByLocalID(t, s, id)[0]
				if got := j.ApprovalWait(); got != c.wantWait {
					t.Fatalf("%s: approval wait %v, want %v", when, got, c.wantWait)
				}
				if q := j.QueueSeconds(); q == nil || *q != c.wantQueueS {
					t.Fatalf("%s: queue seconds %v, want %v", when, q, c.wantQueueS)
				}
			}
			check("live")
			if _, err := s.Reproject(ctx, 3); err != nil {
				t.Fatal(err)
			}
			check("reprojected")
		})
	}
}

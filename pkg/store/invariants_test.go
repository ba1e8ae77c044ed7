package store_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// Invariant 1: a delivery received twice is stored once and the projection is unchanged.
func TestDuplicateDeliveryStoredOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var items []store.Item
	for i, p := range fixtures.All() {
		items = append(items, item(t, p.Name, p.Event, p.Body, now.Add(time.Duration(i)*time.Second)))
	}
	res, err := s.Write(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stored != len(items) || res.Duplicates != 0 {
		t.Fatalf("first write: %+v, want %d stored", res, len(items))
	}
	before := snapshot(t, s)

	// The same deliveries again, later, in one batch and one by one.
	again := make([]store.Item, len(items))
	for i, it := range items {
		again[i] = item(t, it.Delivery.ID, it.Delivery.Event, it.Delivery.Payload, now.Add(time.Hour))
	}
	if res, err = s.Write(ctx, again); err != nil || res.Stored != 0 || res.Duplicates != len(items) {
		t.Fatalf("second write: %+v %v, want all duplicates", res, err)
	}
	for _, it := range again[:5] {
		if res, err = s.Write(ctx, []store.Item{it, it}); err != nil || res.Stored != 0 {
			t.Fatalf("single duplicate write: %+v %v", res, err)
		}
	}
	if after := snapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Fatalf("projection changed by duplicates:\nbefore %+v\nafter  %+v", before, after)
	}
	var n int
	if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM deliveries").Scan(&n); err != nil || n != len(items) {
		t.Fatalf("deliveries rows = %d (%v), want %d", n, err, len(items))
	}
}

// Invariant 2: every permutation of many jobs' events, split into random batches, projects
// to exactly the same rows. Each permutation writes its own copy of the jobs (ids offset),
// so one database holds them all and the rows are compared with the offset removed.
func TestOrderIndependence(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const jobs, permutations = 40, 12
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	type ev struct {
		job    int
		status string
		at     time.Time // when the event happened, used as its receipt time
		e      jobEvent
	}
	var events []ev
	for j := range jobs {
		created := base.Add(time.Duration(rng.IntN(3600)) * time.Second)
		started := created.Add(time.Duration(5+rng.IntN(900)) * time.Second)
		done := started.Add(time.Duration(30+rng.IntN(3000)) * time.Second)
		e := jobEvent{created: created, started: started, completed: done,
			conclusion: []string{"success", "failure", "cancelled"}[rng.IntN(3)],
			runner:     []string{"pool-a-1", "pool-a-2", "gpu-1"}[rng.IntN(3)],
			labels:     [][]string{{"self-hosted", "linux", "x64"}, {"ubuntu-latest"}, {"self-hosted", "gpu"}}[rng.IntN(3)]}
		statuses := []string{"queued", "in_progress", "completed"}
		if j%4 == 0 { // an environment approval: queued, waiting, queued again, running
			statuses = []string{"queued", "waiting", "queued", "in_progress", "completed"}
		}
		step := started.Sub(created) / time.Duration(len(statuses))
		for k, st := range statuses {
			events = append(events, ev{job: j, status: st, at: created.Add(time.Duration(k) * step), e: e})
		}
	}
	var want map[int64]store.Job
	for p := range permutations {
		offset := int64(p+1) * 1_000_000
		order := rng.Perm(len(events))
		if p == 0 { // the first copy is the worst case: every job's completion arrives first
			order = reverse(len(events))
		}
		var batch []store.Item
		flush := func() {
			if _, err := s.Write(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
		for i, idx := range order {
			e := events[idx]
			je := e.e
			je.jobID, je.runID, je.status = offset+int64(e.job), offset+int64(e.job/3), e.status
			id := deliveryID(je.jobID, e.status, i%2) + e.at.Format("150405")
			batch = append(batch, item(t, id, "workflow_job", je.payload(t), e.at))
			if rng.IntN(4) == 0 {
				flush()
			}
		}
		flush()
		got := jobsByLocalID(t, s, offset)
		if len(got) != jobs {
			t.Fatalf("permutation %d: %d rows, want %d", p, len(got), jobs)
		}
		if want == nil {
			want = got
			continue
		}
		for id, w := range want {
			if g := got[id]; !reflect.DeepEqual(g, w) {
				t.Fatalf("permutation %d, job %d differs:\n got %+v\nwant %+v", p, id, g, w)
			}
		}
	}
	// Sanity: the merged rows are the full story, not an empty agreement.
	for id, j := range want {
		if j.Status != "completed" || j.StartedAt == nil || j.CompletedAt == nil || j.Conclusion == "" || j.QueueSeconds() == nil {
			t.Fatalf("job %d not fully merged: %+v", id, j)
		}
		if len(j.Steps) != len(stepNames) || j.Steps[len(j.Steps)-1].Status != "completed" || j.Steps[0].Duration() == nil {
			t.Fatalf("job %d steps not fully merged: %+v", id, j.Steps)
		}
		if want := map[string]string{"failure": "Run tests"}[j.Conclusion]; j.FailedStep() != want && id%5 != 0 {
			t.Fatalf("job %d (%s) failed at %q, want %q", id, j.Conclusion, j.FailedStep(), want)
		}
		if id%4 == 0 && j.ApprovalWait() <= 0 {
			t.Fatalf("job %d waited for approval but approval wait is %v", id, j.ApprovalWait())
		}
	}
}

func reverse(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = n - 1 - i
	}
	return out
}

// Invariant 3: status never moves backwards and no later event erases a known timestamp.
func TestStatusAndTimestampsOnlyMoveForward(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	e := jobEvent{jobID: 77, runID: 7, created: created, started: created.Add(time.Minute),
		completed: created.Add(5 * time.Minute), conclusion: "success", runner: "pool-a-1", labels: []string{"ubuntu-latest"}}
	cases := []struct {
		name       string
		sequence   []string
		wantStatus string
	}{
		{"in order", []string{"queued", "in_progress", "completed"}, "completed"},
		{"completed first", []string{"completed", "queued", "in_progress", "waiting"}, "completed"},
		{"running then stale queued", []string{"in_progress", "queued", "waiting"}, "in_progress"},
		{"approval path", []string{"queued", "waiting", "queued", "in_progress"}, "in_progress"},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			je := e
			je.jobID = e.jobID + int64(ci)
			var prev *store.Job
			for i, st := range c.sequence {
				je.status = st
				it := item(t, deliveryID(je.jobID, st, i), "workflow_job", je.payload(t), created.Add(time.Duration(i)*time.Second))
				if _, err := s.Write(ctx, []store.Item{it}); err != nil {
					t.Fatal(err)
				}
				cur := jobsByLocalID(t, s, 0)[je.jobID]
				if prev != nil {
					if rank(cur.Status) < rank(prev.Status) {
						t.Fatalf("after %s: status went back from %s to %s", st, prev.Status, cur.Status)
					}
					for name, pair := range map[string][2]*time.Time{
						"created_at": {prev.CreatedAt, cur.CreatedAt}, "started_at": {prev.StartedAt, cur.StartedAt},
						"completed_at": {prev.CompletedAt, cur.CompletedAt},
					} {
						if pair[0] != nil && (pair[1] == nil || !pair[1].Equal(*pair[0])) {
							t.Fatalf("after %s: %s changed from %v to %v", st, name, pair[0], pair[1])
						}
					}
					checkStepsForward(t, st, prev.Steps, cur.Steps)
					if prev.RunnerName != "" && cur.RunnerName != prev.RunnerName {
						t.Fatalf("after %s: runner changed from %q to %q", st, prev.RunnerName, cur.RunnerName)
					}
				}
				prev = &cur
			}
			if prev.Status != c.wantStatus {
				t.Fatalf("final status %s, want %s", prev.Status, c.wantStatus)
			}
		})
	}
}

func rank(status string) int {
	return map[string]int{"queued": 1, "waiting": 2, "in_progress": 3, "completed": 4}[status]
}

package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// permutations returns every order of n items.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// A synthetic closure merges like any event: every order of a job's events and closures,
// each sent twice, gives one row; a real completion wins over a closure whichever arrives
// first; a 404 wins over an expiry.
func TestClosureMergeOrderIndependence(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	closedAt := created.Add(48 * time.Hour)
	e := jobEvent{runID: 5, created: created, started: created.Add(3 * time.Minute), completed: created.Add(9 * time.Minute),
		conclusion: "success", runner: "pool-a-1", labels: []string{"self-hosted", "linux"}}
	type step struct{ status, closure string }
	cases := []struct {
		name                           string
		steps                          []step
		wantClosedBy, wantConclusion   string
		wantCompleted                  time.Time
		wantAbandoned, wantQueueSecond bool
	}{
		{"expired while queued", []step{{"queued", ""}, {"", store.ClosedExpired}},
			store.ClosedExpired, "expired", closedAt, true, false},
		{"real completion after expiry wins", []step{{"queued", ""}, {"", store.ClosedExpired}, {"in_progress", ""}, {"completed", ""}},
			store.ClosedGitHub, "success", e.completed, false, true},
		{"gone beats expired", []step{{"queued", ""}, {"", store.ClosedExpired}, {"", store.ClosedGone}},
			store.ClosedGone, "gone", closedAt, true, false},
		{"late start keeps the expiry but is not abandoned", []step{{"queued", ""}, {"in_progress", ""}, {"", store.ClosedExpired}},
			store.ClosedExpired, "expired", closedAt, false, true},
	}
	base := int64(0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want *store.Job
			for pi, perm := range permutations(len(c.steps)) {
				base++
				id := base * 700 // the payload's runner id depends on the job id modulo 7
				var items []store.Item
				for copy := range 2 {
					for k, idx := range perm {
						st := c.steps[idx]
						at := created.Add(time.Duration(k) * time.Minute)
						if st.closure != "" {
							it, err := store.ClosureItem(id, st.closure, closedAt, at, "test")
							if err != nil {
								t.Fatal(err)
							}
							items = append(items, it)
							continue
						}
						je := e
						je.jobID, je.runID, je.status = id, id+5, st.status
						items = append(items, item(t, deliveryID(id, st.status, copy), "workflow_job", je.payload(t), at))
					}
				}
				for _, it := range items { // one at a time: each merges into the stored row
					if _, err := s.Write(ctx, []store.Item{it}); err != nil {
						t.Fatal(err)
					}
				}
				got := jobsByLocalID(t, s, id)[0]
				got.FirstSeenAt, got.LastSeenAt = time.Time{}, time.Time{}
				got.WaitingSince, got.WaitingLastAt, got.QueuedLastAt = nil, nil, nil
				if want == nil {
					want = &got
				} else if !reflect.DeepEqual(got, *want) {
					t.Fatalf("order %d %v gives\n %+v\nwant %+v", pi, perm, got, *want)
				}
			}
			if want.Status != "completed" || want.ClosedBy != c.wantClosedBy || want.Conclusion != c.wantConclusion ||
				want.CompletedAt == nil || !want.CompletedAt.Equal(c.wantCompleted) {
				t.Fatalf("row %s/%s/%s at %v, want completed/%s/%s at %v", want.Status, want.ClosedBy, want.Conclusion,
					want.CompletedAt, c.wantClosedBy, c.wantConclusion, c.wantCompleted)
			}
			if got := want.Abandoned(); got != c.wantAbandoned {
				t.Fatalf("abandoned = %v, want %v", got, c.wantAbandoned)
			}
			if got := want.QueueSeconds() != nil; got != c.wantQueueSecond {
				t.Fatalf("has queue time = %v, want %v", got, c.wantQueueSecond)
			}
		})
	}
}

// Reproject replays the closures from the raw log: expired and gone jobs come back as they
// were, and so does a real completion that beat a closure.
func TestReprojectKeepsClosures(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	created := now.Add(-72 * time.Hour)
	for id := int64(1); id <= 6; id++ {
		e := jobEvent{jobID: id, runID: 1, status: "queued", created: created, labels: []string{"ubuntu-latest"}}
		if _, err := s.Write(ctx, []store.Item{item(t, deliveryID(id, "queued", 0), "workflow_job", e.payload(t), created)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CloseGone(ctx, 2, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := s.ExpireJobs(ctx, now)
	if err != nil || n != 5 {
		t.Fatalf("expired %d (%v), want 5 (every job but the gone one)", n, err)
	}
	// A real completion for job 3 arrives after its expiry.
	e := jobEvent{jobID: 3, runID: 1, status: "completed", created: created, started: created.Add(time.Minute),
		completed: created.Add(time.Hour), conclusion: "failure", runner: "r1", labels: []string{"ubuntu-latest"}}
	if _, err := s.Write(ctx, []store.Item{item(t, deliveryID(3, "completed", 0), "workflow_job", e.payload(t), now)}); err != nil {
		t.Fatal(err)
	}
	live := snapshot(t, s)
	by := map[int64]string{}
	for _, j := range live.Jobs {
		by[j.JobID] = j.ClosedBy + "/" + j.Conclusion
	}
	want := map[int64]string{1: "expired/expired", 2: "gone/gone", 3: "github/failure", 4: "expired/expired", 5: "expired/expired", 6: "expired/expired"}
	if !reflect.DeepEqual(by, want) {
		t.Fatalf("closures %v, want %v", by, want)
	}
	if _, err := s.Reproject(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if rebuilt := snapshot(t, s); !reflect.DeepEqual(live, rebuilt) {
		t.Fatalf("reprojected rows differ from live ones:\nlive %+v\nrebuilt %+v", live.Jobs, rebuilt.Jobs)
	}
	if n, err := s.ExpireJobs(ctx, now.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("a second sweep closed %d (%v), want 0", n, err)
	}
}

// Each of GitHub's limits closes a job once, and only once it has passed; the job's end is
// the limit, not the sweep.
func TestExpireJobsAtGitHubLimits(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	hosted, selfHosted := []string{"ubuntu-latest"}, []string{"self-hosted", "linux"}
	cases := []struct {
		name     string
		status   string
		labels   []string
		runner   string
		created  time.Duration // before now
		started  time.Duration // before now, for running jobs
		wantEnd  time.Duration // before now; 0: still open
		approval bool
	}{
		{"queued 47h stays open", "queued", hosted, "", 47 * time.Hour, 0, 0, false},
		{"queued 49h expires at 48h", "queued", hosted, "", 49 * time.Hour, 0, time.Hour, false},
		{"approved 10h ago counts from the approval", "queued", hosted, "", 60 * time.Hour, 0, 0, true},
		{"waiting 29 days stays open", "waiting", hosted, "", 29 * 24 * time.Hour, 0, 0, false},
		{"waiting 31 days expires at 30", "waiting", hosted, "", 31 * 24 * time.Hour, 0, 24 * time.Hour, false},
		{"hosted running 7h expires at 6h", "in_progress", hosted, "GitHub Actions 12", 8 * time.Hour, 7 * time.Hour, time.Hour, false},
		{"self-hosted running 7h stays open", "in_progress", selfHosted, "pool-1", 8 * time.Hour, 7 * time.Hour, 0, false},
		{"self-hosted running 6 days expires at 5", "in_progress", selfHosted, "pool-1", 6 * 24 * time.Hour, 6 * 24 * time.Hour, 24 * time.Hour, false},
		{"run older than 35 days", "in_progress", selfHosted, "pool-1", 36 * 24 * time.Hour, 2 * 24 * time.Hour, 24 * time.Hour, false},
	}
	for i, c := range cases {
		id := int64(100 + i)
		created := now.Add(-c.created)
		e := jobEvent{jobID: id, runID: id, created: created, started: now.Add(-c.started), runner: c.runner, labels: c.labels}
		statuses := []string{c.status}
		if c.approval {
			statuses = []string{"queued", "waiting", "queued"}
		}
		for k, st := range statuses {
			e.status = st
			at := created.Add(time.Duration(k) * time.Minute)
			if c.approval && k == 2 {
				at = now.Add(-10 * time.Hour)
			}
			if _, err := s.Write(ctx, []store.Item{item(t, deliveryID(id, st, k), "workflow_job", e.payload(t), at)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.ExpireJobs(ctx, now); err != nil {
		t.Fatal(err)
	}
	rows := jobsByLocalID(t, s, 0)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := rows[int64(100+i)]
			if c.wantEnd == 0 {
				if j.Status == "completed" {
					t.Fatalf("closed as %s at %v, want still %s", j.ClosedBy, j.CompletedAt, c.status)
				}
				return
			}
			want := now.Add(-c.wantEnd)
			if j.ClosedBy != store.ClosedExpired || j.Conclusion != "expired" || j.CompletedAt == nil || !j.CompletedAt.Equal(want) {
				t.Fatalf("row %s/%s/%s at %v, want completed/expired at %v", j.Status, j.ClosedBy, j.Conclusion, j.CompletedAt, want)
			}
		})
	}
}

// Contradictory timestamps are stored and flagged, and never give a negative queue time,
// wait or duration.
func TestInconsistentTimestampsFlagged(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name                       string
		started, completed         time.Duration // after created
		runner                     string
		wantFlag, wantQueue, wantW bool
	}{
		{"consistent", time.Minute, time.Hour, "r1", false, true, false},
		{"started before created", -time.Minute, time.Hour, "r1", true, true, false},
		{"completed before started", time.Hour, time.Minute, "r1", true, true, false},
		{"cancelled while queued, completed before created", 0, -time.Minute, "", true, false, true},
	}
	for i, c := range cases {
		id := int64(500 + i)
		e := jobEvent{jobID: id, runID: 9, status: "completed", created: at, started: at.Add(c.started),
			completed: at.Add(c.completed), conclusion: "cancelled", runner: c.runner, labels: []string{"ubuntu-latest"}}
		if _, err := s.Write(ctx, []store.Item{item(t, deliveryID(id, "completed", 0), "workflow_job", e.payload(t), at)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var flag bool
			var queue, wait, dur *float64
			err := s.Pool().QueryRow(ctx, `SELECT inconsistent, queue_s, abandoned_wait_s,
				greatest(extract(epoch FROM completed_at - started_at)::float8, 0) FROM workflow_jobs WHERE job_id = $1`, 500+i).
				Scan(&flag, &queue, &wait, &dur)
			if err != nil {
				t.Fatal(err)
			}
			if flag != c.wantFlag {
				t.Fatalf("inconsistent = %v, want %v", flag, c.wantFlag)
			}
			if (queue != nil) != c.wantQueue || (wait != nil) != c.wantW {
				t.Fatalf("queue_s %v, abandoned_wait_s %v; want queue %v, wait %v", queue, wait, c.wantQueue, c.wantW)
			}
			for name, v := range map[string]*float64{"queue_s": queue, "abandoned_wait_s": wait} {
				if v != nil && *v < 0 {
					t.Fatalf("%s = %v, negative", name, *v)
				}
			}
		})
	}
}

package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// buildEntry is one job of a Pipeline Hook's builds, as GitLab writes it: plain timestamps,
// and a runner whose tags and type only some hooks include.
func (e gitlabJobEvent) buildEntry(richRunner bool) map[string]any {
	b := map[string]any{"id": e.jobID, "stage": "coordinated:tag", "name": "auto_deploy:start", "status": e.status,
		"created_at": gitlabTS(e.created), "started_at": nil, "finished_at": nil, "queued_duration": nil,
		"when": "on_success", "manual": false, "allow_failure": e.allowFailure, "runner": nil}
	switch e.status {
	case "pending":
		b["queued_duration"] = e.received.Sub(e.queued).Seconds()
	case "running", "success", "failed", "canceled":
		b["started_at"], b["queued_duration"] = gitlabTS(e.started), e.started.Sub(e.queued).Seconds()
		r := map[string]any{"id": 500 + (e.jobID%1_000_000)%7, "description": e.runner, "active": true, "is_shared": false}
		if richRunner {
			r["tags"], r["runner_type"] = e.tags, "group_type"
		}
		b["runner"] = r
	}
	if e.status == "success" || e.status == "failed" || e.status == "canceled" {
		b["finished_at"] = gitlabTS(e.finished)
	}
	if e.status == "failed" {
		b["failure_reason"] = "script_failure"
	}
	return b
}

// pipelineWithBuilds is GitLab's real Pipeline Hook of one pipeline carrying these jobs.
func pipelineWithBuilds(id int64, status string, created time.Time, builds []map[string]any) []byte {
	return fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
		a := doc["object_attributes"].(map[string]any)
		a["id"], a["status"], a["created_at"], a["finished_at"], a["name"] = id, status, gitlabTS(created), nil, "Build pipeline"
		a["ref"], a["sha"] = "main", "95d49d1efbd941908580e79d65e4b5ecaf4a8305" // job.json's
		doc["builds"] = builds
	})
}

// A Pipeline Hook's builds merge with the Job Hooks by the same rules, in any order, with
// duplicates: with every Job Hook the rows are the Job Hooks' own (the poorer entries take
// nothing away); with some Job Hooks missing, the pipeline's hooks fill them to the same
// rows (the last of them names the runner's tags and type); and
// Reproject gives the same rows.
func TestGitLabPipelineBuildsMergeWithJobHooks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const jobs, permutations = 18, 5
	rng := rand.New(rand.NewPCG(19, 28))
	base := time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
	paths := make([][]gitlabJobEvent, jobs) // each job's hooks, in the order GitLab makes them
	for j := range jobs {
		created := base.Add(time.Duration(rng.IntN(600)) * time.Second)
		queued := created.Add(time.Duration(60+rng.IntN(600)) * time.Second)
		started := queued.Add(time.Duration(1+rng.IntN(300)) * time.Second)
		e := gitlabJobEvent{created: created, queued: queued, started: started, allowFailure: j%5 == 0,
			finished: started.Add(time.Duration(30+rng.IntN(900)) * time.Second),
			runner:   []string{"docker-1", "gpu-1"}[j%2], tags: [][]string{{"docker", "linux"}, {"gpu"}}[j%2]}
		statuses := []string{"created", "pending", "running", []string{"success", "failed", "canceled"}[j%3]}
		if j%4 == 0 {
			statuses = []string{"created", "manual", "pending", "running", statuses[3]}
		}
		for _, st := range statuses {
			x := e
			x.status = st
			x.received = map[string]time.Time{"created": created, "manual": created.Add(time.Second), "pending": queued.Add(time.Second), "running": started}[st]
			if x.received.IsZero() {
				x.received = e.finished
			}
			paths[j] = append(paths[j], x)
		}
	}
	type hook struct {
		id, event string
		body      func(offset int64) []byte
		received  time.Time
	}
	// Pipeline j/3 sends a hook at each step of its jobs' paths; the last one shows every
	// job finished and names its runner's tags. Received after its jobs' own hooks, as
	// GitLab sends the job's hook before its pipeline's.
	pipelineHooks := func(missing func(job int) bool) []hook {
		var out []hook
		for pl := range jobs / 3 {
			for step := range 5 {
				received := base
				var members []gitlabJobEvent
				for j := pl * 3; j < pl*3+3; j++ {
					e := paths[j][min(step, len(paths[j])-1)]
					members = append(members, e)
					received = maxT(received, e.received.Add(time.Second))
				}
				out = append(out, hook{id: fmt.Sprintf("pl-%d-%d", pl, step), event: store.GitLabPipelineHook, received: received,
					body: func(offset int64) []byte {
						var builds []map[string]any
						for i, e := range members {
							e.jobID = offset + int64(pl*3+i)
							builds = append(builds, e.buildEntry(step == 4 || missing(pl*3+i) && step%2 == 0))
						}
						return pipelineWithBuilds(offset+int64(pl), "running", base, builds)
					}})
			}
		}
		return out
	}
	jobHooks := func(missing func(job int) bool) []hook {
		var out []hook
		for j, path := range paths {
			for _, e := range path {
				if missing(j) && e.status != "created" {
					continue
				}
				out = append(out, hook{id: gitlabDeliveryID(int64(j), e.status, 0), event: store.GitLabJobHook, received: e.received,
					body: func(offset int64) []byte {
						e.jobID, e.pipelineID = offset+int64(j), offset+int64(j/3)
						return e.payload(t)
					}})
			}
		}
		return out
	}
	write := func(offset int64, hooks []hook, order []int) map[int64]store.Job {
		var batch []store.Item
		for i, idx := range order {
			h := hooks[idx]
			id := fmt.Sprintf("%d-%s", offset, h.id)
			batch = append(batch, gitlabItem(t, id, h.event, h.body(offset), h.received))
			if i%5 == 0 { // a duplicate, received later
				batch = append(batch, gitlabItem(t, id, h.event, h.body(offset), h.received.Add(time.Hour)))
			}
			if rng.IntN(3) == 0 || i == len(order)-1 {
				if _, err := s.Write(ctx, batch); err != nil {
					t.Fatal(err)
				}
				batch = nil
			}
		}
		got := jobsByLocalID(t, s, offset)
		for id, j := range got {
			j.HTMLURL, j.RunURL = "", "" // they name the copy's own ids
			got[id] = j
		}
		return got
	}
	none := func(int) bool { return false }
	ref := write(1_000_000, jobHooks(none), reverse(len(jobHooks(none))))

	cases := []struct {
		name    string
		missing func(job int) bool
	}{
		{"every job hook", none},
		{"every third job's hooks lost after created", func(j int) bool { return j%3 == 1 }},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hooks := append(jobHooks(c.missing), pipelineHooks(c.missing)...)
			var first map[int64]store.Job
			for p := range permutations {
				offset := int64(2+ci*permutations+p) * 1_000_000
				got := write(offset, hooks, rng.Perm(len(hooks)))
				if len(got) != jobs {
					t.Fatalf("permutation %d: %d rows, want %d", p, len(got), jobs)
				}
				if first == nil {
					first = got
				} else if !reflect.DeepEqual(got, first) {
					t.Fatalf("permutation %d differs from the first", p)
				}
			}
			for id, w := range ref {
				g := first[id]
				if c.missing(int(id)) && w.ManualSince != nil {
					// A manual job is manual from the first hook that says so: its
					// pipeline's, received after the Job Hook that was lost.
					if g.ManualSince == nil || g.ManualSince.Before(*w.ManualSince) {
						t.Fatalf("job %d manual since %v, want at or after %v", id, g.ManualSince, w.ManualSince)
					}
					g.ManualSince = w.ManualSince
				}
				g.FirstSeenAt, g.LastSeenAt, w.FirstSeenAt, w.LastSeenAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
				if !reflect.DeepEqual(g, w) {
					t.Fatalf("job %d\n got %+v\nwant %+v", id, g, w)
				}
			}
		})
	}
	live := snapshot(t, s)
	if st, err := s.Reproject(ctx, 17); err != nil || st.Skipped != 0 {
		t.Fatalf("reproject: %+v %v", st, err)
	}
	if rebuilt := snapshot(t, s); !reflect.DeepEqual(live, rebuilt) {
		t.Fatal("reprojected rows differ from live ingest")
	}
}

func maxT(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Reproject holds the projection tables exclusively and takes no per-row advisory locks:
// held to its end, one per job of a whole store would run Postgres out of its shared lock
// table (measured: 125,000 in one transaction fail with SQLSTATE 53200). So a session
// holding a job's advisory lock does not hold it up.
func TestReprojectTakesNoRowLocks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 10, 6, 8, 0, 0, 0, time.UTC)
	e := gitlabJobEvent{jobID: 4242, pipelineID: 42, status: "success", created: at, queued: at.Add(time.Minute),
		started: at.Add(2 * time.Minute), finished: at.Add(5 * time.Minute), received: at.Add(5 * time.Minute), runner: "r", tags: []string{"docker"}}
	if _, err := s.Write(ctx, []store.Item{gitlabItem(t, "lock-1", store.GitLabJobHook, e.payload(t), e.received)}); err != nil {
		t.Fatal(err)
	}
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", e.jobID); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", e.jobID)
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if st, err := s.Reproject(wait, 10); err != nil || st.Projected != 1 {
		t.Fatalf("reproject with a job's lock held elsewhere: %+v, %v", st, err)
	}
}

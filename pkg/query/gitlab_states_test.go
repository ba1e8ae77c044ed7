package query_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5/pgxpool"
)

// glStatesAt is the hour the GitLab jobs below are created, inside every rollup range.
var glStatesAt = t0.Add(30 * time.Hour)

// glJob is a GitLab job's life: offsets from glStatesAt; a zero offset is a state it never
// reached.
type glJob struct {
	id                        int64
	queued, started, finished time.Duration
	final                     string // success, skipped, canceled; "" while open
}

// hooks are the Job Hooks GitLab sends over the job's life, from its real job.json.
func (j glJob) hooks(t *testing.T) []store.Item {
	t.Helper()
	ts := func(d time.Duration) (string, string) {
		at := glStatesAt.Add(d)
		return at.Format("2006-01-02 15:04:05 UTC"), at.Format(time.RFC3339)
	}
	one := func(status string, received time.Duration) store.Item {
		body := fixtures.GitLabEdited("job", func(doc map[string]any) {
			doc["build_id"], doc["pipeline_id"], doc["build_status"] = j.id, 77, status
			doc["build_created_at"], doc["build_created_at_iso"] = ts(0)
			for _, k := range []string{"started_at", "finished_at"} {
				doc["build_"+k], doc["build_"+k+"_iso"] = nil, nil
			}
			doc["build_queued_duration"] = nil
			if status == "pending" {
				doc["build_queued_duration"] = (received - j.queued).Seconds()
			}
			if j.started > 0 && status != "pending" && status != "created" {
				doc["build_started_at"], doc["build_started_at_iso"] = ts(j.started)
				doc["build_queued_duration"] = (j.started - j.queued).Seconds()
			} else {
				doc["runner"] = nil
			}
			if status == j.final {
				doc["build_finished_at"], doc["build_finished_at_iso"] = ts(j.finished)
			}
		})
		d := store.Delivery{ID: fmt.Sprintf("gl-%d-%s", j.id, status), Event: store.GitLabJobHook, Payload: body,
			ReceivedAt: glStatesAt.Add(received), Forge: store.ForgeGitLab}
		p, err := store.Project(d)
		if err != nil {
			t.Fatalf("project %s: %v", d.ID, err)
		}
		return store.Item{Delivery: d, Projection: p}
	}
	out := []store.Item{one("created", 0)}
	if j.queued > 0 {
		out = append(out, one("pending", j.queued+time.Second))
	}
	if j.started > 0 {
		out = append(out, one("running", j.started))
	}
	if j.final != "" {
		out = append(out, one(j.final, j.finished))
	}
	return out
}

// glStatesJobs: created together with their pipeline, each waits for its earlier stages.
var glStatesJobs = []glJob{
	{id: 1, queued: 30 * time.Minute, started: 40 * time.Minute, finished: 50 * time.Minute, final: "success"},
	{id: 2, finished: 50 * time.Minute, final: "skipped"},  // its stage never ran
	{id: 3, finished: 20 * time.Minute, final: "canceled"}, // cancelled while held
	{id: 4, queued: 75 * time.Minute},                      // still pending, from the next hour
}

func seedGitLabStates(t *testing.T) (*pgxpool.Pool, *store.Store) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	s := openStore(t, url)
	var items []store.Item
	for _, j := range glStatesJobs {
		items = append(items, j.hooks(t)...)
	}
	if _, err := s.Write(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, s
}

// A GitLab job is queued from entering 'pending' (queued_at), not from its creation: its
// wait for earlier stages is not queue time, and a job that never entered the queue
// (skipped, cancelled while held) is never counted as queued.
func TestJobStatesGitLabQueuedAt(t *testing.T) {
	pool, _ := seedGitLabStates(t)
	req := query.Request{RefID: "A", From: glStatesAt.Add(-time.Hour), To: glStatesAt.Add(2 * time.Hour),
		Interval: 10 * time.Minute, MaxDataPoints: 1000, JSON: []byte(`{}`)}
	frames, err := types["job_states"](context.Background(), query.Env{DB: rawOnly{pool}}, req)
	if err != nil {
		t.Fatal(err)
	}
	f := frames[0]
	level := func(name string, at time.Duration) float64 {
		tf, _ := f.FieldByName("time")
		fl, _ := f.FieldByName(name)
		if tf == nil || fl == nil {
			t.Fatalf("no %s field: %v", name, f.Fields)
		}
		for i := 0; i < f.Rows(); i++ {
			if tf.At(i).(time.Time).Equal(glStatesAt.Add(at)) {
				v, _ := fl.ConcreteAt(i)
				return v.(float64)
			}
		}
		t.Fatalf("no bucket at %v", at)
		return 0
	}
	// A level at a bucket's start counts the transitions before it.
	cases := []struct {
		name            string
		at              time.Duration
		queued, running float64
	}{
		{"held by earlier stages", 10 * time.Minute, 0, 0},
		{"cancelled while held", 30 * time.Minute, 0, 0},
		{"job 1 pending", 40 * time.Minute, 1, 0},
		{"job 1 running", 50 * time.Minute, 0, 1},
		{"job 1 done, skipped job never queued", 60 * time.Minute, 0, 0},
		{"job 4 pending", 80 * time.Minute, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if q, r := level("queued", c.at), level("in_progress", c.at); q != c.queued || r != c.running {
				t.Fatalf("at +%v: queued %v, in_progress %v; want %v, %v", c.at, q, r, c.queued, c.running)
			}
		})
	}
}

// The rollups count GitLab's jobs and deliveries as the projections do (migration 0028).
func TestGitLabRollupsMatchProjections(t *testing.T) {
	pool, s := seedGitLabStates(t)
	if _, err := s.RefreshRollups(context.Background(), store.RollupOptions{Now: t0.Add(7*24*time.Hour + time.Minute)}); err != nil {
		t.Fatal(err)
	}
	compareAll(t, pool, []rollupCase{{"job_states", `{}`}, {"ingest_health", `{}`}}, true)
}

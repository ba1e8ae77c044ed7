package reconcile_test

import (
	"context"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/simulate"
)

// TestRedeliveryCapKeepsTheBacklog: with a cap of 5 per cycle, each cycle redelivers the
// oldest 5 and the checkpoint stops before the rest, so cycles drain the whole backlog and
// nothing is skipped.
func TestRedeliveryCapKeepsTheBacklog(t *testing.T) {
	e := newEnv(t, envOptions{repos: 3, hours: 12, noise: simulate.Noise{Drop: 0.12}, seed: 9})
	dropped := e.sim.Truth().Deliveries.Dropped
	if dropped < 11 {
		t.Fatalf("only %d dropped deliveries", dropped)
	}
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, Hooks: e.hookList(), Now: e.sim.Now,
		StuckAfter: 1000 * time.Hour, MaxRedeliveries: 5})
	if err != nil {
		t.Fatal(err)
	}
	total, cycles := 0, 0
	for ; cycles < 100; cycles++ {
		st, err := r.Cycle(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Redelivered > 5 {
			t.Fatalf("cycle %d redelivered %d, over the cap", cycles, st.Redelivered)
		}
		if want := max(dropped-total-5, 0); st.RedeliverBacklog != want {
			t.Fatalf("cycle %d: backlog %d, want %d", cycles, st.RedeliverBacklog, want)
		}
		total += st.Redelivered
		if st.Redelivered == 0 {
			break
		}
	}
	if total != dropped || cycles != (dropped+4)/5 {
		t.Errorf("redelivered %d in %d cycles; want all %d in %d", total, cycles, dropped, (dropped+4)/5)
	}
	if truth := e.sim.Truth(); !reflect.DeepEqual(truth.Jobs, counts(t, e.store, jobsSQL)) {
		t.Errorf("jobs after draining the backlog:\n truth %v\n store %v", truth.Jobs, counts(t, e.store, jobsSQL))
	}
}

// TestStuckJobs: the receiver stops hearing from GitHub for the last hours; jobs left
// queued or running are fetched by id and corrected, or confirmed still queued.
func TestStuckJobs(t *testing.T) {
	e := newEnv(t, envOptions{repos: 4, hours: 14, cutoff: start.Add(11 * time.Hour), seed: 4})
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, Now: e.sim.Now, MaxStuck: 10_000,
		StuckAfter: 20 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Cycle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.StuckChecked == 0 || st.StuckCorrected == 0 {
		t.Fatalf("cycle %+v: want stuck jobs checked and corrected", st)
	}
	rows := pgtest.Rows(t, e.store, `SELECT j.job_id, j.repo, j.status, c.api_status, c.confirmed_at
		FROM workflow_jobs j LEFT JOIN job_confirmations c USING (job_id)`)
	cutoff := e.sim.Now().Add(-20 * time.Minute)
	for _, row := range rows {
		id, repo, status := row[0].(int64), row[1].(string), row[2].(string)
		owner, name, _ := strings.Cut(repo, "/")
		api, ok := e.sim.Source().Job(owner, name, id)
		if !ok {
			t.Fatalf("job %d of %s unknown to the API", id, repo)
		}
		if status != api.GetStatus() && api.GetCreatedAt().Before(cutoff) {
			t.Errorf("job %d: store %s, GitHub %s", id, status, api.GetStatus())
		}
		if status != "completed" && row[3] != nil && row[3].(string) != api.GetStatus() {
			t.Errorf("job %d confirmed %v, GitHub says %s", id, row[3], api.GetStatus())
		}
	}
	again, err := r.Cycle(context.Background())
	if err != nil || again.StuckChecked != 0 {
		t.Errorf("second cycle at once: %+v, %v; confirmed jobs wait for the recheck interval", again, err)
	}
}

// TestExpiredLogs: logs GitHub no longer has are recorded as expired once, not retried.
func TestExpiredLogs(t *testing.T) {
	e := newEnv(t, envOptions{repos: 3, hours: 20, logGone: true, seed: 5})
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, Now: e.sim.Now, StuckAfter: 1000 * time.Hour, MaxLogs: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Cycle(context.Background())
	if err != nil || st.LogsExpired == 0 || st.LogsScanned != 0 {
		t.Fatalf("first cycle: %+v, %v; want every log expired", st, err)
	}
	if n := counts(t, e.store, `SELECT state || ' ' || http_status, count(*) FROM log_scans GROUP BY 1`); len(n) != 1 || n["expired 410"] != st.LogsExpired {
		t.Errorf("log_scans: %v; want %d rows 'expired 410'", n, st.LogsExpired)
	}
	again, err := r.Cycle(context.Background())
	if err != nil || again.LogsExpired != 0 || again.API.Requests != 0 {
		t.Errorf("second cycle: %+v, %v; want no log asked for again", again, err)
	}
}

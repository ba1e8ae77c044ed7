package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
)

// Two `ciradar serve` replicas on one primary, under load, with a third of the jobs sent
// to both (docs/scaling.md, "Several receivers on one primary"): every delivery is stored
// once, one replica leads the reconciler and the rollup refresh, and the rollups count
// every job once.
func TestReplicasShareOnePrimary(t *testing.T) {
	db := pgtest.NewDatabase(t)
	env := []string{"CIRADAR_DATABASE_URL=" + db, "CIRADAR_WEBHOOK_SECRET=" + testSecret,
		"CIRADAR_RECONCILE_INTERVAL=1s", "CIRADAR_ROLLUP_INTERVAL=500ms", "CIRADAR_LOG_LEVEL=debug"}
	a := startReceiver(t, freeAddr(t), env...)
	b := startReceiver(t, freeAddr(t), env...)

	// Three hours back: the hour has settled, and it stays open to the rollups (within
	// their 48 h hold) until its last job completes, so a refresh during the load cannot
	// make it final half-counted.
	gen, err := loadgen.NewGenerator(testSecret, "replicas", time.Now().Add(-3*time.Hour).Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	const jobs = 300
	prepared := make([][]loadgen.Delivery, jobs)
	for i := range prepared {
		prepared[i] = gen.Job(int64(i))
	}
	// a gets jobs 0–199, b gets 100–299: jobs 100–199 reach both, concurrently.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	results := make([]loadgen.Result, 2)
	errs := make([]error, 2)
	for i, part := range []struct {
		r    *receiver
		jobs [][]loadgen.Delivery
	}{{a, prepared[:200]}, {b, prepared[100:]}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = loadgen.Run(ctx, loadgen.Config{URL: part.r.url(), Concurrency: 16, Duration: time.Minute, Jobs: part.jobs})
		}()
	}
	wg.Wait()
	for i, res := range results {
		if errs[i] != nil || res.OK != 600 {
			t.Fatalf("receiver %d: %d of 600 deliveries answered 2xx (%v, codes %v)", i, res.OK, errs[i], res.Codes)
		}
	}
	loaded := time.Now()

	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM deliveries WHERE target_type <> 'api'"); n != 3*jobs {
		t.Errorf("%d deliveries stored, want %d: each once", n, 3*jobs)
	}
	if n := count("SELECT count(*) FROM workflow_jobs WHERE status = 'completed'"); n != jobs {
		t.Errorf("%d completed jobs, want %d", n, jobs)
	}

	// The leader refreshes after the load: wait for a refresh that began after it.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if count("SELECT count(*) FROM rollup_state WHERE refreshed_at > $1", loaded) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rollup refresh after the load\nreceiver a:\n%s\nreceiver b:\n%s", a.logs, b.logs)
		}
	}
	rows, err := conn.Query(ctx, "SELECT dim, sum(jobs)::int FROM rollup_job_hour GROUP BY dim ORDER BY dim")
	if err != nil {
		t.Fatal(err)
	}
	sums, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		Dim  string
		Jobs int
	}])
	if err != nil || len(sums) == 0 {
		t.Fatalf("rollup_job_hour: %v, %d dimensions", err, len(sums))
	}
	for _, s := range sums {
		if s.Jobs != jobs {
			t.Errorf("rollup_job_hour counts %d jobs by %s, want %d: each once", s.Jobs, s.Dim, jobs)
		}
	}

	cycles := func(r *receiver) int { return strings.Count(r.logs.String(), `"msg":"reconcile cycle"`) }
	refreshes := func(r *receiver) int { return strings.Count(r.logs.String(), `"msg":"rollups refreshed"`) }
	leader, other := a, b
	if cycles(b) > 0 {
		leader, other = b, a
	}
	if cycles(leader) == 0 || refreshes(leader) == 0 {
		t.Errorf("no replica led: %d cycles, %d refreshes", cycles(leader), refreshes(leader))
	}
	if cycles(other) != 0 || refreshes(other) != 0 {
		t.Errorf("both replicas led: the other ran %d cycles and %d refreshes", cycles(other), refreshes(other))
	}
}

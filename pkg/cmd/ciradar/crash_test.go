package main

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

const (
	testSecret   = "crash-test-secret-7f3a"
	testPassword = "db-password-91c2"
)

var statusRank = map[string]int{"queued": 1, "waiting": 2, "in_progress": 3, "completed": 4}

// acked collects the deliveries a receiver acknowledged.
type acked struct {
	mu  sync.Mutex
	ids map[string]loadgen.Delivery
	n   atomic.Int64
}

func (a *acked) record(d loadgen.Delivery, code int) {
	if code < 200 || code > 299 {
		return
	}
	a.mu.Lock()
	a.ids[d.ID] = d
	a.mu.Unlock()
	a.n.Add(1)
}

func prepare(t *testing.T, prefix string, jobs int) [][]loadgen.Delivery {
	t.Helper()
	gen, err := loadgen.NewGenerator(testSecret, prefix, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]loadgen.Delivery, jobs)
	for i := range out {
		out[i] = gen.Job(int64(i))
	}
	return out
}

// withPassword puts a password into a pgtest URL; trust auth ignores it, but the receiver
// has it in its configuration, so the log check below is meaningful.
func withPassword(url string) string {
	return strings.Replace(url, "postgres://postgres@", "postgres://postgres:"+testPassword+"@", 1)
}

// A receiver killed with SIGKILL under load loses no delivery it acknowledged.
func TestCrashLosesNoAcknowledgedDelivery(t *testing.T) {
	db := withPassword(pgtest.NewDatabase(t))
	env := []string{"CIRADAR_DATABASE_URL=" + db, "CIRADAR_WEBHOOK_SECRET=" + testSecret}
	addr := freeAddr(t)
	r := startReceiver(t, addr, env...)

	jobs := prepare(t, "crash", 1500)
	ack := &acked{ids: map[string]loadgen.Delivery{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan loadgen.Result, 1)
	go func() {
		res, _ := loadgen.Run(ctx, loadgen.Config{URL: r.url(), Concurrency: 32, Duration: 2 * time.Minute, Jobs: jobs, OnAnswer: ack.record})
		done <- res
	}()
	for ack.n.Load() < 1500 {
		time.Sleep(5 * time.Millisecond)
	}
	r.signal(syscall.SIGKILL)
	r.wait(t, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // let in-flight requests fail against the dead port
	cancel()
	res := <-done
	if res.Errors == 0 && !res.Drained {
		t.Logf("no request was cut off by the kill (sent %d)", res.Sent)
	}

	r2 := startReceiver(t, addr, env...)
	s, err := store.Open(context.Background(), db, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkStored(t, s, ack)
	t.Logf("acknowledged before the kill: %d of %d sent", len(ack.ids), res.Sent)

	// GitHub would redeliver the rest; after that every job is complete.
	res2, err := loadgen.Run(context.Background(), loadgen.Config{URL: r2.url(), Concurrency: 16, Duration: 2 * time.Minute, Jobs: jobs})
	if err != nil || res2.OK != res2.Sent || !res2.Drained {
		t.Fatalf("resend after restart: %+v %v", res2, err)
	}
	completed, err := s.Jobs(context.Background(), store.JobFilter{Statuses: []string{"completed"}})
	if err != nil || len(completed) != len(jobs) {
		t.Fatalf("%d completed jobs after redelivery (%v), want %d", len(completed), err, len(jobs))
	}
	assertNoSecrets(t, r.logs.String()+r2.logs.String())
}

// checkStored asserts every acknowledged delivery is in the raw log and its job is projected
// at least as far as that delivery's state.
func checkStored(t *testing.T, s *store.Store, ack *acked) {
	t.Helper()
	ctx := context.Background()
	ids := make([]string, 0, len(ack.ids))
	for id := range ack.ids {
		ids = append(ids, id)
	}
	n, err := s.CountDeliveries(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ids) {
		t.Fatalf("%d deliveries acknowledged, only %d stored", len(ids), n)
	}
	jobs, err := s.Jobs(ctx, store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]store.Job{}
	for _, j := range jobs {
		byID[j.JobID] = j
	}
	for id, d := range ack.ids {
		state := id[strings.LastIndex(id, "-")+1:] // ids end in the job's state
		j, ok := byID[d.JobID]
		if !ok || statusRank[j.Status] < statusRank[state] {
			t.Fatalf("delivery %s acknowledged but job %d projected as %q", id, d.JobID, j.Status)
		}
	}
}

func assertNoSecrets(t *testing.T, logs string) {
	t.Helper()
	if logs == "" {
		t.Fatal("no log output captured: the check would prove nothing")
	}
	for _, secret := range []string{testSecret, testPassword} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a secret appeared in the logs")
		}
	}
	if strings.Contains(logs, `"workflow_job":`) || strings.Contains(logs, "head_sha") {
		t.Fatalf("a payload body appeared in the logs")
	}
}

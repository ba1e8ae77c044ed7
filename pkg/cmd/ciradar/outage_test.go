package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
)

// While Postgres is down the receiver answers 503 within 2 s and /readyz fails; when
// Postgres returns, the same receiver process recovers by itself.
func TestDatabaseOutage(t *testing.T) {
	cluster, err := pgtest.StartCluster()
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer cluster.Remove()
	db := withPassword(cluster.URL("postgres"))
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret)
	if code := r.get("/readyz"); code != 200 {
		t.Fatalf("/readyz = %d before the outage", code)
	}
	jobs := prepare(t, "outage", 600)
	phase := func(name string, from, to int) (map[int]int, time.Duration) {
		var mu sync.Mutex
		codes := map[int]int{}
		res, err := loadgen.Run(context.Background(), loadgen.Config{URL: r.url(), Concurrency: 16,
			Duration: time.Minute, Jobs: jobs[from:to],
			OnAnswer: func(_ loadgen.Delivery, code int) { mu.Lock(); codes[code]++; mu.Unlock() }})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return codes, res.Max
	}

	if codes, _ := phase("before", 0, 100); codes[200] != 300 {
		t.Fatalf("before the outage: %v", codes)
	}
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	codes, slowest := phase("during", 100, 200)
	if codes[503] != 300 {
		t.Fatalf("during the outage: %v, want 300 × 503", codes)
	}
	// The bound is the receiver's commit timeout (1.5 s) plus scheduling: the promise is 2 s.
	if slowest > 2*time.Second {
		t.Fatalf("slowest 503 took %s, want under 2s", slowest)
	}
	if code := r.get("/readyz"); code != 503 {
		t.Fatalf("/readyz = %d during the outage, want 503", code)
	}
	if code := r.get("/healthz"); code != 200 {
		t.Fatalf("/healthz = %d during the outage: the process itself is fine", code)
	}

	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for r.get("/readyz") != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("receiver did not recover\n%s", r.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The deliveries refused during the outage, redelivered, and new ones: all stored.
	if codes, _ := phase("after", 100, 300); codes[200] != 600 {
		t.Fatalf("after the outage: %v", codes)
	}
	// 300 failed deliveries are not 300 log lines: one, then one count per interval.
	if n := strings.Count(r.logs.String(), "delivery not stored"); n == 0 || n > 3 {
		t.Fatalf("%d 'delivery not stored' lines for 300 failures; want the first and a count per interval", n)
	}
	assertNoSecrets(t, r.logs.String())
}

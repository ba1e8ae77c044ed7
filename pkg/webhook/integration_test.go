package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Concurrent deliveries through the real handler, group commit and Postgres: every 2xx is
// stored and projected, and a resent delivery is acknowledged without being stored twice.
func TestConcurrentDeliveriesCommitBeforeAck(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reg := prometheus.NewRegistry()
	metrics := webhook.NewMetrics(reg)
	c := store.NewCommitter(s, store.CommitterOptions{Writers: 2, ObserveBatch: metrics.ObserveBatch})
	defer c.Close()
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: c, Rejections: s, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	gen, err := loadgen.NewGenerator(secret, "it", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	const jobs = 150
	prepared := make([][]loadgen.Delivery, jobs)
	for i := range prepared {
		prepared[i] = gen.Job(int64(i))
	}
	var mu sync.Mutex
	codes := map[int]int{}
	res, err := loadgen.Run(ctx, loadgen.Config{URL: srv.URL, Concurrency: 32, Duration: time.Minute, Jobs: prepared,
		OnAnswer: func(_ loadgen.Delivery, code int) { mu.Lock(); codes[code]++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 3*jobs || codes[200] != 3*jobs {
		t.Fatalf("answers %v, want %d × 200", codes, 3*jobs)
	}
	done, err := s.Jobs(ctx, store.JobFilter{Statuses: []string{"completed"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != jobs {
		t.Fatalf("%d completed jobs projected, want %d", len(done), jobs)
	}
	if got := testutil.ToFloat64(metrics.Deliveries("workflow_job", "stored")); got != 3*jobs {
		t.Fatalf("metric stored = %v, want %d", got, 3*jobs)
	}

	// A redelivery of an acknowledged delivery: 200, counted as duplicate, stored once.
	d := prepared[0][0]
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(d.Body))
	req.Header.Set("X-GitHub-Event", d.Event)
	req.Header.Set("X-GitHub-Delivery", d.ID)
	req.Header.Set("X-Hub-Signature-256", d.Signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("redelivery answered %d", resp.StatusCode)
	}
	if n, _ := s.CountDeliveries(ctx, []string{d.ID}); n != 1 {
		t.Fatalf("redelivered id stored %d times", n)
	}
	if got := testutil.ToFloat64(metrics.Deliveries("workflow_job", "duplicate")); got != 1 {
		t.Fatalf("metric duplicate = %v, want 1", got)
	}
}

package webhook_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

// BenchmarkIngest drives the real handler, group commit and Postgres over loopback HTTP, in
// one process, so that a CPU profile shows the receiver's whole path:
//
//	go test ./pkg/webhook -run XXX -bench Ingest -cpuprofile cpu.out
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(b), store.Options{MaxConns: 8})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := store.NewCommitter(s, store.CommitterOptions{})
	defer c.Close()
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: c, Rejections: s})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	gen, err := loadgen.NewGenerator(secret, "bench", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	jobs := make([][]loadgen.Delivery, b.N/3+1)
	for i := range jobs {
		jobs[i] = gen.Job(int64(i))
	}
	b.ResetTimer()
	res, err := loadgen.Run(ctx, loadgen.Config{URL: srv.URL, Concurrency: 64, Duration: time.Hour, Jobs: jobs})
	if err != nil || res.OK != res.Sent {
		b.Fatalf("%+v %v", res, err)
	}
	b.ReportMetric(res.Rate(), "deliveries/s")
}

package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestQueueTimeMatchesSimulator plays the simulator's default world for a day into a
// store, with duplicates and reordering, and holds queue_time per label set to the
// simulator's ground truth: the same count, p50, p95 and max (nearest rank, as both sides
// define them), to the second.
func TestQueueTimeMatchesSimulator(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	st, err := store.Open(ctx, url, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(simulate.DefaultConfig(), 11, start)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(w, simulate.Options{
		Noise:   simulate.Noise{Duplicate: 0.05, Reorder: 0.05},
		Deliver: storeDeliveries(st),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(ctx, start.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	truth := sim.Truth()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// One bucket holds the whole run: 400-day buckets from the epoch do not split it.
	req := query.Request{RefID: "A", From: start.Add(-time.Hour), To: truth.End.Add(time.Hour), Interval: 400 * 24 * time.Hour,
		MaxDataPoints: 1, JSON: []byte(`{"groupBy": "labels"}`)}
	frames, err := query.QueueTime(ctx, query.Env{DB: pool}, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != len(truth.QueueTime) {
		t.Errorf("%d label sets, truth has %d", len(frames), len(truth.QueueTime))
	}
	for _, f := range frames {
		label := f.Fields[1].Labels["label_key"]
		want, ok := truth.QueueTime[label]
		if !ok || f.Rows() != 1 {
			t.Errorf("label set %q: %d buckets, in truth: %v", label, f.Rows(), ok)
			continue
		}
		got := func(i int) float64 { return *f.Fields[i].At(0).(*float64) }
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"count", got(7), float64(want.Count)}, {"p50", got(1), want.P50}, {"p95", got(3), want.P95}, {"max", got(5), want.Max}} {
			if c.got != c.want {
				t.Errorf("%s %s = %v, truth %v", label, c.name, c.got, c.want)
			}
		}
	}
	t.Logf("%d deliveries, %d label sets checked", truth.Deliveries.Sent, len(frames))
}

// storeDeliveries writes each simulated delivery straight into st, received at the
// simulated send time, as a receiver whose clock reads that time would (approval waits are
// measured by receipt).
func storeDeliveries(st *store.Store) func(context.Context, simulate.Delivery) (int, error) {
	return func(ctx context.Context, d simulate.Delivery) (int, error) {
		del := store.Delivery{ID: d.GUID, Event: d.Event, Action: d.Action, HookID: 1, TargetType: "organization",
			ReceivedAt: d.At, Payload: d.Body}
		p, err := store.Project(del)
		if err != nil {
			return 400, err
		}
		if _, err := st.Write(ctx, []store.Item{{Delivery: del, Projection: p}}); err != nil {
			return 503, err
		}
		return 202, nil
	}
}

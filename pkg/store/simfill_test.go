package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
)

// simulateInto runs a simulated organisation (acme, 5 repositories, seed) from start for
// span, with duplicates and reordering on, as the migration tests fill their old-layout
// stores: each delivery is projected, handed to each (which keeps it in the old layout)
// and written to live, the same deliveries through live ingest for reference.
func simulateInto(t *testing.T, live *store.Store, seed uint64, start time.Time, span time.Duration, each func(store.Item) error) *simulate.Simulator {
	t.Helper()
	ctx := context.Background()
	cfg := simulate.DefaultConfig()
	cfg.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: 5}}
	w, err := simulate.NewWorld(cfg, seed, start)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(w, simulate.Options{
		Noise: simulate.Noise{Duplicate: 0.05, Reorder: 0.1},
		Deliver: func(ctx context.Context, d simulate.Delivery) (int, error) {
			del := store.Delivery{ID: d.GUID, Event: d.Event, Action: d.Action, HookID: d.Org.HookID, TargetType: "organization",
				TargetID: d.Org.ID, ReceivedAt: d.At, Payload: d.Body}
			p, err := store.Project(del)
			if err != nil {
				return 400, err
			}
			it := store.Item{Delivery: del, Projection: p}
			if err := each(it); err != nil {
				return 503, err
			}
			if _, err := live.Write(ctx, []store.Item{it}); err != nil {
				return 503, err
			}
			return 202, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(ctx, start.Add(span)); err != nil {
		t.Fatal(err)
	}
	return sim
}

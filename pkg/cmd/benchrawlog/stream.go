package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
)

// stream plays a simulated world for d and returns its deliveries as the receiver would
// write them: projected, in the order GitHub sent them.
func stream(cfg simulate.Config, seed uint64, start time.Time, d time.Duration) ([]store.Item, error) {
	w, err := simulate.NewWorld(cfg, seed, start)
	if err != nil {
		return nil, err
	}
	var items []store.Item
	var perr error
	sim, err := simulate.New(w, simulate.Options{Deliver: func(_ context.Context, d simulate.Delivery) (int, error) {
		del := store.Delivery{ID: d.GUID, Event: d.Event, Action: d.Action, HookID: d.Org.HookID,
			TargetType: "organization", TargetID: d.Org.ID, ReceivedAt: d.At, Payload: d.Body}
		p, err := store.Project(del)
		if err != nil && perr == nil {
			perr = fmt.Errorf("project %s %s: %w", d.Event, d.GUID, err)
		}
		items = append(items, store.Item{Delivery: del, Projection: p})
		return 202, nil
	}})
	if err != nil {
		return nil, err
	}
	if err := sim.RunFast(context.Background(), start.Add(d)); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return items, perr
}

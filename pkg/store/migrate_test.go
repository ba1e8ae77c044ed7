package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// Replicas starting together apply each migration exactly once; a second run applies none.
func TestMigrateConcurrentlyAppliesEachOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewEmptyDatabase(t)
	const replicas = 4
	var wg sync.WaitGroup
	applied := make([][]int, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = store.Migrate(ctx, url)
		}()
	}
	wg.Wait()
	var all []int
	for i := range replicas {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		all = append(all, applied[i]...)
	}
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(all)
	if len(all) != len(ms) || len(slices.Compact(slices.Clone(all))) != len(ms) {
		t.Fatalf("applied %v across replicas, want each of %d migrations once", all, len(ms))
	}
	again, err := store.Migrate(ctx, url)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v (%v), want nothing", again, err)
	}
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Schema(ctx)
	if err != nil || !st.Current() || st.Applied != store.LatestVersion() {
		t.Fatalf("schema %+v (%v), want current at %d", st, err, store.LatestVersion())
	}
}

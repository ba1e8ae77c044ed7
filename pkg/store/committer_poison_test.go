package store

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// A delivery the database refuses for its data fails alone: its batch is retried item by
// item once, the others commit, and none of them is written more than twice. A database
// that is down is not retried item by item at all.
func TestCommitterPoisonItem(t *testing.T) {
	cases := []struct {
		name         string
		err          error
		wantWrites   int // writes of a good item, at most
		wantGoodFail bool
	}{
		{name: "data error: the rest commit", err: &pgconn.PgError{Code: "22021"}, wantWrites: 2},
		{name: "database down: no item-by-item storm", err: &pgconn.PgError{Code: "08006"}, wantWrites: 1, wantGoodFail: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			writes := map[string]int{}
			start := make(chan struct{})
			write := func(_ context.Context, items []Item) (WriteResult, error) {
				<-start
				mu.Lock()
				defer mu.Unlock()
				res := WriteResult{New: map[string]bool{}}
				for _, it := range items {
					writes[it.Delivery.ID]++
					res.New[it.Delivery.ID] = true
				}
				for _, it := range items {
					if it.Delivery.ID == "poison" || c.wantGoodFail {
						return WriteResult{}, c.err
					}
				}
				return res, nil
			}
			cm := newCommitter(write, CommitterOptions{Writers: 1, MinBatch: 1})
			defer cm.Close()
			ids := []string{"poison"}
			for i := range 20 {
				ids = append(ids, fmt.Sprintf("good-%02d", i))
			}
			errs := make(map[string]error)
			var wg sync.WaitGroup
			var emu sync.Mutex
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := cm.Submit(context.Background(), Item{Delivery: Delivery{ID: id}})
					emu.Lock()
					errs[id] = err
					emu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			if !IsDataError(errs["poison"]) && !IsUnavailable(errs["poison"]) {
				t.Fatalf("poison: %v", errs["poison"])
			}
			for _, id := range ids[1:] {
				if (errs[id] != nil) != c.wantGoodFail {
					t.Fatalf("%s: err %v, want failure %v", id, errs[id], c.wantGoodFail)
				}
				if writes[id] > c.wantWrites {
					t.Fatalf("%s written %d times, want at most %d", id, writes[id], c.wantWrites)
				}
			}
		})
	}
}

package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// fakeWrites stands in for Store.Write: it reports every batch as its write starts and
// holds the write until the test releases it (or closes release).
type fakeWrites struct {
	started chan []Item
	release chan struct{}
}

func newFakeWrites() *fakeWrites {
	return &fakeWrites{started: make(chan []Item, 16), release: make(chan struct{}, 16)}
}

func (f *fakeWrites) write(ctx context.Context, items []Item) (WriteResult, error) {
	f.started <- slices.Clone(items)
	<-f.release
	res := WriteResult{Stored: len(items), New: map[string]bool{}}
	for _, it := range items {
		res.New[it.Delivery.ID] = true
	}
	return res, nil
}

// next waits for the next write to start. The timeout only keeps a broken dispatcher from
// hanging the test; no result depends on it.
func (f *fakeWrites) next(t *testing.T, what string) []Item {
	t.Helper()
	select {
	case b := <-f.started:
		return b
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no write started", what)
		return nil
	}
}

func submitAsync(c *Committer, ids ...string) chan error {
	errs := make(chan error, len(ids))
	for _, id := range ids {
		go func() {
			stored, err := c.Submit(context.Background(), Item{Delivery: Delivery{ID: id}})
			if err == nil && !stored {
				err = fmt.Errorf("%s: not stored", id)
			}
			errs <- err
		}()
	}
	return errs
}

func batchSizes(t *testing.T, f *fakeWrites, n int, what string) []int {
	t.Helper()
	var sizes []int
	for range n {
		sizes = append(sizes, len(f.next(t, what)))
	}
	return sizes
}

// While one transaction is in flight, the next starts only with MinBatch deliveries, so
// transactions stay large under load; alone, a writer takes whatever waits, and after
// Close the rest is written whatever its size.
func TestCommitterBatching(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, c *Committer, f *fakeWrites)
	}{
		{"alone, a writer takes a single delivery", func(t *testing.T, c *Committer, f *fakeWrites) {
			submitAsync(c, "a")
			if got := batchSizes(t, f, 1, "first"); got[0] != 1 {
				t.Fatalf("first batch %v, want 1 delivery", got)
			}
			f.release <- struct{}{}
		}},
		{"beside a transaction in flight, the next waits for MinBatch", func(t *testing.T, c *Committer, f *fakeWrites) {
			submitAsync(c, "a")
			batchSizes(t, f, 1, "first")
			submitAsync(c, "b", "c", "d", "e")
			if got := batchSizes(t, f, 1, "second"); got[0] != 4 {
				t.Fatalf("second batch started with %v deliveries while one was in flight, want MinBatch (4)", got)
			}
			f.release <- struct{}{}
			f.release <- struct{}{}
		}},
		{"deliveries short of MinBatch go when the transaction in flight ends", func(t *testing.T, c *Committer, f *fakeWrites) {
			submitAsync(c, "a")
			batchSizes(t, f, 1, "first")
			done := submitAsync(c, "b", "c")
			f.release <- struct{}{}
			var got []int
			for n := 0; n < 2; {
				b := f.next(t, "after the first")
				got, n = append(got, len(b)), n+len(b)
				f.release <- struct{}{}
			}
			for range 2 {
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			if len(got) == 0 || slices.Max(got) > 2 {
				t.Fatalf("batches %v after the first", got)
			}
		}},
		{"after Close the rest goes without waiting for MinBatch", func(t *testing.T, c *Committer, f *fakeWrites) {
			submitAsync(c, "a")
			batchSizes(t, f, 1, "first")
			done := submitAsync(c, "b", "c")
			// Wait until both wait in the committer, then close it while "a" is in flight.
			for deadline := time.Now().Add(10 * time.Second); c.waiting.Load() < 2; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%d deliveries wait beside the transaction in flight, want 2", c.waiting.Load())
				}
			}
			go c.Close()
			if got := batchSizes(t, f, 1, "after Close"); got[0] != 2 {
				t.Fatalf("after Close a batch of %v, want the 2 waiting", got)
			}
			f.release <- struct{}{}
			f.release <- struct{}{}
			for range 2 {
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeWrites()
			c := newCommitter(f.write, CommitterOptions{Writers: 4, MinBatch: 4})
			t.Cleanup(func() {
				close(f.release) // every write held now, or later, returns
				c.Close()
			})
			tc.run(t, c, f)
		})
	}
}

// When writes cannot keep up, the committer holds a bounded number of deliveries
// (MaxBatch × Writers in its queue, as many again in its channel); beyond that Submit waits
// and gives up at its deadline, so a stuck database turns into 503s, not memory.
func TestCommitterQueueIsBounded(t *testing.T) {
	cases := []struct {
		name              string
		writers, maxBatch int
		submits           int
	}{
		{"one writer, batches of 2", 1, 2, 12},
		{"two writers, batches of 1", 2, 1, 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeWrites()
			c := newCommitter(f.write, CommitterOptions{Writers: tc.writers, MaxBatch: tc.maxBatch, MinBatch: 1})
			t.Cleanup(func() {
				close(f.release)
				c.Close()
			})
			errs := make(chan error, tc.submits)
			for i := range tc.submits {
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
					defer cancel()
					_, err := c.Submit(ctx, Item{Delivery: Delivery{ID: fmt.Sprint("q-", i)}})
					errs <- err
				}()
			}
			// No write finishes: every Submit ends at its deadline. Those past the bound
			// never got in, so they cannot be in any write that started.
			held := 0
			for range tc.submits {
				if err := <-errs; err == nil {
					t.Fatal("a Submit returned without its write finishing")
				}
			}
		drain:
			for {
				select {
				case b := <-f.started:
					held += len(b)
				default:
					break drain
				}
			}
			bound := 2*tc.writers*tc.maxBatch + tc.writers*tc.maxBatch // channel, queue, in flight
			if held+int(c.waiting.Load())+len(c.in) > bound {
				t.Fatalf("%d in writes, %d queued, %d in the channel: more than %d held", held, c.waiting.Load(), len(c.in), bound)
			}
		})
	}
}

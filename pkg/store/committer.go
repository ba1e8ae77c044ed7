package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("committer closed")

// CommitterOptions tune group commit.
type CommitterOptions struct {
	// Writers is the number of concurrent writer transactions; default 4. On two cores, 4
	// beat 2 (more commits overlap their WAL flushes) and 8 lost to lock contention.
	Writers      int
	MaxBatch     int           // deliveries per transaction at most; default 256
	WriteTimeout time.Duration // a batch that takes longer is abandoned; default 5s
	// ObserveBatch, when set, is told the size of every committed batch.
	ObserveBatch func(size int)
}

// Committer is group commit: concurrent Submits share transactions. A writer takes every
// delivery waiting when it becomes free, so batches grow with load and no request waits for
// a timer. Submit returns only after the transaction holding its delivery has committed.
type Committer struct {
	store *Store
	opts  CommitterOptions
	in    chan *pending
	wg    sync.WaitGroup

	mu     sync.RWMutex
	closed bool
}

type pending struct {
	item Item
	done chan outcome
}

type outcome struct {
	stored bool
	err    error
}

// NewCommitter starts the writers.
func NewCommitter(s *Store, opts CommitterOptions) *Committer {
	if opts.Writers <= 0 {
		opts.Writers = 4
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	c := &Committer{store: s, opts: opts, in: make(chan *pending, opts.MaxBatch*opts.Writers)}
	for range opts.Writers {
		c.wg.Add(1)
		go c.writer()
	}
	return c
}

// Submit queues one delivery and waits for its commit. stored is false when the delivery was
// already in the log. When ctx ends first the delivery may still commit later; the caller
// must then answer as if it had not (a redelivery is harmless: it is deduplicated).
func (c *Committer) Submit(ctx context.Context, it Item) (stored bool, err error) {
	p := &pending{item: it, done: make(chan outcome, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return false, ErrClosed
	}
	select {
	case c.in <- p:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return false, ctx.Err()
	}
	select {
	case o := <-p.done:
		return o.stored, o.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Close stops accepting, lets the writers commit everything already queued, and waits.
func (c *Committer) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.in)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *Committer) writer() {
	defer c.wg.Done()
	for first := range c.in {
		batch := []*pending{first}
	fill:
		for len(batch) < c.opts.MaxBatch {
			select {
			case p, ok := <-c.in:
				if !ok {
					break fill
				}
				batch = append(batch, p)
			default:
				break fill
			}
		}
		c.commit(batch)
	}
}

func (c *Committer) commit(batch []*pending) {
	items := make([]Item, len(batch))
	for i, p := range batch {
		items[i] = p.item
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.WriteTimeout)
	res, err := c.store.Write(ctx, items)
	cancel()
	if err != nil && len(batch) > 1 && !isConnectionError(err) {
		// One bad delivery must not fail its neighbours: retry them one by one.
		for _, p := range batch {
			c.commit([]*pending{p})
		}
		return
	}
	if err == nil && c.opts.ObserveBatch != nil {
		c.opts.ObserveBatch(len(batch))
	}
	for _, p := range batch {
		p.done <- outcome{stored: err == nil && res.New[p.item.Delivery.ID], err: err}
	}
}

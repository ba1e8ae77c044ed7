package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
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
	// MinBatch is the fewest deliveries a writer starts a transaction with while another
	// transaction is in flight; alone, a writer takes whatever is waiting. Default 32.
	// Every transaction has a fixed cost (its statements, its commit) on both sides: with
	// 64 connections and four writers free to start at once, batches held 8 deliveries, and
	// Postgres spent a third more CPU a delivery than with batches of 32 (BENCHMARKS.md).
	// 1 starts a transaction whenever a writer is free.
	MinBatch int
	// ObserveBatch, when set, is told the size of every committed batch.
	ObserveBatch func(size int)
}

// Committer is group commit: concurrent Submits share transactions. A dispatcher hands
// every delivery waiting to a free writer: at once when no transaction is in flight, or
// when MinBatch are waiting; otherwise the deliveries wait for the next writer to finish.
// So batches grow with load, and no request waits for a timer, only for a commit already
// under way. Submit returns only after the transaction holding its delivery has committed.
type Committer struct {
	opts    CommitterOptions
	write   func(context.Context, []Item) (WriteResult, error)
	in      chan *pending
	batches chan []*pending
	done    chan struct{} // a writer finished a batch
	wg      sync.WaitGroup
	waiting atomic.Int32 // deliveries the dispatcher holds, not yet handed to a writer

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
	return newCommitter(s.Write, opts)
}

func newCommitter(write func(context.Context, []Item) (WriteResult, error), opts CommitterOptions) *Committer {
	if opts.Writers <= 0 {
		opts.Writers = 4
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	if opts.MinBatch <= 0 {
		opts.MinBatch = 32
	}
	c := &Committer{write: write, opts: opts, in: make(chan *pending, opts.MaxBatch*opts.Writers),
		batches: make(chan []*pending, opts.Writers), done: make(chan struct{}, opts.Writers)}
	for range opts.Writers {
		c.wg.Add(1)
		go c.writer()
	}
	go c.dispatch()
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

// dispatch owns the queue. It drains what is waiting, hands out batches the rule in the
// type's comment allows, then sleeps until a delivery arrives or a writer finishes. After
// Close it hands out the rest without waiting for MinBatch.
func (c *Committer) dispatch() {
	defer close(c.batches)
	var queue []*pending
	inflight, open := 0, true
	// The queue holds at most as much as the channel in front of it. Beyond that Submit
	// blocks, and its deadline turns a database that cannot keep up into 503s, not memory.
	limit := c.opts.MaxBatch * c.opts.Writers
	for open || len(queue) > 0 {
	drain:
		for open && len(queue) < limit {
			select {
			case p, ok := <-c.in:
				if !ok {
					open = false
					break drain
				}
				queue = append(queue, p)
			default:
				break drain
			}
		}
		for len(queue) > 0 && inflight < c.opts.Writers && (inflight == 0 || !open || len(queue) >= c.opts.MinBatch) {
			n := min(len(queue), c.opts.MaxBatch)
			c.batches <- queue[:n:n]
			queue = queue[n:]
			inflight++
		}
		c.waiting.Store(int32(len(queue)))
		if !open && len(queue) == 0 {
			return
		}
		var in <-chan *pending
		if open && len(queue) < limit {
			in = c.in
		}
		select {
		case p, ok := <-in:
			if !ok {
				open = false
			} else {
				queue = append(queue, p)
			}
		case <-c.done:
			inflight--
		}
	}
}

func (c *Committer) writer() {
	defer c.wg.Done()
	for batch := range c.batches {
		c.commit(batch)
		c.done <- struct{}{}
	}
}

func (c *Committer) commit(batch []*pending) {
	items := make([]Item, len(batch))
	for i, p := range batch {
		items[i] = p.item
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.WriteTimeout)
	res, err := c.write(ctx, items)
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

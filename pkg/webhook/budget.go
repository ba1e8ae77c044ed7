package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrOverBudget is returned when a body could not get its bytes within the wait.
var ErrOverBudget = errors.New("too many request bodies being read at once")

// Budget bounds the bytes of request bodies held at once, so that the receiver's memory is
// set by its configuration and not by how many large bodies strangers send: the body is
// read before its signature can be checked, so every sender gets to make us hold one.
//
// A body of known length is charged its Content-Length before a byte is read; a chunked
// body is charged as it grows. Small bodies (every real delivery: GitHub's are 2–30 KB)
// have a reserve that large ones can never take, so a flood of large bodies slows only
// large bodies.
type Budget struct {
	total   int64 // bytes held at once, at most
	reserve int64 // part of total that only small bodies may use
	small   int64 // a body up to this size is small

	mu      sync.Mutex
	used    int64
	large   int64 // bytes held by large bodies
	peak    int64 // most bytes held since the last TakePeak
	changed chan struct{}
}

// NewBudget makes a budget of total bytes, reserve of them kept for bodies of at most small
// bytes. A large body of maxBody must fit in what is not reserved.
func NewBudget(total, reserve, small, maxBody int64) (*Budget, error) {
	switch {
	case total <= 0 || reserve < 0 || small <= 0:
		return nil, fmt.Errorf("body budget: total, reserve and small must be positive (got %d, %d, %d)", total, reserve, small)
	case total-reserve < maxBody:
		return nil, fmt.Errorf("body budget: %d bytes less the %d reserved for small bodies cannot hold one %d-byte body", total, reserve, maxBody)
	}
	return &Budget{total: total, reserve: reserve, small: small, changed: make(chan struct{})}, nil
}

// Grant is bytes taken from a budget. Release gives them back; it may be called more than
// once, and on a nil Grant.
type Grant struct {
	b     *Budget
	n     int64
	large bool
	once  sync.Once
}

// Acquire takes n bytes, waiting until ctx ends. A body is large when n is over the small
// size, or when it grows past it (Grow).
func (b *Budget) Acquire(ctx context.Context, n int64) (*Grant, error) {
	g := &Grant{b: b}
	if err := b.take(ctx, g, n); err != nil {
		return nil, err
	}
	return g, nil
}

// Grow adds n bytes to the grant, waiting until ctx ends.
func (g *Grant) Grow(ctx context.Context, n int64) error { return g.b.take(ctx, g, n) }

// Release returns the grant's bytes.
func (g *Grant) Release() {
	if g == nil {
		return
	}
	g.once.Do(func() {
		b := g.b
		b.mu.Lock()
		b.used -= g.n
		if g.large {
			b.large -= g.n
		}
		b.wake()
		b.mu.Unlock()
	})
}

func (b *Budget) take(ctx context.Context, g *Grant, n int64) error {
	for {
		b.mu.Lock()
		if b.fits(g, n) {
			if !g.large && g.n+n > b.small {
				g.large = true
				b.large += g.n
			}
			g.n += n
			b.used += n
			if g.large {
				b.large += n
			}
			b.peak = max(b.peak, b.used)
			b.mu.Unlock()
			return nil
		}
		wait := b.changed
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrOverBudget, context.Cause(ctx))
		case <-wait:
		}
	}
}

// fits reports whether g may take n more bytes now. Call with b.mu held.
func (b *Budget) fits(g *Grant, n int64) bool {
	if b.used+n > b.total {
		return false
	}
	if g.large || g.n+n > b.small {
		moving := int64(0)
		if !g.large {
			moving = g.n // becoming large moves its bytes so far out of the small share
		}
		return b.large+moving+n <= b.total-b.reserve
	}
	return true
}

// wake tells every waiter that bytes came back. Call with b.mu held.
func (b *Budget) wake() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// Used is the bytes held now.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// TakePeak returns the most bytes held since the last call, and starts a new period.
func (b *Budget) TakePeak() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.peak
	b.peak = b.used
	return p
}

package badge

import (
	"net/netip"
	"sync"
	"time"
)

// maxClients bounds the per-client buckets kept; past it the idle ones are dropped (a
// client forgotten starts again with the full bucket it would have had by now).
const maxClients = 10_000

// limiter is a token bucket per client address and one for everybody: a badge costs a
// database lookup, and the receiver's database is for the webhooks first.
type limiter struct {
	rate, globalRate float64
	burst            float64
	now              func() time.Time

	mu      sync.Mutex
	global  bucket
	clients map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64, burst int, globalRate float64, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), globalRate: globalRate, now: now,
		global: bucket{tokens: globalRate}, clients: map[netip.Addr]*bucket{}}
}

// refill adds what has accrued since the bucket was last used, up to capacity.
func (b *bucket) refill(now time.Time, rate, capacity float64) {
	if !b.at.IsZero() {
		b.tokens = min(capacity, b.tokens+now.Sub(b.at).Seconds()*rate)
	}
	b.at = now
}

// take spends one token of the client's bucket and one of the global bucket, or says how
// long to wait.
func (l *limiter) take(client netip.Addr) (time.Duration, bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[client]
	if c == nil {
		if len(l.clients) >= maxClients {
			l.forgetOldest(now)
		}
		c = &bucket{tokens: l.burst, at: now}
		l.clients[client] = c
	}
	c.refill(now, l.rate, l.burst)
	// The global bucket holds one second of its rate: a burst from many clients is cut
	// at once rather than after it has hit the database.
	l.global.refill(now, l.globalRate, l.globalRate)
	switch {
	case c.tokens < 1:
		return time.Duration((1 - c.tokens) / l.rate * float64(time.Second)), false
	case l.global.tokens < 1:
		return time.Duration((1 - l.global.tokens) / l.globalRate * float64(time.Second)), false
	}
	c.tokens--
	l.global.tokens--
	return 0, true
}

// forgetOldest drops the buckets idle longest: those refilled to full again first.
func (l *limiter) forgetOldest(now time.Time) {
	idle := time.Duration(l.burst / l.rate * float64(time.Second))
	for a, b := range l.clients {
		if now.Sub(b.at) >= idle {
			delete(l.clients, a)
		}
	}
	if len(l.clients) >= maxClients {
		// Everyone is active: start over rather than grow without bound.
		clear(l.clients)
	}
}

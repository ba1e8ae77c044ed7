package store

import (
	"container/list"
	"fmt"
	"slices"
	"sync"
	"time"
)

// The write side of CodecZstdBase (rawbase.go): which payloads are stored against which
// base, and the bases a writer holds between writes.

// encodeBatch compresses a batch's payloads: each against its job's or run's base when
// there is one of the same week, else as encode does. The base is the one the codec holds
// (committed by an earlier write), else the earliest received delivery of the batch that
// is not a delta itself; such a delta records it in dep, and the write is tried again
// without it should that base turn out a duplicate, not stored by this batch (errBaseNotStored).
// A delta that fails, or does not shrink the payload, is stored with the dictionary
// alone: counted, never lost.
func (c *rawCodec) encodeBatch(items []Item) []encoded {
	out := make([]encoded, len(items))
	if c.asReceived || c.bases == nil {
		for i, it := range items {
			out[i] = c.encode(it.Delivery.Payload)
		}
		return out
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return items[a].Delivery.ReceivedAt.Compare(items[b].Delivery.ReceivedAt)
	})
	inBatch := map[baseKey]int{}
	for _, i := range order {
		it := items[i]
		d := it.Delivery
		k, ok := baseKeyOf(it)
		if !ok {
			out[i] = c.encode(d.Payload)
			continue
		}
		b, dep := c.bases.get(k), 0
		if b == nil || !sameWeek(b.at, d.ReceivedAt) {
			b = nil
			if j, ok := inBatch[k]; ok && sameWeek(items[j].Delivery.ReceivedAt, d.ReceivedAt) {
				o := items[j].Delivery
				b, dep = &cachedBase{key: k, id: o.ID, at: o.ReceivedAt, raw: o.Payload}, j+1
			}
		}
		if b != nil && b.id != d.ID {
			if e, ok := c.encodeAgainst(b, d); ok {
				e.dep = dep
				out[i] = e
				continue
			}
		}
		out[i] = c.encode(d.Payload)
		if j, held := inBatch[k]; !finished(it) && (!held || !sameWeek(items[j].Delivery.ReceivedAt, d.ReceivedAt)) {
			inBatch[k] = i
		}
	}
	return out
}

// encodeAgainst encodes d against base b, or says it could not (counted and heard).
func (c *rawCodec) encodeAgainst(b *cachedBase, d Delivery) (encoded, bool) {
	out, err := encodeAgainst(b, d.Payload, d.ReceivedAt)
	if err == nil && len(out) < len(d.Payload) {
		return encoded{codec: CodecZstdBase, bytes: out}, true
	}
	if err != nil {
		c.baseFailed(err)
	}
	return encoded{}, false
}

// errBaseNotStored is a write that would store deltas (by index) whose base of the same
// batch was a duplicate: Write encodes them again against the dictionary and retries.
type errBaseNotStored struct{ items []int }

func (e *errBaseNotStored) Error() string {
	return fmt.Sprintf("%d payloads encoded against a duplicate delivery of their batch", len(e.items))
}

// basesNotStored returns the items stored as deltas against an item of their batch that
// the insert did not store (a duplicate of an earlier delivery, whose stored bytes may
// differ), when they themselves were stored.
func basesNotStored(items []Item, stored []encoded, isNew map[string]bool) error {
	var bad []int
	for i, e := range stored {
		if e.dep > 0 && isNew[items[i].Delivery.ID] && !isNew[items[e.dep-1].Delivery.ID] {
			bad = append(bad, i)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &errBaseNotStored{bad}
}

// committed tells the codec which items a write stored, as stored: each job's or run's
// first committed payload that is no delta becomes its base, and a finished job or run
// lets its base go.
func (c *rawCodec) committed(items []Item, stored []encoded, isNew map[string]bool) {
	if c.bases == nil {
		return
	}
	var done []baseKey
	for i, it := range items {
		k, ok := baseKeyOf(it)
		switch {
		case !ok || !isNew[it.Delivery.ID]:
		case finished(it):
			done = append(done, k)
		case stored[i].codec != CodecZstdBase:
			c.bases.put(&cachedBase{key: k, id: it.Delivery.ID, at: it.Delivery.ReceivedAt, raw: it.Delivery.Payload})
		}
	}
	for _, k := range done {
		c.bases.drop(k)
	}
}

// baseKey is the job or run a delivery reports on.
type baseKey struct {
	forge string
	run   bool
	id    int64
}

// baseKeyOf returns the job or run whose first payload may serve it as a base: deliveries
// the forge sent about one job or one run. Closures and REST API rows are CI Radar's own.
func baseKeyOf(it Item) (baseKey, bool) {
	d, p := it.Delivery, it.Projection
	if d.TargetType == APITarget || d.Event == closureEvent || len(p.Jobs) > 0 {
		return baseKey{}, false
	}
	switch {
	case p.Job != nil && p.Run == nil:
		return baseKey{forge: d.Forge, id: p.Job.JobID}, true
	case p.Run != nil && p.Job == nil:
		return baseKey{forge: d.Forge, run: true, id: p.Run.RunID}, true
	}
	return baseKey{}, false
}

// finished reports whether it is the last delivery its job or run expects.
func finished(it Item) bool {
	p := it.Projection
	return p.Job != nil && p.Job.Status == "completed" || p.Run != nil && p.Run.Status == "completed"
}

// cachedBase is a committed row that later deliveries of its job or run are encoded
// against.
type cachedBase struct {
	key baseKey
	id  string
	at  time.Time
	raw []byte
}

// DefaultBaseCacheBytes bounds the payloads the writer holds as bases: the first payload
// of each open job and run, 8–20 KB each. 4 MB holds about 500 open jobs; past that the
// oldest are let go and their later deliveries stored against the dictionary alone. It is
// live heap, which serve's GOGC=400 lets grow fivefold: under `benchingest` the receiver's
// peak RSS was 65–92 MB before bases, 113.5 MB with 4 MB of them (BENCHMARKS.md
// "Session 10: bytes per job").
const DefaultBaseCacheBytes = 4 << 20

// baseCache holds the bases of open jobs and runs, oldest first, up to max bytes.
type baseCache struct {
	mu    sync.Mutex
	m     map[baseKey]*list.Element
	order list.List
	bytes int
	max   int
}

func newBaseCache(max int) *baseCache { return &baseCache{m: map[baseKey]*list.Element{}, max: max} }

// get returns the base of k, if held.
func (c *baseCache) get(k baseKey) *cachedBase {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		return e.Value.(*cachedBase)
	}
	return nil
}

// put holds b as its key's base, unless one of the same week is held already.
func (c *baseCache) put(b *cachedBase) {
	if len(b.raw) > c.max/16 {
		return // a huge payload would push out many bases for one
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[b.key]; ok {
		if sameWeek(e.Value.(*cachedBase).at, b.at) {
			return
		}
		c.remove(e)
	}
	c.m[b.key] = c.order.PushBack(b)
	c.bytes += len(b.raw)
	for c.bytes > c.max {
		c.remove(c.order.Front())
	}
}

// drop lets k's base go: its job or run is done.
func (c *baseCache) drop(k baseKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.remove(e)
	}
}

func (c *baseCache) remove(e *list.Element) {
	b := e.Value.(*cachedBase)
	c.order.Remove(e)
	delete(c.m, b.key)
	c.bytes -= len(b.raw)
}

package store

import (
	"container/list"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/klauspost/compress/zstd"
)

// A job's (or run's) later deliveries repeat its first almost whole: queued, in_progress
// and completed differ in a few members and the steps. CodecZstdBase stores such a
// delivery as zstd with the first one's payload, its base, as the only dictionary (raw
// content, as `zstd --patch-from` does), and names the base in a short header before the
// frame:
//
//	flags byte         bit 0: the base's id is a UUID, 16 bytes follow; else uvarint length + text
//	varint             this row's received_at minus the base's, in microseconds (zigzag)
//	base id
//	zstd frame         dictionary id 0: the base's payload as history
//
// Rules that keep every row readable (docs/scaling.md "A compact raw log"):
//   - a base is a row of another codec (0, 1 or 2), never a delta: reads chain at most once;
//   - a base was received in the same UTC week as the delta, so it lives in the same
//     partition: retention drops a week's partition whole, and deletes the default
//     partition's rows a whole week at a time (prune.go), so a delta never outlives its base;
//   - the writer only uses a base it has seen committed (baseCache), never one of its own
//     batch, whose id might turn out a duplicate of an earlier row with other bytes.
const CodecZstdBase int16 = 3

// ErrMissingBase is a delta row whose base row is not in the store, or cannot be decoded.
var ErrMissingBase = errors.New("payload base missing")

const baseIDIsUUID = 1

// appendBaseHeader appends the header naming base (id, received at baseAt) to dst, for a
// row received at at.
func appendBaseHeader(dst []byte, id string, baseAt, at time.Time) []byte {
	g := deliveryGUID(id)
	flags := byte(0)
	if g.Valid {
		flags = baseIDIsUUID
	}
	dst = append(dst, flags)
	dst = binary.AppendVarint(dst, at.UnixMicro()-baseAt.UnixMicro())
	if g.Valid {
		return append(dst, g.Bytes[:]...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(id)))
	return append(dst, id...)
}

// baseRef names the base row of a delta.
type baseRef struct {
	us int64 // received_at, in microseconds since the Unix epoch
	id string
}

func refOf(id string, at time.Time) baseRef { return baseRef{us: at.UnixMicro(), id: id} }

func (r baseRef) at() time.Time { return time.UnixMicro(r.us).UTC() }

// parseBaseHeader splits a delta row's bytes into its base and its zstd frame.
func parseBaseHeader(stored []byte, at time.Time) (baseRef, []byte, error) {
	bad := func(what string) (baseRef, []byte, error) {
		return baseRef{}, nil, fmt.Errorf("payload against a base: %s", what)
	}
	if len(stored) < 2 || stored[0]&^baseIDIsUUID != 0 {
		return bad("bad header")
	}
	flags, rest := stored[0], stored[1:]
	off, n := binary.Varint(rest)
	if n <= 0 {
		return bad("bad time offset")
	}
	rest = rest[n:]
	ref := baseRef{us: at.UnixMicro() - off}
	if flags&baseIDIsUUID != 0 {
		if len(rest) < 16 {
			return bad("short id")
		}
		ref.id = pgtype.UUID{Bytes: [16]byte(rest[:16]), Valid: true}.String()
		return ref, rest[16:], nil
	}
	l, n := binary.Uvarint(rest)
	if n <= 0 || l > uint64(len(rest)-n) {
		return bad("bad id length")
	}
	ref.id = string(rest[n : n+int(l)])
	return ref, rest[n+int(l):], nil
}

// sameWeek reports whether a and b fall in the same partition week (UTC, from Monday).
func sameWeek(a, b time.Time) bool { return weekStart(a).Equal(weekStart(b)) }

// baseCoders are zstd encoders and decoders reused across deltas: each is reset with one
// base as its dictionary for one payload. Building one costs far more than a reset, and an
// encoder holds about 1 MB (two 256 KB hash tables, its history and block buffers), so
// they are kept in a bounded free list, not a sync.Pool that each collection empties.
type baseCoders struct {
	enc chan *zstd.Encoder
	dec chan *zstd.Decoder
}

var coders = baseCoders{enc: make(chan *zstd.Encoder, 8), dec: make(chan *zstd.Decoder, 8)}

func (c baseCoders) encoder() (*zstd.Encoder, error) {
	select {
	case e := <-c.enc:
		return e, nil
	default:
		// A window of baseWindow, not the dictionary encoders' 1 MiB: the history an
		// encoder keeps is its window plus a block, and it is live heap that serve's
		// GOGC=400 lets grow fivefold. A base and a payload are 8–20 KB each.
		return zstd.NewWriter(nil, zstd.WithEncoderLevel(encodeLevel), zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true), zstd.WithWindowSize(baseWindow), zstd.WithLowerEncoderMem(true))
	}
}

// baseWindow is how far back a delta's encoder looks: base and payload together. A larger
// pair still encodes and decodes; it only finds fewer matches.
const baseWindow = 256 << 10

func (c baseCoders) putEncoder(e *zstd.Encoder) {
	select {
	case c.enc <- e:
	default:
	}
}

func (c baseCoders) decoder() (*zstd.Decoder, error) {
	select {
	case d := <-c.dec:
		return d, nil
	default:
		return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDecoded))
	}
}

func (c baseCoders) putDecoder(d *zstd.Decoder) {
	select {
	case c.dec <- d:
	default:
	}
}

// encodeAgainst compresses raw with base's payload as its only history, header included.
// It goes through the encoder's stream, not EncodeAll: a new dictionary costs the fastest
// encoder a 256 KB hash table built from it, and ResetWithOptions builds one for the
// stream besides the one EncodeAll's own encoder would build (measured: 39 µs a job
// delivery this way, 99 µs through EncodeAll; the bytes are the same).
func encodeAgainst(b *cachedBase, raw []byte, at time.Time) ([]byte, error) {
	e, err := coders.encoder()
	if err != nil {
		return nil, fmt.Errorf("payload base encoder: %w", err)
	}
	defer coders.putEncoder(e)
	out := &appender{b: appendBaseHeader(make([]byte, 0, len(raw)/8+64), b.id, b.at, at)}
	if err := e.ResetWithOptions(out, zstd.WithEncoderDictRaw(0, b.raw)); err != nil {
		return nil, fmt.Errorf("payload base encoder: %w", err)
	}
	e.ResetContentSize(out, int64(len(raw)))
	if _, err := e.Write(raw); err != nil {
		return nil, fmt.Errorf("encode payload against its base: %w", err)
	}
	if err := e.Close(); err != nil {
		return nil, fmt.Errorf("encode payload against its base: %w", err)
	}
	return out.b, nil
}

// appender is an io.Writer onto a byte slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// decodeAgainst decodes a delta's frame with its base's payload.
func decodeAgainst(base, frame []byte) ([]byte, error) {
	d, err := coders.decoder()
	if err != nil {
		return nil, fmt.Errorf("payload base decoder: %w", err)
	}
	defer coders.putDecoder(d)
	if err := d.ResetWithOptions(nil, zstd.WithDecoderDictRaw(0, base)); err != nil {
		return nil, fmt.Errorf("payload base decoder: %w", err)
	}
	out, err := d.DecodeAll(frame, nil)
	if err != nil {
		return nil, fmt.Errorf("decode payload against its base: %w", err)
	}
	return out, nil
}

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

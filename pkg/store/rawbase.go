package store

import (
	"encoding/binary"
	"errors"
	"fmt"
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
//   - the writer only uses a base it knows is stored: committed by an earlier write
//     (baseCache), or stored by the same transaction (rawbase_write.go: a base of the
//     batch that turns out a duplicate, whose stored bytes may differ, is no base).
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

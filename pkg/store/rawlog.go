package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

// How deliveries.payload holds a payload (migration 0023, docs/scaling.md "A compact raw
// log"). A row names its codec and, for zstd, its dictionary, so every row stays readable
// whatever dictionaries come later.
const (
	// CodecAsReceived is the payload as GitHub sent it: rows from before 0023.
	CodecAsReceived int16 = 0
	// CodecZstd is zstd, with the dictionary payload_dict names (NULL: none).
	CodecZstd int16 = 1
	// CodecFallback is the payload as received because compressing it failed (a payload
	// that does not shrink, or a dictionary that will not load): flagged, never lost.
	CodecFallback int16 = 2
)

// ErrMissingDictionary is a row that names a dictionary the store does not hold.
var ErrMissingDictionary = errors.New("payload dictionary missing")

// maxDecoded bounds what one payload may decode to: the receiver accepts 25 MB bodies, so
// a row that claims more is corrupt, and must not make a reader allocate without end.
const maxDecoded = 32 << 20

// rawCodec compresses payloads on the way in and decodes them on the way out. It holds
// dictionaries of payload_dictionaries, keyed by id, which is also the zstd frame's
// dictionary id; the newest one encodes. A raw-content dictionary is 1 MB by default, so
// besides the newest only the heldDictionaries most recently loaded are kept, with their
// decoders (see hold); an older row loads its dictionary again. Encoders and decoders are
// safe for concurrent EncodeAll and DecodeAll, and are built once per dictionary held.
type rawCodec struct {
	mu     sync.RWMutex
	loaded bool
	newest int32 // 0: no dictionary yet
	dicts  map[int32][]byte
	enc    map[int32]*zstd.Encoder
	dec    map[int32]*zstd.Decoder
	older  []int32 // held dictionaries other than the newest, least recently loaded first

	asReceived bool // Options.AsReceived: store every payload as received
	// bases holds the first committed payload of open jobs and runs, which their later
	// deliveries are encoded against (CodecZstdBase, rawbase.go); nil: Options.NoBases.
	bases *baseCache
	// baseFailures counts deltas that could not be encoded (stored with the dictionary
	// alone instead) and rows whose base could not be read.
	baseFailures atomic.Int64
	// onBaseFailure hears each of those, with why (see SetBaseFailureHook).
	onBaseFailure atomic.Pointer[func(error)]

	fallbacks atomic.Int64
	// onFallback hears each payload stored as received, with why; serve logs the first of
	// each kind (see SetFallbackHook).
	onFallback atomic.Pointer[func(error)]
}

func newRawCodec() *rawCodec {
	return &rawCodec{dicts: map[int32][]byte{}, enc: map[int32]*zstd.Encoder{}, dec: map[int32]*zstd.Decoder{}}
}

// encoderFor returns the encoder of dictionary id (0: none), building it on first use.
func (c *rawCodec) encoderFor(id int32) (*zstd.Encoder, error) {
	c.mu.RLock()
	e, ok := c.enc[id]
	dict := c.dicts[id]
	c.mu.RUnlock()
	if ok {
		return e, nil
	}
	if id != 0 && dict == nil {
		return nil, fmt.Errorf("%w: %d", ErrMissingDictionary, id)
	}
	e, err := newEncoder(id, dict)
	if err != nil {
		return nil, fmt.Errorf("payload dictionary %d: %w", id, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.enc[id]; ok {
		e.Close()
		return prev, nil
	}
	c.enc[id] = e
	return e, nil
}

// encodeLevel is the fastest: the receiver's CPU is what ingest throughput is made of, and
// dictionaries are trained for this level.
const encodeLevel = zstd.SpeedFastest

// encodeWindow is how far back the encoder looks for matches (see newEncoder).
const encodeWindow = 1 << 20

// newEncoder makes the encoder every payload is stored with, with dictionary id's bytes
// dict (nil: none), formatted or raw content; a dictionary being judged (TrainDictionary)
// is measured with the same one.
func newEncoder(id int32, dict []byte) (*zstd.Encoder, error) {
	// The default 8 MiB window made every encoder hold a 16 MiB history from its first
	// payload on, one per dictionary ever used, and GOGC=400 multiplies what is live. A
	// payload is about 8 KB; only those over 1 MiB lose matches further back than that.
	opts := []zstd.EOption{zstd.WithEncoderLevel(encodeLevel), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true),
		zstd.WithWindowSize(encodeWindow), zstd.WithLowerEncoderMem(true)}
	switch {
	case dict == nil:
	case isFormatted(dict):
		opts = append(opts, zstd.WithEncoderDict(dict))
	default:
		opts = append(opts, zstd.WithEncoderDictRaw(uint32(id), dict))
	}
	return zstd.NewWriter(nil, opts...)
}

// decoderFor returns the decoder of dictionary id (0: none), building it on first use.
func (c *rawCodec) decoderFor(id int32) (*zstd.Decoder, error) {
	c.mu.RLock()
	d, ok := c.dec[id]
	dict := c.dicts[id]
	c.mu.RUnlock()
	if ok {
		return d, nil
	}
	opts := []zstd.DOption{zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxDecoded)}
	if id != 0 {
		if dict == nil {
			return nil, fmt.Errorf("%w: %d", ErrMissingDictionary, id)
		}
		if isFormatted(dict) {
			opts = append(opts, zstd.WithDecoderDicts(dict))
		} else {
			opts = append(opts, zstd.WithDecoderDictRaw(uint32(id), dict))
		}
	}
	d, err := zstd.NewReader(nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("payload dictionary %d: %w", id, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.dec[id]; ok {
		d.Close()
		return prev, nil
	}
	if _, held := c.dicts[id]; held || id == 0 {
		c.dec[id] = d // else evicted meanwhile: this decode uses d, the next loads again
	}
	return d, nil
}

// encoded is a payload as it is stored.
type encoded struct {
	codec int16
	dict  *int32
	bytes []byte
	// dep is 1 + the index of the item of the same batch this delta is encoded against
	// (0: none, or a base already committed); see encodeBatch.
	dep int
}

// encode compresses raw with the newest dictionary. Whatever goes wrong, the payload is
// kept: as received, flagged CodecFallback, and counted.
func (c *rawCodec) encode(raw []byte) encoded {
	if c.asReceived {
		return encoded{codec: CodecAsReceived, bytes: raw}
	}
	c.mu.RLock()
	id := c.newest
	c.mu.RUnlock()
	e, err := c.encoderFor(id)
	if err != nil {
		return c.fallback(raw, err)
	}
	out := e.EncodeAll(raw, make([]byte, 0, len(raw)/4+64))
	if len(out) >= len(raw) {
		return c.fallback(raw, errIncompressible)
	}
	enc := encoded{codec: CodecZstd, bytes: out}
	if id != 0 {
		enc.dict = &id
	}
	return enc
}

var errIncompressible = errors.New("payload does not shrink when compressed")

func (c *rawCodec) fallback(raw []byte, why error) encoded {
	c.fallbacks.Add(1)
	if f := c.onFallback.Load(); f != nil {
		(*f)(why)
	}
	return encoded{codec: CodecFallback, bytes: raw}
}

// decode returns the payload a row holds. Dictionaries it does not know yet are loaded by
// the caller (Store.decodePlain) and the decode tried again; a delta row (CodecZstdBase)
// is payloadReader.decode's to read with its base.
func (c *rawCodec) decode(codec int16, dict *int32, stored []byte) ([]byte, error) {
	switch codec {
	case CodecAsReceived, CodecFallback:
		return stored, nil
	case CodecZstd:
	case CodecZstdBase:
		return nil, errNeedsBase
	default:
		return nil, fmt.Errorf("unknown payload codec %d", codec)
	}
	id := int32(0)
	if dict != nil {
		id = *dict
	}
	d, err := c.decoderFor(id)
	if err != nil {
		return nil, err
	}
	out, err := d.DecodeAll(stored, nil)
	if err != nil {
		return nil, fmt.Errorf("decode payload (dictionary %d): %w", id, err)
	}
	return out, nil
}

// errNeedsBase is codec.decode's answer for a delta row: payloadReader reads its base.
var errNeedsBase = errors.New("payload needs its base")

// PayloadBaseFailures counts deltas the writer could not encode (stored with the
// dictionary alone) and delta rows a reader could not decode for want of their base.
func (s *Store) PayloadBaseFailures() int64 { return s.codec.baseFailures.Load() }

// SetBaseFailureHook makes f hear why a payload could not be stored against its base, or
// a delta row not read for want of its base; f must be cheap and safe for concurrent use
// (serve logs the first of each kind, ratelog-limited).
func (s *Store) SetBaseFailureHook(f func(error)) { s.codec.onBaseFailure.Store(&f) }

// baseFailed counts and reports one base failure.
func (c *rawCodec) baseFailed(err error) {
	c.baseFailures.Add(1)
	if f := c.onBaseFailure.Load(); f != nil {
		(*f)(err)
	}
}

// PayloadFallbacks counts payloads stored as received because compressing them failed.
func (s *Store) PayloadFallbacks() int64 { return s.codec.fallbacks.Load() }

// SetFallbackHook makes f hear why each payload was stored uncompressed; f must be cheap
// and safe for concurrent use (serve logs the first of each kind, ratelog-limited).
func (s *Store) SetFallbackHook(f func(error)) { s.codec.onFallback.Store(&f) }

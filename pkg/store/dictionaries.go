package store

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/zstd"
)

// maxDictSize is the most a dictionary may hold. Past about 64 KB the builder finds
// little more in webhook payloads, which repeat their URLs and object shapes in the
// first few kilobytes.
const maxDictSize = 64 << 10

// LoadDictionaries reads the newest payload dictionary into the codec, which encodes with
// it from now on; older ones are read when a row needs them (decodePlain). Receivers
// call it at start and every minute, so a dictionary that one replica trains reaches the
// others.
func (s *Store) LoadDictionaries(ctx context.Context) error {
	// Dictionaries never change once stored: only one newer than the newest held is read.
	s.codec.mu.RLock()
	newest := s.codec.newest
	s.codec.mu.RUnlock()
	var id int32
	var d []byte
	err := s.pool.QueryRow(ctx, "SELECT id, dict FROM payload_dictionaries WHERE id > $1 ORDER BY id DESC LIMIT 1", newest).
		Scan(&id, &d)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("load payload dictionaries: %w", err)
	}
	c := s.codec
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.hold(id, d)
	}
	c.loaded = true
	return nil
}

// ensureLoaded loads the dictionaries before the first write, storing the first one when
// the store has none. A store that cannot read them still writes: zstd without a
// dictionary, until a later write loads them.
func (s *Store) ensureLoaded(ctx context.Context) {
	s.codec.mu.RLock()
	loaded := s.codec.loaded
	s.codec.mu.RUnlock()
	if !loaded {
		s.EnsureDictionary(ctx) //nolint:errcheck // the write itself reports a database that is away
	}
}

// DictionaryInfo describes a trained dictionary.
type DictionaryInfo struct {
	ID      int32
	Kind    string // "formatted" or "raw" (DictionaryKind)
	Samples int
	Bytes   int
	// Before and After are the held-out samples' mean stored size with the dictionary that
	// encoded until now and with this one.
	Before, After float64
	Adopted       bool
	Dict          []byte // the dictionary's bytes
}

// firstDictionary is dictionary 1, trained on GitHub's own example payloads (package
// fixtures) and committed, so that every store holds the same bytes under id 1 and a job
// event stores in about a tenth of its size from the first delivery. TestFirstDictionary
// rebuilds it under -update.
//
//go:embed dictionaries/github-1.zdict
var firstDictionary []byte

// EnsureDictionary gives a store without any dictionary its first (firstDictionary) and
// loads them all. Replicas starting together insert the same row; the first wins.
func (s *Store) EnsureDictionary(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO payload_dictionaries (id, created_at, samples, dict)
		SELECT 1, $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM payload_dictionaries) ON CONFLICT (id) DO NOTHING`,
		time.Now(), len(fixtures.All()), firstDictionary); err != nil {
		return fmt.Errorf("store the first payload dictionary: %w", err)
	}
	return s.LoadDictionaries(ctx)
}

// FixtureDictionary trains dictionary 1 anew from the fixtures, for TestFirstDictionary.
func FixtureDictionary() ([]byte, error) {
	var samples [][]byte
	for _, p := range fixtures.All() {
		samples = append(samples, p.Body)
	}
	return buildDictionary(1, samples)
}

func buildDictionary(id int32, samples [][]byte) ([]byte, error) {
	d, err := dict.BuildZstdDict(samples, dict.Options{MaxDictSize: maxDictSize, HashBytes: 6,
		ZstdDictID: uint32(id), ZstdLevel: encodeLevel})
	if err != nil {
		return nil, fmt.Errorf("train payload dictionary %d on %d samples: %w", id, len(samples), err)
	}
	return d, nil
}

// TrainOptions says how to train a dictionary.
type TrainOptions struct {
	Sample int  // how many of the newest payloads to read
	Force  bool // adopt it even if it does not store the held-out payloads smaller
	// Formatted trains a formatted zstd dictionary (as dictionary 1) instead of raw content.
	Formatted bool
	RawBytes  int  // raw content's size (0: DefaultRawDictBytes)
	DryRun    bool // judge it and return it in DictionaryInfo.Dict, never adopt it
}

// TrainDictionary trains a raw-content dictionary of DefaultRawDictBytes on the newest
// sample payloads, as Train does.
func (s *Store) TrainDictionary(ctx context.Context, sample int, force bool) (DictionaryInfo, error) {
	return s.Train(ctx, TrainOptions{Sample: sample, Force: force})
}

// Train builds a dictionary from the newest payloads of the store and adopts it when it
// stores a held-out tenth of them smaller than the newest dictionary does (or Force).
// Adopting adds a version; rows already stored keep theirs.
func (s *Store) Train(ctx context.Context, o TrainOptions) (DictionaryInfo, error) {
	if err := s.LoadDictionaries(ctx); err != nil {
		return DictionaryInfo{}, err
	}
	payloads, err := s.recentPayloads(ctx, o.Sample)
	if err != nil {
		return DictionaryInfo{}, err
	}
	if len(payloads) < 20 {
		return DictionaryInfo{}, fmt.Errorf("train payload dictionary: %d payloads stored, at least 20 are needed", len(payloads))
	}
	// Every tenth payload is held out to judge the dictionary on what it was not built from.
	var train []sampled
	var held [][]byte
	for i, p := range payloads {
		if i%10 == 9 {
			held = append(held, p.body)
		} else {
			train = append(train, p)
		}
	}
	s.codec.mu.RLock()
	current := s.codec.newest
	s.codec.mu.RUnlock()
	id := current + 1
	var d []byte
	if o.Formatted {
		bodies := make([][]byte, len(train))
		for i, p := range train {
			bodies[i] = p.body
		}
		if d, err = buildDictionary(id, bodies); err != nil {
			return DictionaryInfo{}, err
		}
	} else if budget := cmp.Or(o.RawBytes, DefaultRawDictBytes); len(rawContent(train, budget)) == 0 {
		return DictionaryInfo{}, fmt.Errorf("train payload dictionary %d: no payload fits in %d bytes", id, budget)
	} else {
		d = rawContent(train, budget)
	}
	info := DictionaryInfo{ID: id, Kind: DictionaryKind(d), Samples: len(train), Bytes: len(d), Dict: d}
	if info.Before, err = s.meanEncoded(current, nil, held); err != nil {
		return info, err
	}
	if info.After, err = s.meanEncoded(id, d, held); err != nil {
		return info, err
	}
	if o.DryRun || !o.Force && info.After >= info.Before {
		return info, nil
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO payload_dictionaries (id, created_at, samples, dict)
		VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`, id, time.Now(), len(train), d)
	if err != nil {
		return info, fmt.Errorf("store payload dictionary %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return info, fmt.Errorf("store payload dictionary %d: another process stored that version first; train again", id)
	}
	info.Adopted = true
	return info, s.LoadDictionaries(ctx)
}

// meanEncoded is the mean stored size of payloads under dictionary id (0: none), using d
// when it is not loaded yet.
func (s *Store) meanEncoded(id int32, d []byte, payloads [][]byte) (float64, error) {
	if d != nil {
		e, err := newEncoder(id, d)
		if err != nil {
			return 0, fmt.Errorf("payload dictionary %d: %w", id, err)
		}
		defer e.Close()
		return meanSize(e, payloads), nil
	}
	e, err := s.codec.encoderFor(id)
	if err != nil {
		return 0, err
	}
	return meanSize(e, payloads), nil
}

func meanSize(e *zstd.Encoder, payloads [][]byte) float64 {
	total := 0
	for _, p := range payloads {
		total += len(e.EncodeAll(p, nil))
	}
	return float64(total) / float64(len(payloads))
}

// maxSampleBytes bounds the decoded payloads a retrain holds at once. The sample lives in
// the receiver next to the ingest path, and the heap grows to about twice what is live,
// so 5000 payloads of 7.5 KB (37 MB) made the receiver's peak RSS four times its steady
// size (BENCHMARKS.md, "Session 8: receiver memory"); 12 MB keeps it near that while
// the dictionary stores held-out payloads within a few percent of one trained on all 5000.
const maxSampleBytes = 12 << 20

// recentPayloads returns up to n of the newest payloads GitHub sent (closures and REST
// API rows are CI Radar's own and not what the dictionary is for), decoded, and stops
// once they hold maxSampleBytes.
func (s *Store) recentPayloads(ctx context.Context, n int) ([]sampled, error) {
	rows, err := s.pool.Query(ctx, `SELECT delivery_id, received_at, event, payload_codec, payload_dict, payload FROM deliveries
		WHERE target_type <> $1 AND event <> $2 ORDER BY received_at DESC LIMIT $3`, APITarget, closureEvent, n)
	if err != nil {
		return nil, fmt.Errorf("read payloads to train on: %w", err)
	}
	type row struct {
		p     storedPayload
		event string
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.p.id, &x.p.at, &x.event, &x.p.codec, &x.p.dict, &x.p.bytes)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("read payloads to train on: %w", err)
	}
	// Decoded a chunk at a time, so that the bases of a chunk's deltas (older rows, often
	// outside the sample) are read in one query, held only while the chunk is decoded (a
	// reader a chunk: the retrain's memory stays about maxSampleBytes), and decoding stops
	// at maxSampleBytes.
	const chunk = 500
	var out []sampled
	held := 0
	for lo := 0; lo < len(all) && held < maxSampleBytes; lo += chunk {
		r := s.payloadReader()
		part := all[lo:min(lo+chunk, len(all))]
		stored := make([]storedPayload, len(part))
		for i, x := range part {
			stored[i] = x.p
		}
		payloads, errs := r.decode(ctx, stored)
		for i, p := range payloads {
			if errs[i] != nil || held >= maxSampleBytes {
				continue // a corrupt row is for `ciradar compact` to report, not to train on
			}
			out = append(out, sampled{part[i].event, p})
			held += len(p)
		}
	}
	return out, nil
}

// RawPayload returns delivery id's payload as GitHub sent it.
func (s *Store) RawPayload(ctx context.Context, id string) ([]byte, error) {
	p := storedPayload{id: id}
	// The id's receipt time, from delivery_guids, prunes the read to one partition.
	err := s.pool.QueryRow(ctx, `SELECT d.received_at, d.payload_codec, d.payload_dict, d.payload FROM delivery_guids g
		JOIN deliveries d ON d.received_at = g.received_at AND d.delivery_id = $1
		WHERE g.guid = delivery_uuid($1) OR g.delivery_id = $1`, id).
		Scan(&p.at, &p.codec, &p.dict, &p.bytes)
	if err != nil {
		return nil, fmt.Errorf("read payload of %q: %w", id, err)
	}
	return s.payloadReader().decodeOne(ctx, p)
}

// RetrainDue reports whether `every` deliveries from GitHub have been stored since the
// newest dictionary was made (counting stops at every, so the answer costs at most that
// many index entries). The first dictionary, trained on examples rather than this store's
// own payloads, is due after a tenth of that.
func (s *Store) RetrainDue(ctx context.Context, every int) (bool, error) {
	var id int32
	var at time.Time
	err := s.pool.QueryRow(ctx, "SELECT id, created_at FROM payload_dictionaries ORDER BY id DESC LIMIT 1").Scan(&id, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the newest payload dictionary: %w", err)
	}
	if id == 1 {
		every = max(every/10, 20)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM deliveries
		WHERE received_at > $1 AND target_type <> $2 LIMIT $3) AS since`, at, APITarget, every).Scan(&n); err != nil {
		return false, fmt.Errorf("count deliveries since the newest dictionary: %w", err)
	}
	return n >= every, nil
}

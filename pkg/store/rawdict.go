package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// A payload dictionary is one of two kinds, told apart by its first bytes, so that
// payload_dictionaries needs no column for it and rows of either kind stay readable:
//   - formatted: a zstd dictionary (magic 0xEC30A437), as dict.BuildZstdDict makes them.
//     Dictionary 1 (firstDictionary) is one. The builder keeps about 20 KB of what all
//     payloads share, so each payload still pays for its 5 KB repository object.
//   - raw content: recent payloads concatenated (rawContent), used by zstd as history.
//     A payload then matches its own repository's object whole.
var zstdDictMagic = []byte{0x37, 0xa4, 0x30, 0xec}

// isFormatted reports whether d is a formatted zstd dictionary rather than raw content.
func isFormatted(d []byte) bool { return bytes.HasPrefix(d, zstdDictMagic) }

// DictionaryKind names the kind of dictionary d holds: "formatted" or "raw".
func DictionaryKind(d []byte) string {
	if isFormatted(d) {
		return "formatted"
	}
	return "raw"
}

// heldDictionaries is how many dictionaries besides the newest a codec keeps, with their
// decoders: a raw-content dictionary is DefaultRawDictBytes, and its decoder holds it
// as history, so holding every version would grow with each retrain. Reads of rows
// written under older versions (reproject, compact) go in receipt order, so a few held
// suffice and each evicted one is loaded again at most once per pass.
const heldDictionaries = 4

// hold keeps dictionary id's bytes d; the newest id encodes from now on. Past
// heldDictionaries older ones, the least recently loaded is dropped with its encoder and
// decoder. They are not closed: a concurrent decode may still be using them, and built
// without a reader or writer they run no goroutines, so the collector frees them.
// c.mu must be held.
func (c *rawCodec) hold(id int32, d []byte) {
	if _, ok := c.dicts[id]; ok {
		return
	}
	c.dicts[id] = d
	if id > c.newest {
		if c.newest != 0 {
			c.older = append(c.older, c.newest)
		}
		c.newest = id
	} else {
		c.older = append(c.older, id)
	}
	for len(c.older) > heldDictionaries {
		old := c.older[0]
		c.older = c.older[1:]
		delete(c.dicts, old)
		delete(c.enc, old)
		delete(c.dec, old)
	}
}

// loadDictionary reads dictionary id, which a row names and the codec does not hold.
func (s *Store) loadDictionary(ctx context.Context, id int32) error {
	var d []byte
	err := s.pool.QueryRow(ctx, "SELECT dict FROM payload_dictionaries WHERE id = $1", id).Scan(&d)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %d", ErrMissingDictionary, id)
	}
	if err != nil {
		return fmt.Errorf("load payload dictionary %d: %w", id, err)
	}
	s.codec.mu.Lock()
	defer s.codec.mu.Unlock()
	s.codec.hold(id, d)
	return nil
}

// HeldDictionaries is how many dictionaries the codec holds now (at most
// heldDictionaries+1).
func (s *Store) HeldDictionaries() int {
	s.codec.mu.RLock()
	defer s.codec.mu.RUnlock()
	return len(s.codec.dicts)
}

// DefaultRawDictBytes is the size of a raw-content dictionary. Measured on the
// simulator's full-shape stream (`go run ./pkg/cmd/benchrawlog`, BENCHMARKS.md issue 18):
// a stored delivery takes 1,041 bytes with 256 KB, 965 with 512 KB and 867 with 1 MB,
// against 1,686 with a retrained formatted dictionary. Counting its deduplication id
// (delivery_guids, 101 bytes) only 1 MB stays under issue 18's 1,000 (959, session 9;
// 1,055 with 512 KB), for about 10 µs more writer CPU a delivery than 512 KB, which
// Postgres' smaller rows paid back in the same run (1.45× as-received against 1.26×).
const DefaultRawDictBytes = 1 << 20

// sampled is a stored payload and the event it came as.
type sampled struct {
	event string
	body  []byte
}

// rawContent builds a raw-content dictionary from payloads, newest first: the newest
// payload of each repository and event, until budget bytes. The key leaves out the
// action: a job's queued and completed payloads differ in a few members, and a budget
// spent on more repositories matches more of what comes next. The content is laid out
// oldest first, so the newest sit nearest the payload being encoded, where zstd codes
// offsets cheapest.
func rawContent(payloads []sampled, budget int) []byte {
	type key struct {
		repo  int64
		event string
	}
	seen := map[key]bool{}
	var picked [][]byte
	size := 0
	for _, p := range payloads {
		var head struct {
			Repository struct {
				ID int64 `json:"id"`
			} `json:"repository"`
		}
		if json.Unmarshal(p.body, &head) != nil {
			continue
		}
		k := key{head.Repository.ID, p.event}
		if seen[k] || size+len(p.body) > budget {
			continue
		}
		seen[k] = true
		picked = append(picked, p.body)
		size += len(p.body)
	}
	slices.Reverse(picked)
	return slices.Concat(picked...)
}

package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// storedPayload is a payload as a row of deliveries holds it.
type storedPayload struct {
	id    string
	at    time.Time // received_at: a delta names its base relative to it
	codec int16
	dict  *int32
	bytes []byte
}

// payloadReader is the one way to read stored payloads: reproject, the reconciler,
// `ciradar compact`, training and RawPayload all come through decode. It resolves a delta
// row's base (CodecZstdBase) from the rows it decoded lately, or else reads the bases a
// batch misses in one query. One reader serves one pass; it is not safe for concurrent use.
type payloadReader struct {
	s      *Store
	recent map[baseRef][]byte // decoded payloads of non-delta rows, possible bases
	order  []baseRef          // recent's keys, oldest first
	held   int
}

// recentBaseBytes bounds what a reader keeps of the payloads it decoded: passes read in
// receipt order, and a job's first delivery comes shortly before its later ones.
const recentBaseBytes = 16 << 20

func (s *Store) payloadReader() *payloadReader {
	return &payloadReader{s: s, recent: map[baseRef][]byte{}}
}

// decode returns the payload of each row, or why it cannot be read. A row naming a
// dictionary the codec does not hold has it loaded; a delta row's base is read if needed.
func (r *payloadReader) decode(ctx context.Context, rows []storedPayload) ([][]byte, []error) {
	out := make([][]byte, len(rows))
	errs := make([]error, len(rows))
	for i, row := range rows {
		if row.codec == CodecZstdBase {
			continue
		}
		out[i], errs[i] = r.s.decodePlain(ctx, row)
		if errs[i] == nil {
			r.remember(refOf(row.id, row.at), out[i])
		}
	}
	// Deltas: their bases, from what was decoded, else read in one query.
	type delta struct {
		ref   baseRef
		frame []byte
	}
	deltas := map[int]delta{}
	var missing []baseRef
	for i, row := range rows {
		if row.codec != CodecZstdBase {
			continue
		}
		ref, frame, err := parseBaseHeader(row.bytes, row.at)
		if err != nil {
			errs[i] = err
			continue
		}
		deltas[i] = delta{ref, frame}
		if _, ok := r.recent[ref]; !ok {
			missing = append(missing, ref)
		}
	}
	var readErr error
	if len(missing) > 0 {
		readErr = r.readBases(ctx, missing)
	}
	for i, d := range deltas {
		base, ok := r.recent[d.ref]
		if !ok {
			errs[i] = fmt.Errorf("%w: %s received %s", ErrMissingBase, d.ref.id, d.ref.at().Format(time.RFC3339Nano))
			if readErr != nil {
				errs[i] = fmt.Errorf("%w (%w)", errs[i], readErr)
			}
			r.s.codec.baseFailed(errs[i])
			continue
		}
		out[i], errs[i] = decodeAgainst(base, d.frame)
	}
	return out, errs
}

// decodeOne is decode of a single row.
func (r *payloadReader) decodeOne(ctx context.Context, row storedPayload) ([]byte, error) {
	out, errs := r.decode(ctx, []storedPayload{row})
	return out[0], errs[0]
}

// readBases reads and decodes the rows refs name. A row that is itself a delta is no
// base (bases never chain) and is left out, as is one that does not decode.
func (r *payloadReader) readBases(ctx context.Context, refs []baseRef) error {
	ats := make([]time.Time, len(refs))
	ids := make([]string, len(refs))
	for i, ref := range refs {
		ats[i], ids[i] = ref.at(), ref.id
	}
	// received_at prunes each probe to one partition and finds it by its index.
	rows, err := r.s.pool.Query(ctx, `SELECT d.delivery_id, d.received_at, d.payload_codec, d.payload_dict, d.payload
		FROM unnest($1::timestamptz[], $2::text[]) AS b(at, id)
		JOIN deliveries d ON d.received_at = b.at AND d.delivery_id = b.id
		WHERE d.payload_codec <> $3`, ats, ids, CodecZstdBase)
	if err != nil {
		return fmt.Errorf("read payload bases: %w", err)
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (storedPayload, error) {
		var p storedPayload
		err := row.Scan(&p.id, &p.at, &p.codec, &p.dict, &p.bytes)
		return p, err
	})
	if err != nil {
		return fmt.Errorf("read payload bases: %w", err)
	}
	for _, p := range got {
		if raw, err := r.s.decodePlain(ctx, p); err == nil {
			r.remember(refOf(p.id, p.at), raw)
		}
	}
	return nil
}

// remember keeps a decoded payload as a possible base, dropping the oldest past
// recentBaseBytes.
func (r *payloadReader) remember(ref baseRef, raw []byte) {
	if _, ok := r.recent[ref]; ok {
		return
	}
	r.recent[ref] = raw
	r.order = append(r.order, ref)
	r.held += len(raw)
	for r.held > recentBaseBytes && len(r.order) > 1 {
		old := r.order[0]
		r.order = r.order[1:]
		r.held -= len(r.recent[old])
		delete(r.recent, old)
	}
}

// decodePlain decodes a row that needs no other row (codecs 0, 1 and 2). A dictionary the
// codec does not hold (an older version it let go, or one another replica just trained)
// is loaded, once, before giving up.
func (s *Store) decodePlain(ctx context.Context, row storedPayload) ([]byte, error) {
	out, err := s.codec.decode(row.codec, row.dict, row.bytes)
	if errors.Is(err, ErrMissingDictionary) && row.dict != nil {
		if lerr := s.loadDictionary(ctx, *row.dict); lerr != nil {
			return nil, lerr
		}
		out, err = s.codec.decode(row.codec, row.dict, row.bytes)
	}
	return out, err
}

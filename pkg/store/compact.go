package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CompactStats counts what Compact read and did.
type CompactStats struct {
	Rows      int            // deliveries read
	ByFormat  map[string]int // "as received", "zstd", "zstd+dict 2", "fallback" → rows
	Rewritten int            // rows re-encoded with the newest dictionary
	Corrupt   []string       // delivery ids whose payload does not decode
	Bytes     int64          // stored payload bytes, before any rewrite
}

// Compact reads every delivery through the one decoding function and reports how the log
// is held. With rewrite, rows stored as received or with an older dictionary are encoded
// again with the newest one, batch rows per transaction; history is only rewritten when
// asked (`ciradar compact -rewrite`). A row that does not decode is named, never changed.
func (s *Store) Compact(ctx context.Context, rewrite bool, batch int) (CompactStats, error) {
	if batch <= 0 {
		batch = 1000
	}
	s.ensureLoaded(ctx)
	st := CompactStats{ByFormat: map[string]int{}}
	lastAt, lastID := time.Time{}, ""
	reader := s.payloadReader()
	for {
		rows, err := s.pool.Query(ctx, `SELECT delivery_id, received_at, payload_codec, payload_dict, payload FROM deliveries
			WHERE (received_at, delivery_id) > ($1, $2) ORDER BY received_at, delivery_id LIMIT $3`, lastAt, lastID, batch)
		if err != nil {
			return st, fmt.Errorf("compact: read deliveries: %w", err)
		}
		type row struct {
			ID      string
			At      time.Time
			Codec   int16
			Dict    *int32
			Payload []byte
		}
		all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			return st, fmt.Errorf("compact: read deliveries: %w", err)
		}
		if len(all) == 0 {
			return st, nil
		}
		s.codec.mu.RLock()
		newest := s.codec.newest
		s.codec.mu.RUnlock()
		var ids []string
		var codecs []int16
		var dicts []*int32
		var payloads [][]byte
		var ats []time.Time
		stored := make([]storedPayload, len(all))
		for i, r := range all {
			stored[i] = storedPayload{id: r.ID, at: r.At, codec: r.Codec, dict: r.Dict, bytes: r.Payload}
		}
		raws, errs := reader.decode(ctx, stored)
		for i, r := range all {
			st.Rows++
			st.Bytes += int64(len(r.Payload))
			st.ByFormat[formatName(r.Codec, r.Dict)]++
			raw, err := raws[i], errs[i]
			if err != nil {
				st.Corrupt = append(st.Corrupt, r.ID)
				continue
			}
			// A delta row depends on no dictionary: it is as compact as it gets, and
			// rows of its job may be its bases' deltas, never rewritten into a chain.
			current := r.Codec == CodecZstdBase || r.Codec == CodecZstd && r.Dict != nil && *r.Dict == newest
			if !rewrite || current || newest == 0 {
				continue
			}
			e := s.codec.encode(raw)
			if e.codec != CodecZstd {
				continue // it stays as it is: already kept, and this is no better
			}
			ids, codecs, dicts, payloads = append(ids, r.ID), append(codecs, e.codec), append(dicts, e.dict), append(payloads, e.bytes)
			ats = append(ats, r.At)
		}
		if len(ids) > 0 {
			// The receipt time finds the row: the partitions have no index on the id.
			tag, err := s.pool.Exec(ctx, `UPDATE deliveries d SET payload_codec = u.codec, payload_dict = u.dict, payload = u.payload
				FROM unnest($1::text[], $2::int2[], $3::int4[], $4::bytea[], $5::timestamptz[]) AS u(id, codec, dict, payload, at)
				WHERE d.received_at = u.at AND d.delivery_id = u.id`, ids, codecs, dicts, payloads, ats)
			if err != nil {
				return st, fmt.Errorf("compact: rewrite %d payloads: %w", len(ids), err)
			}
			st.Rewritten += int(tag.RowsAffected())
		}
		last := all[len(all)-1]
		lastAt, lastID = last.At, last.ID
	}
}

func formatName(codec int16, dict *int32) string {
	switch {
	case codec == CodecAsReceived:
		return "as received"
	case codec == CodecFallback:
		return "fallback"
	case codec == CodecZstdBase:
		return "zstd+base"
	case codec == CodecZstd && dict == nil:
		return "zstd"
	case codec == CodecZstd:
		return fmt.Sprintf("zstd+dict %d", *dict)
	}
	return fmt.Sprintf("codec %d", codec)
}

// ErrCorruptPayloads is Compact's finding of rows that do not decode.
var ErrCorruptPayloads = errors.New("payloads that do not decode")

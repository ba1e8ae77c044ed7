package query

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestGapCodedHistogramsRoundTrip codes histograms with the SQL that rollup_days (migration
// 0011) and repo_stats use, and decodes them with mergeGaps: every count must come back in
// its bucket, across the varint's byte lengths.
func TestGapCodedHistogramsRoundTrip(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	cases := []struct {
		name    string
		buckets []int16
		counts  []int32
	}{
		{"empty", nil, nil},
		{"bucket zero only", []int16{0}, []int32{5}},
		{"adjacent buckets", []int16{3, 4, 5}, []int32{1, 2, 3}},
		{"gaps of every length", []int16{1, 129, 16513, 32000}, []int32{1, 1, 1, 1}},
		{"counts of every length", []int16{0, 7, 8, 9, 10}, []int32{127, 128, 16384, 2097152, 268435456}},
		{"largest count", []int16{200}, []int32{2147483647}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var enc []byte
			err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(rollup_varint(gap) || rollup_varint(c), ''::bytea ORDER BY k), ''::bytea)
				FROM (SELECT k, c, k - coalesce(lag(k) OVER (ORDER BY k), 0) AS gap FROM unnest($1::int2[], $2::int4[]) AS p(k, c)) y`,
				c.buckets, c.counts).Scan(&enc)
			if err != nil {
				t.Fatal(err)
			}
			var h hist
			if err := h.mergeGaps(enc); err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			for i, k := range c.buckets {
				if got := h.counts[k]; got != int64(c.counts[i]) {
					t.Errorf("bucket %d: got %d, want %d", k, got, c.counts[i])
				}
				want += int64(c.counts[i])
			}
			if h.n != want {
				t.Errorf("count: got %d, want %d", h.n, want)
			}
			nonzero := 0
			for _, n := range h.counts {
				if n != 0 {
					nonzero++
				}
			}
			if nonzero != len(c.buckets) {
				t.Errorf("%d buckets hold counts, want %d", nonzero, len(c.buckets))
			}
		})
	}
}

func TestMergeGapsRejectsBadCoding(t *testing.T) {
	cases := []struct {
		name string
		enc  []byte
	}{
		{"gap cut short", []byte{0x80}},
		{"count missing", []byte{0x01}},
		{"count cut short", []byte{0x01, 0xff}},
		{"bucket past int2", []byte{0x80, 0x80, 0x02, 0x01}},
		{"varint too long", []byte{0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var h hist
			if err := h.mergeGaps(c.enc); err == nil {
				t.Errorf("%x decoded without an error", c.enc)
			}
		})
	}
}

// BenchmarkMergeGaps merges rows shaped like a 7-day repo_stats read (200 values, 29 rows
// each, about 40 buckets a row between 0 and 400) into one histogram per value, in the
// order they arrive: by row, not by value.
func BenchmarkMergeGaps(b *testing.B) {
	const values, rows = 200, 29
	var encs [][]byte
	for i := range values * rows {
		var enc []byte
		k := 0
		for j := range 40 {
			gap := 1 + (i*7+j*13)%19
			k += gap
			enc = binary.AppendUvarint(enc, uint64(gap))
			enc = binary.AppendUvarint(enc, uint64(1+(i+j)%150))
		}
		encs = append(encs, enc)
	}
	hs := make([]hist, values)
	b.ResetTimer()
	for range b.N {
		for i := range hs {
			hs[i].reset()
		}
		for i, enc := range encs {
			if err := hs[i%values].mergeGaps(enc); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkMerge merges rows shaped like a 90-day queue_time read (6 label sets, 2,160
// hours, about 50 (bucket, count) pairs an hour) two hours to a point, as points does.
func BenchmarkMerge(b *testing.B) {
	const groups, hours = 6, 2160
	var encs [][]byte
	for i := range groups * hours {
		var enc []byte
		k := 0
		for j := range 50 {
			k += 1 + (i*7+j*13)%9
			enc = binary.BigEndian.AppendUint16(enc, uint16(k))
			enc = binary.BigEndian.AppendUint32(enc, uint32(1+(i+j)%150))
		}
		encs = append(encs, enc)
	}
	var h hist
	b.ResetTimer()
	for range b.N {
		for i, enc := range encs {
			if i%2 == 0 {
				h.reset()
			}
			if err := h.merge(enc, 1, 1, 1); err != nil {
				b.Fatal(err)
			}
		}
	}
}

package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// Options.AsReceived (the baseline of pkg/cmd/benchrawlog) stores payloads uncompressed,
// under codec 0, and they read back through the same decoding function as zstd rows.
func TestAsReceivedOption(t *testing.T) {
	cases := []struct {
		name       string
		asReceived bool
		wantCodec  int16
	}{
		{"default compresses", false, store.CodecZstd},
		{"as received stores the bytes sent", true, store.CodecAsReceived},
	}
	ctx := context.Background()
	body := fixtures.Get("workflow_job.completed.1")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{AsReceived: c.asReceived})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Write(ctx, []store.Item{item(t, "d1", "workflow_job", body, time.Now())}); err != nil {
				t.Fatal(err)
			}
			var codec int16
			var n int
			if err := s.Pool().QueryRow(ctx, "SELECT payload_codec, octet_length(payload) FROM deliveries WHERE delivery_id = 'd1'").Scan(&codec, &n); err != nil {
				t.Fatal(err)
			}
			if codec != c.wantCodec || (c.asReceived != (n == len(body))) {
				t.Errorf("stored with codec %d in %d bytes (sent %d), want codec %d", codec, n, len(body), c.wantCodec)
			}
			back, err := s.RawPayload(ctx, "d1")
			if err != nil || !bytes.Equal(back, body) {
				t.Errorf("read back %d bytes (%v), want the %d sent", len(back), err, len(body))
			}
		})
	}
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/store"
)

// A retrain reads no more than MaxSampleBytes of payloads however many rows it may read,
// and what it trains on that much still beats dictionary 1 on the held-out payloads, so
// the receiver adopts it without being forced (serve's dictionaryLoop never forces).
func TestRetrainSample(t *testing.T) {
	ctx := context.Background()
	gen, err := loadgen.NewGenerator("secret", "sample", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var items []store.Item
	stored := 0
	for j := int64(0); stored < store.MaxSampleBytes*3/2; j++ {
		for _, d := range gen.Job(j) {
			items = append(items, store.Item{Delivery: store.Delivery{ID: d.ID, Event: d.Event,
				ReceivedAt: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC).Add(time.Duration(len(items)) * time.Millisecond), Payload: d.Body}})
			stored += len(d.Body)
		}
	}
	mean := stored / len(items)
	cases := []struct {
		name    string
		rows    int
		minRead int // payloads read, train and held out together
		maxRead int
	}{
		{name: "rows bound", rows: 200, minRead: 200, maxRead: 200},
		{name: "bytes bound", rows: len(items), minRead: store.MaxSampleBytes / mean * 9 / 10, maxRead: store.MaxSampleBytes/mean + 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			for i := 0; i < len(items); i += 256 {
				if _, err := s.Write(ctx, items[i:min(i+256, len(items))]); err != nil {
					t.Fatal(err)
				}
			}
			info, err := s.TrainDictionary(ctx, c.rows, false)
			if err != nil {
				t.Fatal(err)
			}
			// Every tenth payload read is held out, so Samples is nine tenths of those read.
			read := info.Samples + info.Samples/9
			if read < c.minRead-1 || read > c.maxRead+1 {
				t.Errorf("trained on %d payloads, so read about %d; want %d to %d of the %d stored (mean %d bytes)",
					info.Samples, read, c.minRead, c.maxRead, len(items), mean)
			}
			if !info.Adopted || info.After >= info.Before {
				t.Errorf("held-out mean %.0f bytes with the new dictionary, %.0f with dictionary 1; adopted %v, want a smaller one adopted",
					info.After, info.Before, info.Adopted)
			}
			t.Logf("%d payloads: held-out mean %.0f -> %.0f bytes", read, info.Before, info.After)
		})
	}
}

package store

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
)

// BenchmarkPayloadCodec is the receiver's CPU for compressing one full-shape simulator
// payload with dictionary 1 (and for decoding it again), by event: the "CPU per delivery"
// of docs/scaling.md. stored-bytes/op is the mean compressed size.
//
//	go test ./pkg/store -run '^$' -bench BenchmarkPayloadCodec -benchtime 2000x
func BenchmarkPayloadCodec(b *testing.B) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(simulate.DefaultConfig(), 1, start)
	if err != nil {
		b.Fatal(err)
	}
	bodies := map[string][][]byte{}
	sim, err := simulate.New(w, simulate.Options{Deliver: func(_ context.Context, d simulate.Delivery) (int, error) {
		bodies[d.Event] = append(bodies[d.Event], d.Body)
		return 202, nil
	}})
	if err != nil {
		b.Fatal(err)
	}
	if err := sim.RunFast(context.Background(), start.Add(12*time.Hour)); err != nil {
		b.Fatal(err)
	}
	c := newRawCodec()
	c.dicts[1], c.newest = firstDictionary, 1
	for _, event := range []string{"workflow_job", "workflow_run"} {
		ps := bodies[event]
		b.Run("encode "+event, func(b *testing.B) {
			var stored, raw int
			for i := range b.N {
				p := ps[i%len(ps)]
				e := c.encode(p)
				stored, raw = stored+len(e.bytes), raw+len(p)
			}
			b.ReportMetric(float64(stored)/float64(b.N), "stored-bytes/op")
			b.ReportMetric(float64(raw)/float64(b.N), "raw-bytes/op")
		})
		encoded := make([]encoded, len(ps))
		for i, p := range ps {
			encoded[i] = c.encode(p)
		}
		b.Run("decode "+event, func(b *testing.B) {
			for i := range b.N {
				e := encoded[i%len(encoded)]
				if _, err := c.decode(e.codec, e.dict, e.bytes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/store"
)

// BenchmarkProject measures parsing one realistic workflow_job delivery.
func BenchmarkProject(b *testing.B) {
	gen, err := loadgen.NewGenerator("s", "b", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	ds := gen.Job(1)
	b.ReportAllocs()
	b.SetBytes(int64(len(ds[2].Body)))
	for b.Loop() {
		if _, err := store.Project(store.Delivery{Event: "workflow_job", Payload: ds[2].Body}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite measures one group-commit transaction of realistic deliveries against the
// test Postgres (fsync off: this isolates the write path's own cost from the disk).
func BenchmarkWrite(b *testing.B) {
	for _, size := range []int{1, 32, 256} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s, err := store.Open(context.Background(), pgtestDB(b), store.Options{MaxConns: 4})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			gen, _ := loadgen.NewGenerator("s", fmt.Sprint("w", size), time.Now())
			var n int64
			batch := func() []store.Item {
				items := make([]store.Item, 0, size)
				for len(items) < size {
					for _, d := range gen.Job(n) {
						if len(items) < size {
							items = append(items, item(b, d.ID, d.Event, d.Body, time.Now()))
						}
					}
					n++
				}
				return items
			}
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				items := batch()
				b.StartTimer()
				if _, err := s.Write(context.Background(), items); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size*b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkProjectGitLab measures parsing GitLab's real job and pipeline hooks.
func BenchmarkProjectGitLab(b *testing.B) {
	for _, c := range []struct{ name, event string }{{"job", store.GitLabJobHook}, {"pipeline", store.GitLabPipelineHook}} {
		body := fixtures.GitLabGet(c.name)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := store.Project(store.Delivery{Event: c.event, Payload: body, Forge: store.ForgeGitLab}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/store"
)

// BenchmarkStepsIngest is the A/B of the step projection: the load tool's deliveries (real
// payloads: 1 step while running, 8 when completed) as they are, and with their steps
// removed, parsed and written in group-commit batches of 32 on one connection. It reports
// the CPU per delivery of this process (parse, merge, encode) and of the Postgres backend,
// and the bytes the steps take per job. Use a fixed count, the ramp is wasted time:
//
//	go test ./pkg/store -run '^$' -bench StepsIngest -benchtime 400x
func BenchmarkStepsIngest(b *testing.B) {
	const size = 32
	for _, steps := range []bool{true, false} {
		name := map[bool]string{true: "with_steps", false: "without_steps"}[steps]
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s, err := store.Open(ctx, pgtestDB(b), store.Options{MaxConns: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var backend int
			if err := s.Pool().QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
				b.Fatal(err)
			}
			gen, _ := loadgen.NewGenerator("s", name, time.Now())
			type raw struct {
				id, event string
				body      []byte
			}
			var bodies []raw
			for n := int64(0); len(bodies) < b.N*size; n++ {
				for _, d := range gen.Job(n) {
					body := reencoded(b, d.Body, steps)
					bodies = append(bodies, raw{d.ID, d.Event, body})
				}
			}
			now := time.Now()
			goCPU, pgCPU := processCPU(), backendCPU(backend)
			b.ResetTimer()
			for i := range b.N {
				items := make([]store.Item, 0, size)
				for _, r := range bodies[i*size : (i+1)*size] {
					d := store.Delivery{ID: r.id, Event: r.event, HookID: 1, TargetType: "organization", ReceivedAt: now, Payload: r.body}
					p, err := store.Project(d)
					if err != nil {
						b.Fatal(err)
					}
					items = append(items, store.Item{Delivery: d, Projection: p})
				}
				if _, err := s.Write(ctx, items); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			n := float64(b.N * size)
			b.ReportMetric(float64((processCPU()-goCPU).Microseconds())/n, "go_cpu_µs/delivery")
			b.ReportMetric(float64((backendCPU(backend)-pgCPU).Microseconds())/n, "pg_cpu_µs/delivery")
			var stepBytes, jobs, stepRows int64
			if err := s.Pool().QueryRow(ctx, `SELECT pg_total_relation_size('job_steps') + pg_total_relation_size('step_keys'),
				(SELECT count(*) FROM workflow_jobs), (SELECT count(*) FROM workflow_job_steps)`).Scan(&stepBytes, &jobs, &stepRows); err != nil {
				b.Fatal(err)
			}
			if steps && stepRows == 0 {
				b.Fatal("no steps were written: the A/B would compare nothing")
			}
			b.ReportMetric(float64(stepBytes)/float64(jobs), "step_bytes/job")
		})
	}
}

// reencoded is a payload encoded again, with its steps or with an empty step list: both
// sides of the A/B go through the same encoder, so they differ in the steps only.
func reencoded(b *testing.B, body []byte, steps bool) []byte {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		b.Fatal(err)
	}
	if j, ok := doc["workflow_job"].(map[string]any); ok && !steps {
		j["steps"] = []any{}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// processCPU is the user and system CPU this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU is the user and system CPU of one Postgres backend, from /proc (ticks of
// 10 ms: measure thousands of deliveries).
func backendCPU(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

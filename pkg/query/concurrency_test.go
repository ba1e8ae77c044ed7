package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// TestConcurrencyPeaks holds concurrency to peaks worked out by hand: overlapping waits and
// runs, a job still queued, a job with no wait at all, and jobs that end at the very
// instant another starts (or a bucket starts), which must not count together.
func TestConcurrencyPeaks(t *testing.T) {
	pool, _ := seed(t, newWorld())
	base := t0.Add(-40*24*time.Hour + 10*time.Hour)
	at := func(min, sec int) *time.Time {
		v := base.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
		return &v
	}
	jobs := []struct {
		id                          int64
		labels, group               string
		created, started, completed *time.Time
	}{
		{1, "ubuntu-latest", "GitHub Actions", at(0, 0), at(5, 0), at(20, 0)},
		{2, "ubuntu-latest", "GitHub Actions", at(2, 0), at(10, 0), at(30, 0)},
		{3, "ubuntu-latest", "", at(3, 0), nil, nil}, // still queued
		{4, "linux,self-hosted", "linux-pool", at(0, 0), at(0, 30), at(90, 0)},
		{5, "linux,self-hosted", "linux-pool", at(40, 0), at(40, 0), at(60, 0)}, // no wait
		{6, "linux,self-hosted", "linux-pool", at(50, 0), at(60, 0), at(70, 0)}, // starts as 5 ends
		{7, "linux,self-hosted", "linux-pool", at(45, 0), at(45, 0), at(60, 0)}, // ends on the bucket edge
	}
	for _, j := range jobs {
		status, runner := "queued", ""
		if j.started != nil {
			status, runner = "completed", "r"
		}
		if _, err := pool.Exec(context.Background(), `INSERT INTO workflow_jobs (job_id, run_id, run_attempt, repo, labels, label_key,
			runner_group_name, status, runner_name, created_at, started_at, completed_at, first_seen_at, last_seen_at)
			VALUES ($1, $1, 1, 'acme/api', string_to_array($2, ','), $2, $3, $4, $5, $6, $7, $8, $6, $6)`,
			900000+j.id, j.labels, j.group, status, runner, j.created, j.started, j.completed); err != nil {
			t.Fatal(err)
		}
	}
	type series struct{ running, queued, limit []float64 }
	cases := []struct {
		name string
		json string
		want map[string]series
	}{
		{"by type, with the hosted limit", `{}`, map[string]series{
			"github-hosted": {[]float64{2, 0}, []float64{3, 1}, []float64{20, 20}},
			"self-hosted":   {[]float64{3, 2}, []float64{1, 0}, nil},
		}},
		{"by runner group", `{"groupBy": "runner_group"}`, map[string]series{
			"GitHub Actions": {[]float64{2, 0}, []float64{0, 0}, nil},
			"linux-pool":     {[]float64{3, 2}, []float64{0, 0}, nil},
			"(unassigned)":   {[]float64{0, 0}, []float64{3, 1}, nil},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := query.Request{RefID: "A", From: base, To: base.Add(2*time.Hour - time.Second), Interval: time.Hour, MaxDataPoints: 100, JSON: []byte(c.json)}
			frames, err := query.Concurrency(context.Background(), query.Env{DB: pool, Limits: query.ConcurrencyLimits{Hosted: 20}}, req)
			if err != nil {
				t.Fatal(err)
			}
			checkConventions(t, frames)
			if len(frames) != len(c.want) {
				t.Fatalf("%d frames, want %d", len(frames), len(c.want))
			}
			for _, f := range frames {
				w, ok := c.want[f.Name]
				if !ok {
					t.Fatalf("unexpected series %q", f.Name)
				}
				for name, want := range map[string][]float64{"running": w.running, "queued": w.queued, "limit": w.limit} {
					got := values(f, name)
					if len(got) != len(want) {
						t.Errorf("%s %s: %v, want %v", f.Name, name, got, want)
						continue
					}
					for i := range want {
						if got[i] != want[i] {
							t.Errorf("%s %s: %v, want %v", f.Name, name, got, want)
							break
						}
					}
				}
			}
		})
	}
}

func values(f *data.Frame, name string) []float64 {
	fl, _ := f.FieldByName(name)
	if fl == nil {
		return nil
	}
	out := make([]float64, fl.Len())
	for i := range out {
		out[i] = fl.At(i).(float64)
	}
	return out
}

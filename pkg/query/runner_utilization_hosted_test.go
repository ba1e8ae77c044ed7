package query_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
)

// GitHub-hosted runners' utilisation is counted by jobs against the concurrency limit:
// 15 + 20 minutes of hosted jobs in an hour, with a limit of 2, is 35/120 busy; the
// self-hosted job is not counted there, and without a limit there is no hosted series.
func TestHostedUtilizationByJobs(t *testing.T) {
	pool, _ := seed(t, newWorld())
	base := t0.Add(-50*24*time.Hour + 10*time.Hour)
	for _, j := range []struct {
		id                int64
		labels            string
		startMin, doneMin int
	}{{1, "ubuntu-latest", 5, 20}, {2, "ubuntu-latest-4-cores", 10, 30}, {3, "linux,self-hosted", 0, 60}} {
		s, c := base.Add(time.Duration(j.startMin)*time.Minute), base.Add(time.Duration(j.doneMin)*time.Minute)
		if _, err := pool.Exec(context.Background(), `INSERT INTO workflow_jobs (job_id, run_id, run_attempt, repo, labels, label_key,
			runner_group_name, status, runner_name, created_at, started_at, completed_at, first_seen_at, last_seen_at)
			VALUES ($1, $1, 1, 'acme/api', string_to_array($2, ','), $2, 'g', 'completed', 'r', $3, $3, $4, $3, $3)`,
			950000+j.id, j.labels, s, c); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		limit  int
		want   float64
		series bool
	}{
		{"limit of two", 2, 35.0 / 120, true},
		{"limit of twenty", 20, 35.0 / 1200, true},
		{"no limit", 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := query.Request{RefID: "A", From: base, To: base.Add(time.Hour), Interval: time.Hour, MaxDataPoints: 10, JSON: []byte(`{}`)}
			frames, err := query.RunnerUtilization(context.Background(), query.Env{DB: pool, Limits: query.ConcurrencyLimits{Hosted: c.limit}}, req)
			if err != nil {
				t.Fatal(err)
			}
			checkConventions(t, frames)
			found := false
			for _, fl := range frames[0].Fields[1:] {
				if fl.Labels["pool"] != "github-hosted" {
					continue
				}
				found = true
				if v := fl.At(0).(*float64); v == nil || math.Abs(*v-c.want) > 1e-9 {
					t.Errorf("hosted busy ratio %v, want %v", v, c.want)
				}
			}
			if found != c.series {
				t.Errorf("hosted series present: %v, want %v", found, c.series)
			}
		})
	}
}

package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
)

// A job GitHub reports as completed ten minutes before it started is stored and flagged;
// no answer shows a negative duration or queue time for it.
func TestInconsistentTimestampsNeverNegative(t *testing.T) {
	w := newWorld()
	bad := w.jobs[0]
	bad.id, bad.name, bad.dur = 99_999, "backwards", -10*time.Minute
	w.jobs = append(w.jobs, bad)
	pool, _ := seed(t, w)
	var flagged bool
	if err := pool.QueryRow(context.Background(), "SELECT inconsistent FROM workflow_jobs WHERE job_id = 99999").Scan(&flagged); err != nil || !flagged {
		t.Fatalf("inconsistent = %v (%v), want the job stored and flagged", flagged, err)
	}
	cases := []struct {
		name, queryType, json string
		fields                []string
	}{
		{"jobs table", "jobs", `{"states": ["completed"], "limit": 5000}`, []string{"duration_seconds", "queue_seconds"}},
		{"pipeline", "pipeline", `{"runId": 900000}`, []string{"duration_seconds", "queue_seconds"}},
		{"repo_stats", "repo_stats", `{"dimension": "job", "metric": "minutes", "limit": 100}`, []string{"minutes", "p95_duration"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			frames, err := types[c.queryType](context.Background(), query.Env{DB: pool}, request(c.json))
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, f := range frames {
				for _, fl := range f.Fields {
					for _, name := range c.fields {
						if fl.Name != name {
							continue
						}
						for i := range fl.Len() {
							v, ok := fl.ConcreteAt(i)
							if ok && v.(float64) < 0 {
								t.Errorf("%s row %d = %v, negative", name, i, v)
							}
							seen++
						}
					}
				}
			}
			if seen == 0 {
				t.Fatalf("no %v values in the answer", c.fields)
			}
		})
	}
}

package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
)

// active_jobs has no row cap: 6,000 queued jobs (more than the jobs table's ceiling of
// 5,000) plus the world's open ones all come back, oldest first, and none of the jobs CI
// Radar closed as expired or gone.
func TestActiveJobsEveryOpenJobOldestFirst(t *testing.T) {
	pool, _ := seed(t, newWorld())
	end := t0.Add(7 * 24 * time.Hour)
	if _, err := pool.Exec(context.Background(), `INSERT INTO workflow_jobs (job_id, run_id, repo, label_key, status, created_at, first_seen_at, last_seen_at)
		SELECT 700000 + q, 700000 + q, 'acme/api', 'ubuntu-latest', 'queued', $1::timestamptz - q * interval '1 minute', $1, $1
		FROM generate_series(1, 6000) q`, end); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		json     string
		wantRows int
	}{
		{"every open job", `{}`, 6000 + 3},
		{"running only", `{"states": ["in_progress"]}`, 1},
		{"a label set", `{"filters": {"labels": ["linux,self-hosted,x64"]}}`, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			frames, err := query.ActiveJobs(context.Background(), query.Env{DB: pool}, request(c.json))
			if err != nil {
				t.Fatal(err)
			}
			f := frames[0]
			if f.Rows() != c.wantRows {
				t.Fatalf("%d rows, want %d", f.Rows(), c.wantRows)
			}
			ages, _ := f.FieldByName("age")
			statuses, _ := f.FieldByName("status")
			for i := range f.Rows() {
				if st := statuses.At(i).(string); st == "completed" {
					t.Fatalf("row %d is completed", i)
				}
				if i > 0 && ages.At(i).(float64) > ages.At(i-1).(float64) {
					t.Fatalf("row %d is older (%v s) than row %d (%v s): not oldest first", i, ages.At(i), i-1, ages.At(i-1))
				}
			}
		})
	}
	if _, err := query.ActiveJobs(context.Background(), query.Env{DB: failingDB{}}, request(`{"states": ["completed"]}`)); !query.IsBadQuery(err) {
		t.Fatalf("states completed: %v, want a bad query", err)
	}
}

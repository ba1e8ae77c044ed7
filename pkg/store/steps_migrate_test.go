package store_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// Migration 0037 moves the steps of a filled store, one row a step (0017), to one row a
// job: every job reads back the same steps, the step rollups rebuilt from the new layout
// equal the ones rolled from the old, a step's key is the same in Go and in SQL, and
// reprojecting the log still gives what live ingest gives.
func TestMigrationCompactsSteps(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewEmptyDatabase(t)
	// 31 was the newest migration when 0037 was written: migrations merged in between run
	// on the old layout's rows as well.
	if _, err := store.MigrateTo(ctx, url, 31); err != nil {
		t.Fatal(err)
	}
	old, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close(ctx)
	live := newStore(t) // the same deliveries through live ingest, for reference

	start := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	var items []store.Item
	simulateInto(t, live, 11, start, 48*time.Hour, func(it store.Item) error {
		items = append(items, it)
		return nil
	})
	want, err := live.Jobs(ctx, store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}

	// The store as 0017's layout held it: the raw log, the jobs, and the steps one row each, as
	// live ingest merged them (0017's columns, duration and inconsistency derived).
	deliveries, steps, gaps := 0, 0, 0
	for _, it := range items {
		tag, err := old.Exec(ctx, `INSERT INTO deliveries (delivery_id, event, action, hook_id, target_type, target_id, received_at, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`, it.Delivery.ID, it.Delivery.Event, it.Delivery.Action,
			it.Delivery.HookID, it.Delivery.TargetType, it.Delivery.TargetID, it.Delivery.ReceivedAt, it.Delivery.Payload)
		if err != nil {
			t.Fatal(err)
		}
		deliveries += int(tag.RowsAffected())
	}
	for wi, j := range want {
		if _, err := old.Exec(ctx, `INSERT INTO workflow_jobs (job_id, run_id, run_attempt, org, repo, workflow_name, job_name, status, conclusion,
			created_at, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $10)`,
			j.JobID, j.RunID, j.RunAttempt, j.Org, j.Repo, j.WorkflowName, j.JobName, j.Status, j.Conclusion, j.CreatedAt); err != nil {
			t.Fatal(err)
		}
		if j.JobID%2 == 0 && len(j.Steps) > 1 {
			// Numbers with gaps, as GitHub's when steps did not run: the even jobs' doubled.
			j.Steps = slices.Clone(j.Steps)
			for i := range j.Steps {
				j.Steps[i].Number *= 2
			}
			want[wi].Steps = j.Steps
		}
		for i, s := range j.Steps {
			if s.Number != int64(i+1) {
				gaps++
			}
			var d *float64
			if s.StartedAt != nil && s.CompletedAt != nil {
				v := max(s.CompletedAt.Sub(*s.StartedAt), 0).Seconds()
				d = &v
			}
			if _, err := old.Exec(ctx, `INSERT INTO workflow_job_steps VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, j.JobID, s.Number,
				s.Name, s.Status, s.Conclusion, s.StartedAt, s.CompletedAt, d, s.Inconsistent()); err != nil {
				t.Fatal(err)
			}
			steps++
		}
	}
	if steps < 100 || gaps == 0 {
		t.Fatalf("the simulator's jobs had %d steps: too few to test on", steps)
	}
	rollups := func() [][]any {
		t.Helper()
		if _, err := old.Exec(ctx, "SELECT rollup_step_days($1, $2)", start, start.Add(72*time.Hour)); err != nil {
			t.Fatal(err)
		}
		return connRows(t, old, `SELECT 'd', day, workflow_name, job_name, step_name, runs, failures, sum_s, max_s, hist FROM rollup_step_day
			UNION ALL SELECT 'h', hour, workflow_name, job_name, step_name, runs, failures, sum_s, max_s, hist FROM rollup_step_hour ORDER BY 1, 2, 3, 4, 5`)
	}
	rolledBefore := rollups()
	if len(rolledBefore) == 0 {
		t.Fatal("no step rollups before the migration")
	}

	if applied, err := store.Migrate(ctx, url); err != nil || len(applied) == 0 || applied[len(applied)-1] < 37 {
		t.Fatalf("migrate: applied %v, %v", applied, err)
	}
	s, err := store.Open(ctx, url, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	t.Run("every job's steps as before", func(t *testing.T) {
		got, err := s.Jobs(ctx, store.JobFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d jobs, want %d", len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i].Steps, want[i].Steps) {
				t.Errorf("job %d: steps %+v, want %+v", want[i].JobID, got[i].Steps, want[i].Steps)
			}
		}
	})
	t.Run("one row a job", func(t *testing.T) {
		r := pgtest.Rows(t, s, `SELECT (SELECT count(*) FROM job_steps)::int, (SELECT count(DISTINCT job_id) FROM workflow_job_steps)::int,
			(SELECT count(*) FROM workflow_job_steps)::int`)
		if r[0][0] != r[0][1] || r[0][2] != int32(steps) {
			t.Errorf("%v rows for %v jobs with steps, %v steps; want a row a job and %d steps", r[0][0], r[0][1], r[0][2], steps)
		}
	})
	t.Run("the old table's columns, from the view", func(t *testing.T) {
		r := pgtest.Rows(t, s, `SELECT count(*)::int FROM workflow_job_steps s JOIN workflow_jobs j USING (job_id)
			WHERE s.duration_s IS NOT DISTINCT FROM CASE WHEN s.completed_at IS NOT NULL AND s.started_at IS NOT NULL
				THEN greatest(extract(epoch FROM s.completed_at - s.started_at), 0)::float8 END
			AND s.inconsistent = coalesce(s.completed_at < s.started_at, false)`)
		if r[0][0] != int32(steps) {
			t.Errorf("%v steps derive their duration and inconsistency as 0017 did, want all %d", r[0][0], steps)
		}
	})
	t.Run("rollups as before", func(t *testing.T) {
		if after := rollups(); !reflect.DeepEqual(after, rolledBefore) {
			t.Errorf("%d rollup rows after the migration, %d before, or they differ", len(after), len(rolledBefore))
		}
	})
	t.Run("keys the same in Go and SQL", func(t *testing.T) {
		r := pgtest.Rows(t, s, `SELECT count(*)::int FROM step_keys WHERE id <> step_key_id(name, status, conclusion)`)
		if r[0][0] != int32(0) {
			t.Errorf("%v keys differ from their digest", r[0][0])
		}
		for _, st := range []store.Step{{Name: "Run tests", Status: "completed", Conclusion: "success"},
			{Name: "héllo, wörld", Status: "in_progress"}, {Name: "", Status: "queued"}, {Name: "a,b", Status: "c", Conclusion: "d"}} {
			var sqlID int64
			if err := s.Pool().QueryRow(ctx, "SELECT step_key_id($1, $2, $3)", st.Name, st.Status, st.Conclusion).Scan(&sqlID); err != nil {
				t.Fatal(err)
			}
			if goID := store.StepKeyID(&st); goID != sqlID {
				t.Errorf("%+v: Go key %d, SQL key %d", st, goID, sqlID)
			}
		}
	})
	t.Run("reproject equals live", func(t *testing.T) { reprojectEqualsLive(t, s, live, deliveries) })
	t.Logf("%d jobs, %d steps (%d numbered out of 1..n)", len(want), steps, gaps)
}

// connRows reads every row of sql on conn as values.
func connRows(t *testing.T, conn *pgx.Conn, sql string) [][]any {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

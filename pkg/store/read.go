package store

import (
	"context"
	"fmt"
)

// JobFilter narrows Jobs. Zero values mean no bound.
type JobFilter struct {
	MinID, MaxID int64
	Statuses     []string
}

// Jobs reads projected jobs ordered by id. It serves tests, reproject checks and the
// reconciler; the plugin's queries have their own SQL.
func (s *Store) Jobs(ctx context.Context, f JobFilter) ([]Job, error) {
	maxID := f.MaxID
	if maxID == 0 {
		maxID = 1<<63 - 1
	}
	rows, err := queryJobs(ctx, s.pool, selectJobsSQL+
		" WHERE job_id BETWEEN $1 AND $2 AND (cardinality($3::text[]) = 0 OR status = ANY($3)) ORDER BY job_id, forge",
		f.MinID, maxID, nonNil(f.Statuses))
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, j := range rows {
		ids[i] = j.JobID
	}
	srows, err := s.pool.Query(ctx, selectStepsByJobSQL, ids)
	if err != nil {
		return nil, fmt.Errorf("list steps: %w", err)
	}
	steps, _, err := scanSteps(srows)
	if err != nil {
		return nil, fmt.Errorf("list steps: %w", err)
	}
	out := make([]Job, len(rows))
	for i, j := range rows {
		out[i] = *j
		out[i].Steps = steps[j.JobID]
	}
	return out, nil
}

// Runs reads every projected run ordered by id and attempt.
func (s *Store) Runs(ctx context.Context) ([]Run, error) {
	rows, err := queryRuns(ctx, s.pool, selectRunsSQL+" ORDER BY run_id, run_attempt, forge")
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out := make([]Run, len(rows))
	for i, r := range rows {
		out[i] = *r
	}
	return out, nil
}

// CountDeliveries counts how many of ids are in the raw log (by delivery_guids, which
// holds exactly its ids).
func (s *Store) CountDeliveries(ctx context.Context, ids []string) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM delivery_guids WHERE "+guidsOf1, nonNil(ids)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count deliveries: %w", err)
	}
	return n, nil
}

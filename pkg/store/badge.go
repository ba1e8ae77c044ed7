package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// BadgeQuery picks the runs a README badge sums up: a repository's runs on a branch (its
// default branch when Branch is empty), of one workflow (by name) or all, and of one
// trigger event (schedule: the nightly) or all.
type BadgeQuery struct {
	Repo, Workflow, Branch, Event string
}

// BadgeResult is what the badge shows: for each workflow, the latest completed run's
// conclusion (its latest attempt), and the repository's visibility as its newest run said.
type BadgeResult struct {
	Found       bool // the repository has runs at all
	Visibility  string
	Conclusions []string // one per workflow, newest first
	LatestAt    time.Time
}

// Badge reads what a badge for q shows.
func (s *Store) Badge(ctx context.Context, q BadgeQuery) (BadgeResult, error) {
	var res BadgeResult
	err := s.pool.QueryRow(ctx, `SELECT repo_visibility FROM workflow_runs WHERE repo = $1
		ORDER BY created_at DESC NULLS LAST, run_id DESC, run_attempt DESC LIMIT 1`, q.Repo).Scan(&res.Visibility)
	if errors.Is(err, pgx.ErrNoRows) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("read badge of %s: %w", q.Repo, err)
	}
	res.Found = true
	// Each workflow's newest completed run on the branch, by its latest attempt: a run
	// failed and passed on re-run passes, as on GitHub.
	rows, err := s.pool.Query(ctx, `SELECT conclusion, created_at FROM (
		  SELECT DISTINCT ON (r.workflow_name) r.workflow_name, r.conclusion, r.created_at
		  FROM workflow_runs r
		  WHERE r.repo = $1 AND r.status = 'completed' AND r.created_at IS NOT NULL
		    AND ($2 = '' OR r.workflow_name = $2)
		    AND (CASE WHEN $3 = '' THEN r.head_branch = r.default_branch ELSE r.head_branch = $3 END)
		    AND ($4 = '' OR r.event = $4)
		    AND NOT EXISTS (SELECT 1 FROM workflow_runs n WHERE n.run_id = r.run_id AND n.run_attempt > r.run_attempt)
		  ORDER BY r.workflow_name, r.created_at DESC, r.run_id DESC) w
		ORDER BY created_at DESC`, q.Repo, q.Workflow, q.Branch, q.Event)
	if err != nil {
		return res, fmt.Errorf("read badge of %s: %w", q.Repo, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var at time.Time
		if err := rows.Scan(&c, &at); err != nil {
			return res, fmt.Errorf("read badge of %s: %w", q.Repo, err)
		}
		if res.LatestAt.IsZero() {
			res.LatestAt = at.UTC()
		}
		res.Conclusions = append(res.Conclusions, c)
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("read badge of %s: %w", q.Repo, err)
	}
	return res, nil
}

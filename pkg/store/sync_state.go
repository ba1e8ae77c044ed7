package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// OpenJob is a job the projection still shows as not completed.
type OpenJob struct {
	JobID  int64
	Repo   RepoRef
	Status string
}

// StuckJobs lists jobs queued, waiting or in progress since before olderThan, that were
// not confirmed by the API since recheckAfter, oldest first, at most limit.
func (s *Store) StuckJobs(ctx context.Context, olderThan, recheckAfter time.Time, limit int) ([]OpenJob, error) {
	return s.StuckJobsOf(ctx, ForgeGitHub, nil, olderThan, recheckAfter, limit)
}

// StuckJobsOf is StuckJobs for one forge's jobs in the given statuses (nil: any not
// completed). GitLab's own
// reconciler asks about its queued and running jobs only: a manual job or one held by its
// earlier stages is not stuck).
func (s *Store) StuckJobsOf(ctx context.Context, forge string, statuses []string, olderThan, recheckAfter time.Time, limit int) ([]OpenJob, error) {
	rows, err := s.pool.Query(ctx, `SELECT j.job_id, j.repo_id, j.repo, j.org, j.status FROM workflow_jobs j
		LEFT JOIN job_confirmations c ON c.job_id = j.job_id AND c.forge = j.forge
		WHERE j.forge = $4 AND j.status <> 'completed' AND ($5::text[] IS NULL OR j.status = ANY($5)) AND coalesce(j.started_at, j.created_at, j.first_seen_at) < $1
		  AND (c.confirmed_at IS NULL OR c.confirmed_at < $2) AND j.repo <> ''
		ORDER BY coalesce(j.started_at, j.created_at, j.first_seen_at) LIMIT $3`, olderThan, recheckAfter, limit, forge, statuses)
	if err != nil {
		return nil, fmt.Errorf("list stuck jobs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OpenJob, error) {
		var j OpenJob
		err := r.Scan(&j.JobID, &j.Repo.ID, &j.Repo.FullName, &j.Repo.Org, &j.Status)
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("list stuck jobs: %w", err)
	}
	return out, nil
}

// ConfirmJob records what the API said about a job and when: "confirmed still queued at".
func (s *Store) ConfirmJob(ctx context.Context, jobID int64, apiStatus string, at time.Time) error {
	return s.ConfirmForgeJob(ctx, ForgeGitHub, jobID, apiStatus, at)
}

// ConfirmForgeJob is ConfirmJob for a job of forge.
func (s *Store) ConfirmForgeJob(ctx context.Context, forge string, jobID int64, apiStatus string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO job_confirmations (job_id, api_status, confirmed_at, forge) VALUES ($1, $2, $3, $4)
		ON CONFLICT (job_id, forge) DO UPDATE SET api_status = EXCLUDED.api_status, confirmed_at = EXCLUDED.confirmed_at,
		checks = job_confirmations.checks + 1`, jobID, apiStatus, at, forge)
	if err != nil {
		return fmt.Errorf("confirm job %d: %w", jobID, err)
	}
	return nil
}

// Runner is a self-hosted runner as the REST API lists it.
type Runner struct {
	ID     int64
	Name   string
	OS     string
	Labels []string
	Status string // online or offline
	Busy   bool
	Group  string // GitLab's runner_type; GitHub's comes from the jobs
}

// SaveRunners replaces a scope's inventory with runners, as seen at at: new runners are
// added, listed ones updated, unlisted ones marked removed, and each listed runner gets a
// sample. The runner's group comes from the newest job that ran on it, since the runner
// listing does not carry it.
func (s *Store) SaveRunners(ctx context.Context, scope string, runners []Runner, at time.Time) error {
	return s.SaveForgeRunners(ctx, ForgeGitHub, scope, runners, at)
}

// SaveForgeRunners is SaveRunners for a forge's inventory: a scope's runners are replaced
// only among that forge's rows. A GitLab runner's group (its runner_type) comes from
// Runner.Group, since GitLab's listing carries it.
func (s *Store) SaveForgeRunners(ctx context.Context, forge, scope string, runners []Runner, at time.Time) error {
	n := len(runners)
	ids, names, oses, keys, labels := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	statuses, busy, groups := make([]string, n), make([]bool, n), make([]string, n)
	for i, r := range runners {
		groups[i] = clean(r.Group)
		l := slices.Clone(r.Labels)
		slices.Sort(l)
		ids[i], names[i], oses[i], keys[i] = r.ID, clean(r.Name), clean(r.OS), clean(strings.Join(l, ","))
		labels[i] = clean(strings.Join(r.Labels, "\x1f"))
		statuses[i], busy[i] = r.Status, r.Busy
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO runners (scope, runner_id, name, os, labels, label_key, runner_group_name, status, busy, first_seen_at, last_seen_at, forge)
			SELECT $1, u.id, u.name, u.os, string_to_array(u.labels, chr(31)), u.key,
			  coalesce(nullif(u.grp, ''), (SELECT j.runner_group_name FROM workflow_jobs j WHERE j.forge = $10 AND j.runner_name = u.name AND j.runner_group_name <> ''
			            ORDER BY j.started_at DESC NULLS LAST LIMIT 1), ''),
			  u.status, u.busy, $9, $9, $10
			FROM unnest($2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $11::text[])
			  AS u(id, name, os, labels, key, status, busy, grp)
			ON CONFLICT (scope, runner_id, forge) DO UPDATE SET name = EXCLUDED.name, os = EXCLUDED.os, labels = EXCLUDED.labels,
			  label_key = EXCLUDED.label_key, runner_group_name = CASE WHEN EXCLUDED.runner_group_name = ''
			    THEN runners.runner_group_name ELSE EXCLUDED.runner_group_name END,
			  status = EXCLUDED.status, busy = EXCLUDED.busy, last_seen_at = EXCLUDED.last_seen_at, removed_at = NULL`,
			scope, ids, names, oses, labels, keys, statuses, busy, at, forge, groups); err != nil {
			return fmt.Errorf("upsert runners: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE runners SET removed_at = $3, status = 'offline', busy = false
			WHERE scope = $1 AND forge = $4 AND removed_at IS NULL AND NOT (runner_id = ANY($2))`, scope, ids, at, forge); err != nil {
			return fmt.Errorf("mark removed runners: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO runner_samples (sampled_at, scope, runner_id, name, label_key, status, busy, forge)
			SELECT $1, $2, u.id, u.name, u.key, u.status, u.busy, $8
			FROM unnest($3::int8[], $4::text[], $5::text[], $6::text[], $7::bool[]) AS u(id, name, key, status, busy)
			ON CONFLICT DO NOTHING`, at, scope, ids, names, keys, statuses, busy, forge); err != nil {
			return fmt.Errorf("sample runners: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save runners of %s: %w", scope, err)
	}
	return nil
}

// JobStatusAfter reports whether job status a is further along than b (queued < waiting <
// in_progress < completed): whether an API answer moves the projection forward.
func JobStatusAfter(a, b string) bool { return jobRank(a) > jobRank(b) }

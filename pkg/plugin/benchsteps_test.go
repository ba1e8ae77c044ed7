package plugin

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// fillSteps gives every completed job of the fill ten steps, as the receiver would store
// them (about ten step rows a job, as GitHub's jobs have): set-up, checkout, toolchain,
// cache, install, build, tests, coverage upload, post and complete, sharing the job's run
// time by fixed weights with some spread. A failed job fails at "Run tests" and skips the
// upload; one successful job in fifty passes with warnings (the upload failed under
// continue-on-error). The jobs' failed_step and passed_with_warnings follow. A fill whose
// newest completed job has its steps already is kept.
func fillSteps(ctx context.Context, conn *pgx.Conn) error {
	var have bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workflow_job_steps WHERE job_id =
		(SELECT max(job_id) FROM workflow_jobs WHERE status = 'completed'))`).Scan(&have); err != nil {
		return err
	}
	if have {
		return nil
	}
	steps := []string{
		"TRUNCATE job_steps",
		// A job's steps as one row of job_steps (migration 0037), their texts in step_keys.
		`WITH s AS MATERIALIZED (
		SELECT j.job_id, k, (ARRAY['Set up job', 'Run actions/checkout@v4', 'Run actions/setup-node@v4', 'Restore cache',
				'Install dependencies', 'Build', 'Run tests', 'Upload coverage', 'Post Run actions/checkout@v4', 'Complete job'])[k] AS name,
			'completed' AS status,
			CASE WHEN j.conclusion = 'failure' AND k = 7 THEN 'failure' WHEN j.conclusion = 'failure' AND k = 8 THEN 'skipped'
				WHEN j.conclusion = 'success' AND k = 8 AND j.job_id % 50 = 0 THEN 'failure' ELSE 'success' END AS conclusion,
			j.started_at + d.total * w.before AS started_at, j.started_at + d.total * (w.before + w.share) AS completed_at
		FROM workflow_jobs j
		CROSS JOIN LATERAL (SELECT j.completed_at - j.started_at AS total) d
		CROSS JOIN generate_series(1, 10) k
		CROSS JOIN LATERAL (SELECT (ARRAY[0, .01, .03, .08, .11, .26, .46, .86, .94, .96])[k] AS before,
			(ARRAY[.01, .02, .05, .03, .15, .2, .4, .08, .02, .04])[k] * (0.8 + 0.4 * random()) AS share) w
		WHERE j.status = 'completed' AND j.started_at IS NOT NULL AND j.completed_at IS NOT NULL
		), keys AS (
			INSERT INTO step_keys (id, name, status, conclusion)
			SELECT DISTINCT step_key_id(name, status, conclusion), name, status, conclusion FROM s ON CONFLICT (id) DO NOTHING
		)
		INSERT INTO job_steps (job_id, numbers, keys, started, completed)
		SELECT job_id, NULL, array_agg(step_key_id(name, status, conclusion) ORDER BY k), array_agg(started_at ORDER BY k),
			array_agg(completed_at ORDER BY k)
		FROM s GROUP BY job_id`,
		`UPDATE workflow_jobs SET failed_step = 'Run tests' WHERE conclusion = 'failure'`,
		`UPDATE workflow_jobs SET failed_step = 'Upload coverage', passed_with_warnings = true
		WHERE conclusion = 'success' AND status = 'completed' AND job_id % 50 = 0`,
		"VACUUM ANALYZE job_steps, step_keys, workflow_jobs",
	}
	for i, s := range steps {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("fill steps step %d: %w", i, err)
		}
	}
	// What the steps cost in storage, table and primary key, per job and per step.
	var bytes, rows, jobs int64
	if err := conn.QueryRow(ctx, `SELECT pg_total_relation_size('job_steps') + pg_total_relation_size('step_keys'), (SELECT count(*) FROM workflow_job_steps),
		(SELECT count(*) FROM workflow_jobs)`).Scan(&bytes, &rows, &jobs); err != nil {
		return err
	}
	fmt.Printf("steps: %d rows, %d MB, %.0f bytes a job, %.0f a step\n", rows, bytes>>20, float64(bytes)/float64(jobs), float64(bytes)/float64(rows))
	return nil
}

package plugin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// fill writes n jobs (4 per run) over the 90 days before end, with their runs, three
// deliveries per job and a few error signatures, straight into the tables with SQL: going
// through the receiver would take the benchmark's whole budget, and the queries only see
// rows. Shapes follow what the receiver stores: 200 repositories in 5 orgs, 5 workflows,
// 6 runner pools (3 self-hosted with 40 runners each), push/pull_request/schedule/dispatch
// events, ~85% success. A filled database is reused.
func fill(ctx context.Context, url string, n int, end time.Time) error {
	if _, err := store.Migrate(ctx, url); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to fill: %w", err)
	}
	defer conn.Close(ctx)
	var have int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM workflow_jobs").Scan(&have); err != nil {
		return err
	}
	start := end.Add(-90 * 24 * time.Hour)
	if have < n {
		if err := fillJobs(ctx, conn, n, start, end); err != nil {
			return err
		}
	}
	if err := fillSamples(ctx, conn, start, end); err != nil {
		return err
	}
	if err := fillSteps(ctx, conn); err != nil {
		return err
	}
	return rollUp(ctx, url, end)
}

// fillJobs writes the jobs, runs, deliveries and error signatures.
func fillJobs(ctx context.Context, conn *pgx.Conn, n int, start, end time.Time) error {
	runs := n / 4
	steps := []string{
		"TRUNCATE workflow_jobs, workflow_runs, deliveries, error_occurrences, error_signatures CASCADE",
		"SELECT setseed(0.42)",
		`INSERT INTO workflow_runs (run_id, run_attempt, org, repo, repo_id, workflow_id, workflow_name, display_title, run_number, event,
			status, conclusion, head_branch, head_sha, default_branch, created_at, run_started_at, updated_at, html_url, first_seen_at, last_seen_at)
		SELECT r, 1, 'org' || (r % 5), 'org' || (r % 5) || '/repo' || (r % 200), r % 200, r % 1000, 'wf' || (r % 5), 'run ' || r, r,
			(ARRAY['push','pull_request','schedule','workflow_dispatch','push','pull_request','push','pull_request'])[1 + (r / 7) % 8],
			'completed', CASE WHEN random() < 0.85 THEN 'success' WHEN random() < 0.7 THEN 'failure' ELSE 'cancelled' END,
			CASE WHEN r % 3 = 0 THEN 'feature-' || (r % 97) ELSE 'main' END, md5(r::text), 'main',
			t, t, t + interval '20 minutes', 'https://github.com/org' || (r % 5) || '/repo' || (r % 200) || '/actions/runs/' || r, t, t
		FROM (SELECT r, $1::timestamptz + ($2::timestamptz - $1::timestamptz) * (r::float8 / $3) AS t FROM generate_series(1, $3::int) r) x`,
		`INSERT INTO workflow_jobs (job_id, run_id, run_attempt, org, repo, repo_id, workflow_name, job_name, head_branch, head_sha, labels, label_key,
			runner_name, runner_group_name, status, conclusion, created_at, started_at, completed_at, queue_s, html_url, run_url, first_seen_at, last_seen_at)
		SELECT j, r.run_id, 1, r.org, r.repo, r.repo_id, r.workflow_name, 'job' || (j % 4), r.head_branch, r.head_sha,
			string_to_array(p.key, ','), p.key,
			CASE WHEN p.hosted THEN 'GitHub Actions ' || j ELSE 'sh-' || p.i || '-' || (j % 40) END,
			CASE WHEN p.hosted THEN 'GitHub Actions' ELSE 'pool-' || p.i END,
			'completed', CASE WHEN r.conclusion = 'success' OR j % 4 <> 1 THEN 'success' ELSE r.conclusion END,
			c, c + q * interval '1 second', c + q * interval '1 second' + (30 + random() * 1200) * interval '1 second', q,
			'https://github.com/' || r.repo || '/actions/runs/' || r.run_id || '/job/' || j, '', c, c
		FROM (SELECT j, j / 4 + 1 AS run, exp(random() * 6) AS q FROM generate_series(0, (SELECT max(run_id) FROM workflow_runs)::int * 4 - 1) j) g
		JOIN workflow_runs r ON r.run_id = g.run AND r.run_attempt = 1
		CROSS JOIN LATERAL (SELECT (g.j + g.run) % 6 AS i, (g.j + g.run) % 6 < 3 AS hosted,
			(ARRAY['ubuntu-latest','windows-latest','macos-latest','linux,self-hosted,x64','gpu,linux,self-hosted','arm64,linux,self-hosted'])[1 + (g.j + g.run) % 6] AS key) p
		CROSS JOIN LATERAL (SELECT r.created_at + (g.j % 4) * interval '5 seconds' AS c) cc`,
		// The newest jobs are still queued or running, as on a live system.
		`UPDATE workflow_jobs SET status = CASE WHEN job_id % 2 = 0 THEN 'queued' ELSE 'in_progress' END, conclusion = '',
			completed_at = NULL, started_at = CASE WHEN job_id % 2 = 0 THEN NULL ELSE started_at END,
			queue_s = CASE WHEN job_id % 2 = 0 THEN NULL ELSE queue_s END
		WHERE created_at > (SELECT max(created_at) FROM workflow_jobs) - interval '10 minutes'`,
		`INSERT INTO deliveries (delivery_id, event, action, received_at, payload)
		SELECT 'd' || k || '-' || job_id, 'workflow_job', (ARRAY['queued','in_progress','completed'])[k], created_at + k * interval '1 minute', '\x7b7d'
		FROM workflow_jobs, generate_series(1, 3) k`,
		`INSERT INTO error_signatures (signature_hash, text, first_seen, last_seen, count)
		SELECT 'sig' || s, 'error pattern ' || s, $1::timestamptz + s * interval '1 hour', $2::timestamptz, 0 FROM generate_series(1, 500) s`,
		`INSERT INTO error_occurrences (signature_hash, job_id, repo, excerpt, seen_at)
		SELECT 'sig' || (1 + job_id % 500), job_id, repo, '##[error]exit 1', completed_at FROM workflow_jobs WHERE conclusion = 'failure'`,
		"ANALYZE",
	}
	for i, s := range steps {
		if _, err := conn.Exec(ctx, s, argsFor(s, start, end, runs)...); err != nil {
			return fmt.Errorf("fill step %d: %w", i, err)
		}
	}
	_, err := conn.Exec(ctx, "VACUUM ANALYZE")
	return err
}

// fillSamples gives the store a runner inventory as the reconciler keeps it: 120
// self-hosted runners in the group "inventory", three label sets, every one sampled each
// minute of the 90 days (15.6 million samples), about 40% busy and one in twenty offline.
// Their hours are rolled up here: the refresher's sweep would take 90 refreshes to reach
// them all, as it would after any backfill.
func fillSamples(ctx context.Context, conn *pgx.Conn, start, end time.Time) error {
	var have bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM runners WHERE runner_group_name = 'inventory')").Scan(&have); err != nil {
		return err
	}
	if have {
		return nil
	}
	steps := []string{
		`INSERT INTO runners (scope, runner_id, name, os, labels, label_key, runner_group_name, status, busy, first_seen_at, last_seen_at)
		SELECT 'org:org0', 100000 + i, 'inv-' || i, 'Linux', string_to_array(k.key, ','), k.key, 'inventory',
			CASE WHEN i % 20 = 0 THEN 'offline' ELSE 'online' END, i % 5 < 2, $1, $2
		FROM generate_series(0, 119) i
		CROSS JOIN LATERAL (SELECT (ARRAY['linux,self-hosted,x64','gpu,linux,self-hosted','arm64,linux,self-hosted'])[1 + i % 3] AS key) k`,
		`INSERT INTO runner_samples (sampled_at, scope, runner_id, name, label_key, status, busy)
		SELECT t, 'org:org0', r.runner_id, r.name, r.label_key, r.status, (r.runner_id + extract(epoch FROM t)::bigint / 60) % 5 < 2
		FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') t
		CROSS JOIN (SELECT runner_id, name, label_key, status FROM runners WHERE runner_group_name = 'inventory') r
		ORDER BY t, r.runner_id`, // in time order, as the reconciler appends them
		"SELECT rollup_sample_hours($1, $2)",
		"ANALYZE runners, runner_samples, rollup_sample_hour",
	}
	for i, s := range steps {
		if _, err := conn.Exec(ctx, s, argsFor(s, start, end, 0)...); err != nil {
			return fmt.Errorf("fill samples step %d: %w", i, err)
		}
	}
	return nil
}

// rollUp refreshes the rollups as the receiver would a minute after end, and analyzes them.
func rollUp(ctx context.Context, url string, end time.Time) error {
	s, err := store.Open(ctx, url, store.Options{MaxConns: 1})
	if err != nil {
		return err
	}
	defer s.Close()
	began := time.Now()
	st, err := s.RefreshRollups(ctx, store.RollupOptions{Now: end.Add(time.Minute)})
	if err != nil {
		return err
	}
	fmt.Printf("rollups: %d hours up to %s in %s\n", st.Hours, st.Watermark.Format(time.RFC3339), time.Since(began).Round(time.Millisecond))
	_, err = s.Pool().Exec(ctx, "ANALYZE")
	return err
}

// argsFor passes $1..$3 only to the statements that use them.
func argsFor(sql string, start, end time.Time, runs int) []any {
	switch {
	case strings.Contains(sql, "$3"):
		return []any{start, end, runs}
	case strings.Contains(sql, "$2"):
		return []any{start, end}
	}
	return nil
}

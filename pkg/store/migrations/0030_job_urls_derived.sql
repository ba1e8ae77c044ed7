-- 0030: a GitHub job's html_url and run_url are not stored when they are what its other
-- columns spell (issue 18: bytes per job). They were 161 of a row's 584 bytes on the
-- simulator's stream, and a job row is written about three times, so its heap holds about
-- 1.5 rows' worth a job. NULL now means "the URL GitHub sends for this job", worked out
-- from forge_url, repo, run_id and job_id; '' still means that the payload had none, and
-- any URL that differs from the derived one (another host, a path GitHub may change) is
-- kept as sent. GitLab rows keep theirs. The writer (job_sql.go) stores NULL only after
-- checking that derivation gives the URL back byte for byte, so nothing is lost.
--
-- job_html_url is the one derivation readers use in SQL (rollups, flaky_jobs,
-- active_jobs); Store.Jobs uses its Go twin, jobHTMLURL, and a test holds the two equal.
CREATE FUNCTION job_html_url(html_url text, forge_url text, repo text, run_id bigint, job_id bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(html_url, forge_url || '/' || repo || '/actions/runs/' || run_id || '/job/' || job_id);

-- The REST URL of the job's run: api.github.com for github.com, /api/v3 on Enterprise Server.
CREATE FUNCTION job_run_url(run_url text, forge_url text, repo text, run_id bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(run_url, CASE WHEN forge_url = 'https://github.com' THEN 'https://api.github.com' ELSE forge_url || '/api/v3' END
    || '/repos/' || repo || '/actions/runs/' || run_id);

ALTER TABLE workflow_jobs ALTER COLUMN html_url DROP NOT NULL, ALTER COLUMN run_url DROP NOT NULL;

-- Rows already stored shed the URLs their columns give back. The old row versions' space
-- is reused by later writes; VACUUM FULL workflow_jobs returns it at once, if wanted.
UPDATE workflow_jobs SET
    html_url = CASE WHEN html_url = job_html_url(NULL, forge_url, repo, run_id, job_id) THEN NULL ELSE html_url END,
    run_url = CASE WHEN run_url = job_run_url(NULL, forge_url, repo, run_id) THEN NULL ELSE run_url END
WHERE forge = 'github' AND forge_url <> '' AND repo <> ''
  AND (html_url = job_html_url(NULL, forge_url, repo, run_id, job_id) OR run_url = job_run_url(NULL, forge_url, repo, run_id));

-- 0011's rollup_first_failures, the failed job's URL derived when it is not stored;
-- nothing else changes.
CREATE OR REPLACE FUNCTION rollup_first_failures(a timestamptz, b timestamptz, lookback interval)
RETURNS TABLE (created_at timestamptz, repo text, workflow_name text, job_name text, html_url text, passed_at timestamptz)
LANGUAGE sql STABLE SET enable_nestloop = off AS $$
    WITH w AS (
        SELECT j.job_id, j.created_at, j.completed_at, j.repo, j.workflow_name, j.job_name, j.head_sha, j.conclusion,
               job_html_url(j.html_url, j.forge_url, j.repo, j.run_id, j.job_id) AS html_url
        FROM workflow_jobs j
        WHERE j.created_at >= a - lookback AND j.created_at < b + lookback AND j.status = 'completed'
          AND j.conclusion IN ('success', 'failure') AND j.head_sha <> ''
    ), firsts AS (
        SELECT * FROM (
            SELECT w.*, lag(w.created_at) OVER (PARTITION BY w.head_sha COLLATE "C", w.repo COLLATE "C", w.workflow_name COLLATE "C",
                                                  w.job_name COLLATE "C" ORDER BY w.created_at, w.job_id) AS prev
            FROM w WHERE w.conclusion = 'failure') f
        WHERE f.created_at >= a AND f.created_at < b AND (f.prev IS NULL OR f.prev < f.created_at - lookback)
    )
    SELECT f.created_at, f.repo, f.workflow_name, f.job_name, f.html_url, max(p.completed_at)
    FROM firsts f
    LEFT JOIN w p ON p.conclusion = 'success' AND p.head_sha = f.head_sha AND p.repo = f.repo AND p.workflow_name = f.workflow_name
        AND p.job_name = f.job_name AND p.created_at >= f.created_at AND p.created_at < f.created_at + lookback
        AND p.completed_at > f.completed_at
    GROUP BY f.job_id, f.created_at, f.repo, f.workflow_name, f.job_name, f.html_url
$$;

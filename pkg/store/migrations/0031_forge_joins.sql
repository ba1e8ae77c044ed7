-- 0031: the rollups join and partition by forge-native ids with the forge as well (issue
-- 19). Ids are only unique within a forge (0025): a GitHub run and a GitLab pipeline can
-- both be 42, and a join by ids alone gives a job both runs, doubling its minutes, or
-- makes one forge's job "open" the other's run. Each function is the one before with the
-- forge added to its match, nothing else. Rows rolled before this have no collisions to
-- undo: no GitLab row existed before 0025, and every refresh rolls final hours again.

-- 0018's cost_jobs: a job's run (for its event) is its own forge's.
CREATE OR REPLACE FUNCTION cost_jobs(a timestamptz, b timestamptz)
RETURNS TABLE (created_at timestamptz, repo text, workflow_name text, label_key text, event text, visibility text, minutes bigint)
LANGUAGE sql STABLE AS $$
    SELECT j.created_at, j.repo, j.workflow_name, j.label_key, coalesce(r.event, ''), j.repo_visibility,
           ceil(greatest(extract(epoch FROM j.completed_at - j.started_at), 0) / 60)::bigint
    FROM workflow_jobs j
    LEFT JOIN workflow_runs r ON r.run_id = j.run_id AND r.run_attempt = j.run_attempt AND r.forge = j.forge
    WHERE j.created_at >= a AND j.created_at < b AND j.status = 'completed' AND j.runner_name <> ''
      AND j.started_at IS NOT NULL AND j.completed_at IS NOT NULL
$$;

-- 0013's rollup_sample_hours: a sample is its own forge's runner's.
CREATE OR REPLACE FUNCTION rollup_sample_hours(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    DELETE FROM rollup_sample_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_sample_hour
    SELECT date_bin('1 hour', s.sampled_at, '1970-01-01T00:00:00Z'), r.scope, r.label_key, r.runner_group_name, r.labels,
           count(*), count(*) FILTER (WHERE s.busy)
    FROM runner_samples s JOIN runners r ON r.scope = s.scope AND r.runner_id = s.runner_id AND r.forge = s.forge
    WHERE s.sampled_at >= a AND s.sampled_at < b AND s.status = 'online'
    GROUP BY 1, 2, 3, 4, 5;
END
$$;

-- 0015's rollup_day_jobs: whether a job opens its run for a value is decided among the jobs
-- of its own forge's run.
CREATE OR REPLACE FUNCTION rollup_day_jobs(a timestamptz, b timestamptz, lookback interval)
RETURNS TABLE (created_at timestamptz, dim text, value text, opens boolean, conclusion text, dur double precision, queue_s double precision)
LANGUAGE sql STABLE AS $$
    SELECT x.created_at, x.dim, x.value, x.opens, x.conclusion, x.dur, x.queue_s FROM (
        SELECT j.created_at, v.dim, v.value, CASE WHEN j.closed_by IN ('expired', 'gone') THEN '' ELSE j.conclusion END AS conclusion,
               greatest(extract(epoch FROM j.completed_at - j.started_at)::float8, 0) AS dur, j.queue_s,
               coalesce(lag(j.created_at) OVER (PARTITION BY j.run_id, j.forge, v.dim, v.value COLLATE "C" ORDER BY j.created_at, j.job_id)
                        < j.created_at - lookback, true) AS opens
        FROM workflow_jobs j
        CROSS JOIN LATERAL (VALUES ('repo', j.repo), ('workflow', j.workflow_name), ('job', j.job_name), ('label', j.label_key)) v(dim, value)
        WHERE j.created_at >= a - lookback AND j.created_at < b AND j.status = 'completed'
    ) x
    WHERE x.created_at >= a
$$;

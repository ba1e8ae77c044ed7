-- 0008: rollups for the query types that read every job of a range: runners, repo_stats and
-- flaky_jobs answer tables over the whole range, kept per day (UTC, epoch-aligned);
-- runner_utilization is a time series, kept per hour and runner pool. Like 0007 they are
-- refreshed by store.RefreshRollups and read only for days (hours) before the watermark.
--
-- Every rollup row holds what the raw query computes over a window, for the window of its
-- day or hour, so that a range read as rollups for its whole days and raw rows for the rest
-- sums to the same answer as one raw pass (pkg/query, "Long ranges" in docs/queries.md).

-- runners: what job events say of each self-hosted runner in a day: jobs started that day,
-- seconds busy within the day (every job that overlapped it, cut at its edges) and the
-- latest start or end of the jobs started that day.
CREATE TABLE rollup_runner_day (
    day               timestamptz NOT NULL,
    runner_name       text        NOT NULL,
    runner_group_name text        NOT NULL,
    label_key         text        NOT NULL,
    jobs              bigint      NOT NULL,
    busy_s            double precision NOT NULL,
    last_job          timestamptz,
    PRIMARY KEY (day, runner_name, runner_group_name, label_key)
);

-- runner_utilization: busy seconds of a pool (the label set its jobs asked for) within the
-- hour, and the runners that were busy in it, from which the pool's size over a range is
-- counted.
CREATE TABLE rollup_pool_hour (
    hour              timestamptz NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    busy_s            double precision NOT NULL,
    runners           text[]      NOT NULL,
    PRIMARY KEY (hour, label_key, runner_group_name)
);

-- repo_stats: completed jobs created in the day, per value of each dimension (dim is
-- 'repo', 'workflow', 'job' or 'label'). runs counts the runs whose first job with that
-- value (see rollup_day_jobs) was created in the day. The histograms are (bucket int2,
-- count int4) pairs, big-endian, ascending by bucket: a bytea costs a fraction of two
-- arrays to send and to decode.
CREATE TABLE rollup_job_day (
    day           timestamptz NOT NULL,
    dim           text        NOT NULL,
    value         text        NOT NULL,
    runs          bigint      NOT NULL,
    jobs          bigint      NOT NULL,
    failures      bigint      NOT NULL,
    decided       bigint      NOT NULL,
    busy_s        double precision NOT NULL,
    duration_hist bytea       NOT NULL,
    queue_hist    bytea       NOT NULL,
    PRIMARY KEY (day, dim, value)
);

-- flaky_jobs: per job (repository, workflow, job name), the commits whose first failure of
-- that job was created in the day, and how many of those the job later passed on.
CREATE TABLE rollup_flake_day (
    day           timestamptz NOT NULL,
    repo          text        NOT NULL,
    workflow_name text        NOT NULL,
    job_name      text        NOT NULL,
    failed        bigint      NOT NULL,
    flaky         bigint      NOT NULL,
    last_flake    timestamptz,
    fail_url      text,
    PRIMARY KEY (day, repo, workflow_name, job_name)
);

-- rollup_bucket (0007) was declared STRICT, and Postgres does not inline a strict SQL function
-- whose body is not strict itself (a CASE): every call ran the function executor, several
-- microseconds a row. The same body, called on NULL too (it returns NULL for NULL all the
-- same), is inlined into the rollup statements.
CREATE OR REPLACE FUNCTION rollup_bucket(s double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE CALLED ON NULL INPUT
AS $$ SELECT CASE WHEN s < 1 THEN 0 ELSE least(1 + floor(ln(s) / ln(1.02)), 32000) END::smallint $$;

-- rollup_hist_pair encodes one (bucket, count) row as rollup_job_day's histograms.
CREATE FUNCTION rollup_hist_pair(k smallint, n integer) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT int2send(k) || int4send(n) $$;

-- rollup_days recomputes the daily rollups for every day that [a, b) touches, whole days:
-- a day row is read only once the whole day is final, and by then it has been recomputed
-- (the refresher rolls again the hours before the watermark).
CREATE FUNCTION rollup_days(a timestamptz, b timestamptz) RETURNS void
-- JIT compiling each statement costs more than it saves on a day's rows
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    -- the same bound pkg/query applies to finished jobs (finishedLookback) and to re-runs
    -- (flakeWindow)
    lookback constant interval := interval '30 hours';
    d0 constant timestamptz := date_bin('1 day', a, origin);
    d1 constant timestamptz := date_bin('1 day', b - interval '1 microsecond', origin) + interval '1 day';
BEGIN
    DELETE FROM rollup_runner_day WHERE day >= d0 AND day < d1;
    INSERT INTO rollup_runner_day
    SELECT t, j.runner_name, j.runner_group_name, j.label_key,
           count(*) FILTER (WHERE j.started_at >= t),
           coalesce(sum(extract(epoch FROM least(coalesce(j.completed_at, t + interval '1 day'), t + interval '1 day') - greatest(j.started_at, t))), 0),
           max(greatest(j.started_at, j.completed_at)) FILTER (WHERE j.started_at >= t)
    FROM rollup_runner_jobs(d0, d1) j
    CROSS JOIN LATERAL generate_series(date_bin('1 day', greatest(j.started_at, d0), origin),
                                       least(coalesce(j.completed_at, d1), d1), interval '1 day') t
    WHERE t < d1
    GROUP BY 1, 2, 3, 4;

    DELETE FROM rollup_job_day WHERE day >= d0 AND day < d1;
    INSERT INTO rollup_job_day
    WITH x AS (
        SELECT date_bin('1 day', j.created_at, origin) AS day, j.dim, j.value, j.opens, j.conclusion, j.dur, j.queue_s
        FROM rollup_day_jobs(d0, d1, lookback) j
    ), base AS (
        SELECT day, dim, value, count(*) FILTER (WHERE opens) AS runs, count(*) AS jobs,
               count(*) FILTER (WHERE conclusion IN ('failure', 'timed_out', 'startup_failure')) AS failures,
               count(*) FILTER (WHERE conclusion NOT IN ('cancelled', 'skipped', '')) AS decided,
               coalesce(sum(dur), 0) AS busy_s
        FROM x GROUP BY 1, 2, 3
    ), dh AS (
        SELECT day, dim, value, string_agg(rollup_hist_pair(k, c), ''::bytea ORDER BY k) AS h
        FROM (SELECT day, dim, value, rollup_bucket(dur) AS k, count(*)::int AS c FROM x WHERE dur IS NOT NULL GROUP BY 1, 2, 3, 4) y
        GROUP BY 1, 2, 3
    ), qh AS (
        SELECT day, dim, value, string_agg(rollup_hist_pair(k, c), ''::bytea ORDER BY k) AS h
        FROM (SELECT day, dim, value, rollup_bucket(queue_s) AS k, count(*)::int AS c FROM x WHERE queue_s IS NOT NULL GROUP BY 1, 2, 3, 4) y
        GROUP BY 1, 2, 3
    )
    SELECT base.day, base.dim, base.value, base.runs, base.jobs, base.failures, base.decided, base.busy_s,
           coalesce(dh.h, ''::bytea), coalesce(qh.h, ''::bytea)
    FROM base LEFT JOIN dh USING (day, dim, value) LEFT JOIN qh USING (day, dim, value);

    DELETE FROM rollup_flake_day WHERE day >= d0 AND day < d1;
    INSERT INTO rollup_flake_day
    SELECT date_bin('1 day', f.created_at, origin), f.repo, f.workflow_name, f.job_name,
           count(*), count(*) FILTER (WHERE f.passed_at IS NOT NULL),
           max(f.passed_at), max(f.html_url) FILTER (WHERE f.passed_at IS NOT NULL)
    FROM rollup_first_failures(d0, d1, lookback) f
    GROUP BY 1, 2, 3, 4;
END
$$;

-- rollup_runner_jobs: the self-hosted jobs a runner worked on at some time in [a, b): finished
-- ones created at most 30 hours before a (pkg/query's finishedLookback) that ended at or
-- after a, and every job still running. The same set pkg/query's activeJobs reads.
CREATE FUNCTION rollup_runner_jobs(a timestamptz, b timestamptz)
RETURNS TABLE (runner_name text, runner_group_name text, label_key text, started_at timestamptz, completed_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT j.runner_name, j.runner_group_name, j.label_key, j.started_at, j.completed_at
    FROM workflow_jobs j
    WHERE j.status = 'completed' AND j.created_at >= a - interval '30 hours' AND j.created_at < b AND j.completed_at >= a
      AND j.runner_name <> '' AND j.runner_group_name <> 'GitHub Actions' AND j.started_at < b
    UNION ALL
    SELECT j.runner_name, j.runner_group_name, j.label_key, j.started_at, NULL
    FROM workflow_jobs j
    WHERE j.status = 'in_progress' AND j.created_at < b
      AND j.runner_name <> '' AND j.runner_group_name <> 'GitHub Actions' AND j.started_at < b
$$;

-- rollup_day_jobs: completed jobs created in [a, b), once per dimension, with their duration,
-- queue time, and whether each opens its run for that value: no job of the same run with
-- the same value was created in the lookback before it. (Partitioned run first, and bytewise:
-- sorting by the text first, in the database's collation, took twice as long.)
CREATE FUNCTION rollup_day_jobs(a timestamptz, b timestamptz, lookback interval)
RETURNS TABLE (created_at timestamptz, dim text, value text, opens boolean, conclusion text, dur double precision, queue_s double precision)
LANGUAGE sql STABLE AS $$
    SELECT x.created_at, x.dim, x.value, x.opens, x.conclusion, x.dur, x.queue_s FROM (
        SELECT j.created_at, v.dim, v.value, j.conclusion, extract(epoch FROM j.completed_at - j.started_at)::float8 AS dur, j.queue_s,
               coalesce(lag(j.created_at) OVER (PARTITION BY j.run_id, v.dim, v.value COLLATE "C" ORDER BY j.created_at, j.job_id)
                        < j.created_at - lookback, true) AS opens
        FROM workflow_jobs j
        CROSS JOIN LATERAL (VALUES ('repo', j.repo), ('workflow', j.workflow_name), ('job', j.job_name), ('label', j.label_key)) v(dim, value)
        WHERE j.created_at >= a - lookback AND j.created_at < b AND j.status = 'completed'
    ) x
    WHERE x.created_at >= a
$$;

-- rollup_first_failures: the failures created in [a, b) that are a job's first on their
-- commit (no failure of the same repository, workflow, job name and sha in the lookback
-- before), each with the latest end of a pass of that job on that commit created within the
-- lookback after it and ending after it: a re-run that passed.
CREATE FUNCTION rollup_first_failures(a timestamptz, b timestamptz, lookback interval)
RETURNS TABLE (created_at timestamptz, repo text, workflow_name text, job_name text, html_url text, passed_at timestamptz)
-- The planner cannot estimate the CTE's rows and would pair failures and passes by a nested
-- loop over the whole window, quadratic in a day's jobs; a hash join on the commit is linear.
LANGUAGE sql STABLE SET enable_nestloop = off AS $$
    WITH w AS (
        SELECT j.job_id, j.created_at, j.completed_at, j.repo, j.workflow_name, j.job_name, j.head_sha, j.conclusion, j.html_url
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

-- rollup_runner_hours recomputes rollup_pool_hour for the hours in [a, b).
CREATE FUNCTION rollup_runner_hours(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
BEGIN
    DELETE FROM rollup_pool_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_pool_hour
    SELECT t, j.label_key, j.runner_group_name,
           coalesce(sum(extract(epoch FROM least(coalesce(j.completed_at, t + interval '1 hour'), t + interval '1 hour') - greatest(j.started_at, t))), 0),
           array_agg(DISTINCT j.runner_name ORDER BY j.runner_name)
    FROM rollup_runner_jobs(a, b) j
    CROSS JOIN LATERAL generate_series(date_bin('1 hour', greatest(j.started_at, a), origin),
                                       least(coalesce(j.completed_at, b), b), interval '1 hour') t
    WHERE t < b
    GROUP BY 1, 2, 3;
END
$$;

GRANT SELECT ON rollup_runner_day, rollup_pool_hour, rollup_job_day, rollup_flake_day TO ciradar_reader;

-- The new tables are empty for every hour already final: forget the state, so that the next
-- refresh rolls the whole store up again (until then, queries read the projections).
DELETE FROM rollup_state;
ALTER FUNCTION rollup_hours(timestamptz, timestamptz) SET jit = off;

-- 0011: repo_stats and flaky_jobs per hour as well as per day. A range reads its final
-- whole days from rollup_job_day and rollup_flake_day (0008); what lay around them, up to a
-- day at either end, used to be read from the projections with a 30-hour lookback, which
-- cost more than the 89 rolled days together (130 of 160 ms for repo_stats at a million
-- jobs, and ten times that at ten million). The final hours around the days now come from
-- rollup_job_hour and rollup_flake_hour, so only the partial hours at the ends and what
-- lies past the watermark are read raw.

-- Histograms in both job tables are now gap-coded: for each bucket with a count, ascending, the
-- distance from the previous bucket (from 0 for the first) and the count, each an unsigned
-- LEB128 varint (Go's binary.Uvarint). Two bytes a bucket where 0008's (int2, int4) pairs
-- took six: a 90-day range reads 200 repositories' days, and sending those bytes was most
-- of the query's time.
CREATE FUNCTION rollup_varint(n integer) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE
    WHEN n < 128 THEN set_byte('\x00'::bytea, 0, n)
    WHEN n < 16384 THEN set_byte(set_byte('\x0000'::bytea, 0, (n & 127) | 128), 1, n >> 7)
    WHEN n < 2097152 THEN set_byte(set_byte(set_byte('\x000000'::bytea, 0, (n & 127) | 128), 1, ((n >> 7) & 127) | 128), 2, n >> 14)
    WHEN n < 268435456 THEN set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea, 0, (n & 127) | 128), 1, ((n >> 7) & 127) | 128),
        2, ((n >> 14) & 127) | 128), 3, n >> 21)
    ELSE set_byte(set_byte(set_byte(set_byte(set_byte('\x0000000000'::bytea, 0, (n & 127) | 128), 1, ((n >> 7) & 127) | 128),
        2, ((n >> 14) & 127) | 128), 3, ((n >> 21) & 127) | 128), 4, n >> 28)
END $$;

-- The same columns as rollup_job_day, per hour.
CREATE TABLE rollup_job_hour (
    hour          timestamptz NOT NULL,
    dim           text        NOT NULL,
    value         text        NOT NULL,
    runs          bigint      NOT NULL,
    jobs          bigint      NOT NULL,
    failures      bigint      NOT NULL,
    decided       bigint      NOT NULL,
    busy_s        double precision NOT NULL,
    duration_hist bytea       NOT NULL,
    queue_hist    bytea       NOT NULL,
    PRIMARY KEY (hour, dim, value)
);

-- flaky_jobs, the same way: rollup_flake_day's columns per hour.
CREATE TABLE rollup_flake_hour (
    hour          timestamptz NOT NULL,
    repo          text        NOT NULL,
    workflow_name text        NOT NULL,
    job_name      text        NOT NULL,
    failed        bigint      NOT NULL,
    flaky         bigint      NOT NULL,
    last_flake    timestamptz,
    fail_url      text,
    PRIMARY KEY (hour, repo, workflow_name, job_name)
);

-- The raw parts of flaky_jobs read the failures of the 30 hours before them, to tell a
-- job's first failure on a commit from a repeat. Failures are a few percent of jobs; this
-- index finds them without reading every other job of those hours. Only the update that
-- completes a failed job writes to it.
CREATE INDEX workflow_jobs_failures_idx ON workflow_jobs (created_at) WHERE conclusion = 'failure';

-- rollup_days, as 0008 wrote it, except that the job statistics and the flakes now fill
-- rollup_job_hour and rollup_flake_hour too, each from the same pass as its days. It recomputes the daily rollups, and the job hours, for every
-- day that [a, b) touches, whole days: a day row is read only once the whole day is final,
-- an hour row once the hour is, and by then each has been recomputed (the refresher rolls
-- again the hours before the watermark).
CREATE OR REPLACE FUNCTION rollup_days(a timestamptz, b timestamptz) RETURNS void
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

    -- One pass over the day's jobs feeds both grains: every job row counts once in its day
    -- and once in its hour (grain 'd' and 'h').
    DELETE FROM rollup_job_day WHERE day >= d0 AND day < d1;
    DELETE FROM rollup_job_hour WHERE hour >= d0 AND hour < d1;
    WITH x AS MATERIALIZED (
        SELECT g.grain, g.t, j.dim, j.value, j.opens, j.conclusion, j.dur, j.queue_s
        FROM rollup_day_jobs(d0, d1, lookback) j
        CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', j.created_at, origin)),
                                   ('h', date_bin('1 hour', j.created_at, origin))) g(grain, t)
    ), base AS (
        SELECT grain, t, dim, value, count(*) FILTER (WHERE opens) AS runs, count(*) AS jobs,
               count(*) FILTER (WHERE conclusion IN ('failure', 'timed_out', 'startup_failure')) AS failures,
               count(*) FILTER (WHERE conclusion NOT IN ('cancelled', 'skipped', '')) AS decided,
               coalesce(sum(dur), 0) AS busy_s
        FROM x GROUP BY 1, 2, 3, 4
    ), dh AS (
        SELECT grain, t, dim, value, string_agg(rollup_varint(gap) || rollup_varint(c), ''::bytea ORDER BY k) AS h
        FROM (SELECT grain, t, dim, value, rollup_bucket(dur) AS k, count(*)::int AS c,
                     rollup_bucket(dur) - coalesce(lag(rollup_bucket(dur)) OVER (PARTITION BY grain, t, dim, value ORDER BY rollup_bucket(dur)), 0) AS gap
              FROM x WHERE dur IS NOT NULL GROUP BY 1, 2, 3, 4, 5) y
        GROUP BY 1, 2, 3, 4
    ), qh AS (
        SELECT grain, t, dim, value, string_agg(rollup_varint(gap) || rollup_varint(c), ''::bytea ORDER BY k) AS h
        FROM (SELECT grain, t, dim, value, rollup_bucket(queue_s) AS k, count(*)::int AS c,
                     rollup_bucket(queue_s) - coalesce(lag(rollup_bucket(queue_s)) OVER (PARTITION BY grain, t, dim, value ORDER BY rollup_bucket(queue_s)), 0) AS gap
              FROM x WHERE queue_s IS NOT NULL GROUP BY 1, 2, 3, 4, 5) y
        GROUP BY 1, 2, 3, 4
    ), rows AS MATERIALIZED (
        SELECT base.grain, base.t, base.dim, base.value, base.runs, base.jobs, base.failures, base.decided, base.busy_s,
               coalesce(dh.h, ''::bytea) AS dh, coalesce(qh.h, ''::bytea) AS qh
        FROM base LEFT JOIN dh USING (grain, t, dim, value) LEFT JOIN qh USING (grain, t, dim, value)
    ), days AS (
        INSERT INTO rollup_job_day
        SELECT t, dim, value, runs, jobs, failures, decided, busy_s, dh, qh FROM rows WHERE grain = 'd'
    )
    INSERT INTO rollup_job_hour
    SELECT t, dim, value, runs, jobs, failures, decided, busy_s, dh, qh FROM rows WHERE grain = 'h';

    -- Flakes per day and per hour, from one pass over the first failures as well.
    DELETE FROM rollup_flake_day WHERE day >= d0 AND day < d1;
    DELETE FROM rollup_flake_hour WHERE hour >= d0 AND hour < d1;
    WITH f AS MATERIALIZED (
        SELECT g.grain, g.t, f.repo, f.workflow_name, f.job_name, f.passed_at, f.html_url
        FROM rollup_first_failures(d0, d1, lookback) f
        CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', f.created_at, origin)),
                                   ('h', date_bin('1 hour', f.created_at, origin))) g(grain, t)
    ), rows AS MATERIALIZED (
        SELECT grain, t, repo, workflow_name, job_name, count(*) AS failed, count(*) FILTER (WHERE passed_at IS NOT NULL) AS flaky,
               max(passed_at) AS last_flake, max(html_url) FILTER (WHERE passed_at IS NOT NULL) AS fail_url
        FROM f GROUP BY 1, 2, 3, 4, 5
    ), days AS (
        INSERT INTO rollup_flake_day
        SELECT t, repo, workflow_name, job_name, failed, flaky, last_flake, fail_url FROM rows WHERE grain = 'd'
    )
    INSERT INTO rollup_flake_hour
    SELECT t, repo, workflow_name, job_name, failed, flaky, last_flake, fail_url FROM rows WHERE grain = 'h';
END
$$;

GRANT SELECT ON rollup_job_hour, rollup_flake_hour TO ciradar_reader;

-- The new tables are empty for every hour already final: forget the state, so that the next
-- refresh rolls the whole store up again (until then, queries read the projections).
-- Day rows in 0008's pair coding are dropped with it; the refresh writes them again.
DELETE FROM rollup_state;
DELETE FROM rollup_job_day;

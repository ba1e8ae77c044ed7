-- 0017: the steps of every job (issue 16). GitHub sends them in every workflow_job payload;
-- they are merged step by step on (job id, step number), in the same transaction and under
-- the same advisory lock as their job (store.Job.Merge), so the invariants of the job
-- projection hold for them too and `ciradar reproject` rebuilds them.

-- One row per step. There is no foreign key to workflow_jobs: the job row is written in the
-- same transaction, and a key would cost a probe per step on the hottest write path.
-- duration_s and inconsistent are derived from the row on every write, like queue_s.
CREATE TABLE workflow_job_steps (
    job_id       bigint      NOT NULL,
    number       integer     NOT NULL,
    name         text        NOT NULL,
    status       text        NOT NULL,
    conclusion   text        NOT NULL,
    started_at   timestamptz,
    completed_at timestamptz,
    -- completed minus started, clamped at zero; NULL until the step has both times
    duration_s   double precision,
    -- completed before it started: kept as GitHub sent it, its duration clamped
    inconsistent boolean     NOT NULL,
    PRIMARY KEY (job_id, number)
);
GRANT SELECT ON workflow_job_steps TO ciradar_reader;

-- Derived from the job's merged steps on every write:
--   failed_step: the name of the first step (by number) whose conclusion is failure;
--   passed_with_warnings: the job succeeded while one of its steps failed
--     (continue-on-error);
--   steps_flagged: a payload's step list was absurd (too many steps, a number missing,
--     repeated or out of range, times out of order or unstorable) and was capped; the raw
--     payload keeps it whole.
ALTER TABLE workflow_jobs ADD COLUMN failed_step text NOT NULL DEFAULT '';
ALTER TABLE workflow_jobs ADD COLUMN passed_with_warnings boolean NOT NULL DEFAULT false;
ALTER TABLE workflow_jobs ADD COLUMN steps_flagged boolean NOT NULL DEFAULT false;

-- Jobs that passed with warnings are few: the steps query lists them from this index.
CREATE INDEX workflow_jobs_warnings_idx ON workflow_jobs (created_at) WHERE passed_with_warnings;

-- Step durations per hour and per day, per workflow, job and step name (the steps query's
-- grouping), for the completed jobs created in the hour or day: runs (steps with a
-- duration), failures, the exact sum and maximum, and the gap-coded histogram of 0011
-- (percentiles within 1%). The repository is left out on purpose: with it, a store whose
-- repositories share workflow and job names has about as many hourly rows as steps (a
-- repository runs a job less than once an hour), and a 90-day answer would read millions.
CREATE TABLE rollup_step_day (
    day           timestamptz NOT NULL,
    workflow_name text        NOT NULL,
    job_name      text        NOT NULL,
    step_name     text        NOT NULL,
    runs          bigint      NOT NULL,
    failures      bigint      NOT NULL,
    sum_s         double precision NOT NULL,
    max_s         double precision NOT NULL,
    hist          bytea       NOT NULL,
    PRIMARY KEY (day, workflow_name, job_name, step_name)
);

CREATE TABLE rollup_step_hour (
    hour          timestamptz NOT NULL,
    workflow_name text        NOT NULL,
    job_name      text        NOT NULL,
    step_name     text        NOT NULL,
    runs          bigint      NOT NULL,
    failures      bigint      NOT NULL,
    sum_s         double precision NOT NULL,
    max_s         double precision NOT NULL,
    hist          bytea       NOT NULL,
    PRIMARY KEY (hour, workflow_name, job_name, step_name)
);
GRANT SELECT ON rollup_step_day, rollup_step_hour TO ciradar_reader;

-- The duration view reads the hours of a few steps only (the ones with the most time):
-- through this index, their rows and no others.
CREATE INDEX rollup_step_hour_step_idx ON rollup_step_hour (workflow_name, job_name, step_name, hour);

-- rollup_step_days recomputes both step rollups for every day that [a, b) touches, whole
-- days, from one pass over the steps of the completed jobs created in those days.
CREATE FUNCTION rollup_step_days(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    d0 constant timestamptz := date_bin('1 day', a, origin);
    d1 constant timestamptz := date_bin('1 day', b - interval '1 microsecond', origin) + interval '1 day';
BEGIN
    DELETE FROM rollup_step_day WHERE day >= d0 AND day < d1;
    DELETE FROM rollup_step_hour WHERE hour >= d0 AND hour < d1;
    WITH x AS MATERIALIZED (
        SELECT g.grain, g.t, j.workflow_name, j.job_name, s.name AS step_name, s.conclusion, s.duration_s AS dur
        FROM workflow_jobs j
        -- Each job's steps through the primary key: OFFSET 0 keeps the planner from making
        -- this a hash join, which read all the steps of the store for every day (5 of the
        -- 7.5 s a day took at a million jobs).
        CROSS JOIN LATERAL (SELECT s.name, s.conclusion, s.duration_s FROM workflow_job_steps s
                            WHERE s.job_id = j.job_id AND s.duration_s IS NOT NULL OFFSET 0) s
        CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', j.created_at, origin)),
                                   ('h', date_bin('1 hour', j.created_at, origin))) g(grain, t)
        WHERE j.created_at >= d0 AND j.created_at < d1 AND j.status = 'completed'
    ), base AS (
        SELECT grain, t, workflow_name, job_name, step_name, count(*) AS runs,
               count(*) FILTER (WHERE conclusion = 'failure') AS failures, sum(dur) AS sum_s, max(dur) AS max_s
        FROM x GROUP BY 1, 2, 3, 4, 5
    ), h AS (
        SELECT grain, t, workflow_name, job_name, step_name,
               string_agg(rollup_varint(gap) || rollup_varint(c), ''::bytea ORDER BY k) AS h
        FROM (SELECT grain, t, workflow_name, job_name, step_name, rollup_bucket(dur) AS k, count(*)::int AS c,
                     rollup_bucket(dur) - coalesce(lag(rollup_bucket(dur)) OVER (
                         PARTITION BY grain, t, workflow_name, job_name, step_name ORDER BY rollup_bucket(dur)), 0) AS gap
              FROM x GROUP BY 1, 2, 3, 4, 5, 6) y
        GROUP BY 1, 2, 3, 4, 5
    ), rows AS MATERIALIZED (
        SELECT base.*, h.h FROM base JOIN h USING (grain, t, workflow_name, job_name, step_name)
    ), days AS (
        INSERT INTO rollup_step_day
        SELECT t, workflow_name, job_name, step_name, runs, failures, sum_s, max_s, h FROM rows WHERE grain = 'd'
    )
    INSERT INTO rollup_step_hour
    SELECT t, workflow_name, job_name, step_name, runs, failures, sum_s, max_s, h FROM rows WHERE grain = 'h';
END
$$;

-- The step rollups are empty for every hour already final: forget the state, so that the
-- next refresh rolls the whole store up again (until then, queries read the projections).
DELETE FROM rollup_state;

-- 0037: a job's steps in one row (issue 18: at most 4 KB a job). 0017 kept a row per step,
-- 1,111 bytes a job for 7 steps with the primary key; here a job's steps are one row of
-- arrays, and each step's name, status and conclusion are one 8-byte key into step_keys.
-- A job's steps still merge step by step in Go (store.Job.Merge) under the job's lock; the
-- merged list is written back whole.

-- The texts of steps, by a key that is their own digest: the first 8 bytes of md5 over
-- the lengths and the texts, the same in Go (store.stepKeyID) and here, so any writer, the
-- migration and reproject all give a triple the same key without asking the database for
-- it, and rows are never removed or renumbered. A writer adds the keys it uses in its own
-- transaction (ON CONFLICT DO NOTHING) and checks that a stored key holds its texts.
CREATE FUNCTION step_key_id(name text, status text, conclusion text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ('x' || left(md5(octet_length(name) || ',' || octet_length(status) || ',' || name || status || conclusion), 16))::bit(64)::bigint;

CREATE TABLE step_keys (
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    status     text NOT NULL,
    conclusion text NOT NULL
);

-- One row per job that has steps, the steps in order of their number:
--   numbers: the step numbers, NULL when they are 1..n (GitHub leaves out the numbers of
--     steps that did not run, so gaps happen);
--   keys: each step's step_keys id;
--   started, completed: each step's times, NULL until GitHub sends them.
-- A step's duration (completed minus started, clamped at zero) and whether it completed
-- before it started are derived where they are read.
CREATE TABLE job_steps (
    job_id    bigint        NOT NULL PRIMARY KEY,
    numbers   integer[],
    keys      bigint[]      NOT NULL,
    started   timestamptz[] NOT NULL,
    completed timestamptz[] NOT NULL
);
GRANT SELECT ON step_keys, job_steps TO ciradar_reader;

-- Move the stored steps: each distinct triple once, then a row per job.
INSERT INTO step_keys (id, name, status, conclusion)
SELECT step_key_id(name, status, conclusion), name, status, conclusion
FROM (SELECT DISTINCT name, status, conclusion FROM workflow_job_steps) d;

INSERT INTO job_steps (job_id, numbers, keys, started, completed)
SELECT s.job_id, CASE WHEN max(s.number) = count(*) THEN NULL ELSE array_agg(s.number ORDER BY s.number) END,
       array_agg(k.id ORDER BY s.number), array_agg(s.started_at ORDER BY s.number), array_agg(s.completed_at ORDER BY s.number)
FROM workflow_job_steps s JOIN step_keys k ON (k.name, k.status, k.conclusion) = (s.name, s.status, s.conclusion)
GROUP BY s.job_id;

DROP TABLE workflow_job_steps;

-- The steps as 0017 kept them, one row a step, for SQL written against that table (a
-- dashboard's own query): the same columns, derived the same way.
CREATE VIEW workflow_job_steps AS
SELECT s.job_id, coalesce(s.numbers[u.i], u.i)::integer AS number, k.name, k.status, k.conclusion,
       u.started AS started_at, u.completed AS completed_at,
       CASE WHEN u.started IS NOT NULL AND u.completed IS NOT NULL
            THEN greatest(date_part('epoch', u.completed - u.started), 0) END AS duration_s,
       coalesce(u.completed < u.started, false) AS inconsistent
FROM job_steps s
CROSS JOIN LATERAL unnest(s.keys, s.started, s.completed) WITH ORDINALITY AS u(key, started, completed, i)
JOIN step_keys k ON k.id = u.key;
GRANT SELECT ON workflow_job_steps TO ciradar_reader;

-- rollup_step_days (0017) reads the new layout: the same rows, so the rollups stay as they
-- are. Each job's steps through the primary key (OFFSET 0, as before), their texts by a
-- hash join on step_keys, which is small.
CREATE OR REPLACE FUNCTION rollup_step_days(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    d0 constant timestamptz := date_bin('1 day', a, origin);
    d1 constant timestamptz := date_bin('1 day', b - interval '1 microsecond', origin) + interval '1 day';
BEGIN
    DELETE FROM rollup_step_day WHERE day >= d0 AND day < d1;
    DELETE FROM rollup_step_hour WHERE hour >= d0 AND hour < d1;
    WITH x AS MATERIALIZED (
        SELECT g.grain, g.t, j.workflow_name, j.job_name, k.name AS step_name, k.conclusion, s.dur
        FROM workflow_jobs j
        CROSS JOIN LATERAL (SELECT u.key, greatest(date_part('epoch', u.completed - u.started), 0) AS dur
                            FROM job_steps js, unnest(js.keys, js.started, js.completed) AS u(key, started, completed)
                            WHERE js.job_id = j.job_id AND u.started IS NOT NULL AND u.completed IS NOT NULL OFFSET 0) s
        JOIN step_keys k ON k.id = s.key
        CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', j.created_at, origin)),
                                   ('h', date_bin('1 hour', j.created_at, origin))) g(grain, t)
        WHERE j.created_at >= d0 AND j.created_at < d1 AND j.status = 'completed' AND j.forge = 'github'
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

-- The duration view reads the hours of a few steps (0017's index): with the figures in the
-- index too, an index-only scan reads each step's hours from a few leaf pages, where the
-- heap had them one to a page (2,159 pages a step over 90 days; 74 ms of a 90-day panel at
-- a million jobs, 13 ms this way). Hours already final are all-visible once vacuumed.
DROP INDEX rollup_step_hour_step_idx;
CREATE INDEX rollup_step_hour_step_idx ON rollup_step_hour (workflow_name, job_name, step_name, hour)
    INCLUDE (runs, failures, max_s, sum_s, hist);

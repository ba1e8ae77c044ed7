-- 0033: the runner panels at every range (issue 18). Buckets under an hour (a 24-hour panel's
-- 2 minutes, a 7-day one's 12) read every runner sample and every job of the range, and
-- runner_utilization's GitGub-hosted series read every job of any range. These rollups keep
-- per minute what those panels sum or take the highest of, so that buckets of whole minutes
-- are filled from them exactly, and the hosted series per hour:
--
-- rollup_sample_minute: rollup_sample_hour (0013, 0031) per minute, from which the hours
--   are now taken.
-- rollup_busy_minute: busy seconds within the minute of the jobs that ran on a runner
--   (runner_utilization from job events, and its hosted series), per label set, runner
--   group, and whether the job asked for a self-hosted runner (hosted: it did not).
-- rollup_hosted_hour: the hosted rows of rollup_busy_minute, per hour.
-- rollup_runner_hour: rollup_runner_day (0008, 0011) per hour, for the runners panel's part
--   days.
-- rollup_concurrency_minute: rollup_concurrency_hour (0027) per minute, from which the hours
--   are now taken.
--
-- Each is recomputed, like the hourly ones, for the hours the refresher rolls; the query
-- reads its minutes only for whole final hours.

CREATE TABLE rollup_sample_minute (
    minute            timestamptz NOT NULL,
    scope             text        NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    labels            text[]      NOT NULL,
    online            bigint      NOT NULL,
    busy              bigint      NOT NULL,
    PRIMARY KEY (minute, scope, label_key, runner_group_name, labels)
);

CREATE TABLE rollup_busy_minute (
    minute            timestamptz NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    hosted            boolean     NOT NULL,
    busy_s            double precision NOT NULL,
    PRIMARY KEY (minute, label_key, runner_group_name, hosted)
);

-- The same per five minutes, for buckets of multiples of 5 minutes (a 7-day panel's 15):
-- a fifth of the rows to read.
CREATE TABLE rollup_sample_5min (LIKE rollup_sample_minute INCLUDING ALL);
CREATE TABLE rollup_busy_5min (LIKE rollup_busy_minute INCLUDING ALL);

CREATE TABLE rollup_hosted_hour (
    hour              timestamptz NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    busy_s            double precision NOT NULL,
    PRIMARY KEY (hour, label_key, runner_group_name)
);

CREATE TABLE rollup_runner_hour (
    hour              timestamptz NOT NULL,
    runner_name       text        NOT NULL,
    runner_group_name text        NOT NULL,
    label_key         text        NOT NULL,
    jobs              bigint      NOT NULL,
    busy_s            double precision NOT NULL,
    last_job          timestamptz,
    PRIMARY KEY (hour, runner_name, runner_group_name, label_key)
);

CREATE TABLE rollup_concurrency_minute (
    minute  timestamptz NOT NULL,
    dim     text        NOT NULL,
    key     text        NOT NULL,
    running integer     NOT NULL,
    queued  integer     NOT NULL,
    PRIMARY KEY (minute, dim, key)
);

-- ... and its highest per five minutes.
CREATE TABLE rollup_concurrency_5min (LIKE rollup_concurrency_minute INCLUDING ALL);

-- rollup_sample_hours (0013, 0031), which the refresher calls, now rolls the samples per
-- minute, and takes the 5-minute rows and the hours from the minutes: one pass over the
-- samples instead of two.
CREATE OR REPLACE FUNCTION rollup_sample_hours(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
BEGIN
    DELETE FROM rollup_sample_minute WHERE minute >= a AND minute < b;
    INSERT INTO rollup_sample_minute
    SELECT date_bin('1 minute', s.sampled_at, origin), r.scope, r.label_key, r.runner_group_name, r.labels,
           count(*), count(*) FILTER (WHERE s.busy)
    FROM runner_samples s JOIN runners r ON r.scope = s.scope AND r.runner_id = s.runner_id AND r.forge = s.forge
    WHERE s.sampled_at >= a AND s.sampled_at < b AND s.status = 'online'
    GROUP BY 1, 2, 3, 4, 5;

    DELETE FROM rollup_sample_5min WHERE minute >= a AND minute < b;
    INSERT INTO rollup_sample_5min
    SELECT date_bin('5 minutes', m.minute, origin), m.scope, m.label_key, m.runner_group_name, m.labels, sum(m.online), sum(m.busy)
    FROM rollup_sample_minute m WHERE m.minute >= a AND m.minute < b
    GROUP BY 1, 2, 3, 4, 5;

    DELETE FROM rollup_sample_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_sample_hour
    SELECT date_bin('1 hour', m.minute, origin), m.scope, m.label_key, m.runner_group_name, m.labels, sum(m.online), sum(m.busy)
    FROM rollup_sample_minute m WHERE m.minute >= a AND m.minute < b
    GROUP BY 1, 2, 3, 4, 5;
END
$$;

-- rollup_runner_minutes recomputes rollup_busy_minute, its 5-minute sums,
-- rollup_hosted_hour and rollup_runner_hour for the hours in [a, b) (whole hours).
CREATE FUNCTION rollup_runner_minutes(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
BEGIN
    -- The jobs pkg/query's activeJobs reads for [a, b) that ran on a runner, as
    -- runner_utilization and its hosted series take them.
    DELETE FROM rollup_busy_minute WHERE minute >= a AND minute < b;
    INSERT INTO rollup_busy_minute
    SELECT t, j.label_key, j.runner_group_name, j.hosted,
           sum(extract(epoch FROM least(coalesce(j.completed_at, b), b, t + interval '1 minute') - greatest(j.started_at, t)))
    FROM (SELECT w.label_key, w.runner_group_name, NOT ('self-hosted' ILIKE ANY (w.labels)) AS hosted, w.started_at, w.completed_at
          FROM workflow_jobs w
          WHERE w.status = 'completed' AND w.created_at >= a - interval '30 hours' AND w.created_at < b AND w.completed_at >= a
            AND w.runner_name <> '' AND w.started_at < b
          UNION ALL
          SELECT w.label_key, w.runner_group_name, NOT ('self-hosted' ILIKE ANY (w.labels)), w.started_at, NULL
          FROM workflow_jobs w
          WHERE w.status = 'in_progress' AND w.created_at < b AND w.runner_name <> '' AND w.started_at < b) j
    CROSS JOIN LATERAL generate_series(date_bin('1 minute', greatest(j.started_at, a), origin),
                                       least(coalesce(j.completed_at, b), b), interval '1 minute') t
    WHERE t < b AND least(coalesce(j.completed_at, b), b) > greatest(j.started_at, a)
    GROUP BY 1, 2, 3, 4;

    DELETE FROM rollup_busy_5min WHERE minute >= a AND minute < b;
    INSERT INTO rollup_busy_5min
    SELECT date_bin('5 minutes', m.minute, origin), m.label_key, m.runner_group_name, m.hosted, sum(m.busy_s)
    FROM rollup_busy_minute m WHERE m.minute >= a AND m.minute < b
    GROUP BY 1, 2, 3, 4;

    DELETE FROM rollup_hosted_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_hosted_hour
    SELECT date_bin('1 hour', m.minute, origin), m.label_key, m.runner_group_name, sum(m.busy_s)
    FROM rollup_busy_minute m
    WHERE m.minute >= a AND m.minute < b AND m.hosted
    GROUP BY 1, 2, 3;

    DELETE FROM rollup_runner_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_runner_hour
    SELECT t, j.runner_name, j.runner_group_name, j.label_key,
           count(*) FILTER (WHERE j.started_at >= t),
           coalesce(sum(extract(epoch FROM least(coalesce(j.completed_at, t + interval '1 hour'), t + interval '1 hour') - greatest(j.started_at, t))), 0),
           max(greatest(j.started_at, j.completed_at)) FILTER (WHERE j.started_at >= t)
    FROM rollup_runner_jobs(a, b) j
    CROSS JOIN LATERAL generate_series(date_bin('1 hour', greatest(j.started_at, a), origin),
                                       least(coalesce(j.completed_at, b), b), interval '1 hour') t
    WHERE t < b
    GROUP BY 1, 2, 3, 4;
END
$$;

-- rollup_concurrency_minutes is 0027's rollup_concurrency per minute: the most jobs
-- running and queued at any instant of each minute of every UTC day [a, b) touches, with
-- the level carried into the minute counted, and a row (peaks of 0 included) for every key
-- of a job the query would read in the minute. It fills rollup_concurrency_5min and
-- rollup_concurrency_hour too, from the minutes: an hour's peak is the highest of its minutes', and a key is in an hour when
-- it is in one of its minutes. (The planner estimated the minutes' rows far too low and
-- joined peaks to them by a merge on the key alone, comparing 13 million pairs a day; the
-- hash join, and sorts in memory, take a quarter of the time.)
CREATE FUNCTION rollup_concurrency_minutes(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off SET enable_mergejoin = off SET work_mem = '64MB' AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    d0 constant timestamptz := date_bin('1 day', a, origin);
    d1 constant timestamptz := date_bin('1 day', b - interval '1 microsecond', origin) + interval '1 day';
    last constant interval := interval '1 day' - interval '1 minute';
    d timestamptz := d0;
BEGIN
    DELETE FROM rollup_concurrency_minute WHERE minute >= d0 AND minute < d1;
    DELETE FROM rollup_concurrency_5min WHERE minute >= d0 AND minute < d1;
    DELETE FROM rollup_concurrency_hour WHERE hour >= d0 AND hour < d1;
    WHILE d < d1 LOOP
        INSERT INTO rollup_concurrency_minute (minute, dim, key, running, queued)
        WITH j AS MATERIALIZED (
            SELECT x.label_key, x.runner_group_name AS grp, x.created_at AS created,
                   x.created_at + make_interval(secs => x.approval_wait_s) AS q,
                   CASE WHEN x.runner_name <> '' THEN x.started_at END AS s, x.completed_at AS c
            FROM (SELECT * FROM workflow_jobs w
                  WHERE w.status = 'completed' AND w.created_at >= d - interval '30 hours' AND w.created_at < d + interval '1 day'
                    AND w.completed_at >= d
                  UNION ALL
                  SELECT * FROM workflow_jobs w WHERE w.status <> 'completed' AND w.created_at < d + interval '1 day') x
            WHERE x.status <> 'waiting' AND x.created_at IS NOT NULL
        ), iv AS (
            SELECT label_key, grp, created, c, false AS running, q AS f, coalesce(s, c) AS t
            FROM j WHERE coalesce(s, c) IS NULL OR coalesce(s, c) > q
            UNION ALL
            SELECT label_key, grp, created, c, true, s, c FROM j WHERE s IS NOT NULL AND (c IS NULL OR c > s)
        ), k AS MATERIALIZED (
            -- Keys compare bytewise: the windows and groups below sort them, and in the
            -- database's collation that took half the function's time.
            SELECT iv.created, iv.c, iv.running, iv.f, iv.t, g.dim COLLATE "C" AS dim, g.key COLLATE "C" AS key
            FROM iv CROSS JOIN LATERAL (VALUES
                ('type', CASE WHEN 'self-hosted' = ANY (string_to_array(lower(iv.label_key), ',')) THEN 'self-hosted' ELSE 'github-hosted' END),
                ('labels', iv.label_key),
                ('runner_group', CASE WHEN iv.running AND iv.grp <> '' THEN iv.grp ELSE '(unassigned)' END)) g(dim, key)
        ), ev AS (
            SELECT dim, key, f AS at, CASE WHEN running THEN 1 ELSE 0 END AS dr, CASE WHEN running THEN 0 ELSE 1 END AS dq FROM k
            UNION ALL
            SELECT dim, key, t, CASE WHEN running THEN -1 ELSE 0 END, CASE WHEN running THEN 0 ELSE -1 END FROM k WHERE t IS NOT NULL
            UNION ALL
            -- Each minute's first instant, so that the level carried into it is a candidate.
            SELECT keys.dim, keys.key, m, 0, 0
            FROM (SELECT DISTINCT dim, key FROM k) keys
            CROSS JOIN generate_series(d, d + last, interval '1 minute') m
        ), inst AS (
            SELECT dim, key, at, sum(dr) AS dr, sum(dq) AS dq FROM ev WHERE at < d + interval '1 day' GROUP BY 1, 2, 3
        ), lvl AS (
            SELECT dim, key, at, sum(dr) OVER w AS r, sum(dq) OVER w AS q
            FROM inst WINDOW w AS (PARTITION BY dim, key ORDER BY at)
        ), peak AS (
            SELECT date_bin('1 minute', at, origin) AS minute, dim, key, max(r) AS r, max(q) AS q
            FROM lvl WHERE at >= d GROUP BY 1, 2, 3
        ), span AS (
            -- The minutes whose rows the query would read the job in (created before the
            -- minute ends, not completed before it starts), merged per key into runs of
            -- minutes: a job spans a quarter of an hour, and listing each of its minutes
            -- for each key before merging them cost more than the rest of the day.
            SELECT dim, key, greatest(d, date_bin('1 minute', created, origin)) AS lo,
                   least(d + last, coalesce(date_bin('1 minute', c, origin), d + last)) AS hi
            FROM k
        ), runs AS (
            SELECT dim, key, lo, hi,
                   max(hi) OVER (PARTITION BY dim, key ORDER BY lo, hi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
            FROM span WHERE lo <= hi
        ), islands AS (
            SELECT dim, key, min(lo) AS lo, max(hi) AS hi
            FROM (SELECT dim, key, lo, hi, count(*) FILTER (WHERE lo > reach) OVER (PARTITION BY dim, key ORDER BY lo, hi) AS n FROM runs) x
            GROUP BY dim, key, n
        ), present AS (
            SELECT m AS minute, i.dim, i.key
            FROM islands i CROSS JOIN LATERAL generate_series(i.lo, i.hi, interval '1 minute') m
        )
        SELECT p.minute, p.dim, p.key, coalesce(x.r, 0), coalesce(x.q, 0)
        FROM present p LEFT JOIN peak x ON x.minute = p.minute AND x.dim = p.dim AND x.key = p.key;
        INSERT INTO rollup_concurrency_5min (minute, dim, key, running, queued)
        SELECT date_bin('5 minutes', m.minute, origin), m.dim, m.key, max(m.running), max(m.queued)
        FROM rollup_concurrency_minute m WHERE m.minute >= d AND m.minute < d + interval '1 day'
        GROUP BY 1, 2, 3;
        INSERT INTO rollup_concurrency_hour (hour, dim, key, running, queued)
        SELECT date_bin('1 hour', m.minute, origin), m.dim, m.key, max(m.running), max(m.queued)
        FROM rollup_concurrency_minute m WHERE m.minute >= d AND m.minute < d + interval '1 day'
        GROUP BY 1, 2, 3;
        d := d + interval '1 day';
    END LOOP;
END
$$;

-- rollup_concurrency (0027), which the refresher calls, now rolls the minutes and takes the
-- hours from them: one pass over the day's jobs instead of two.
CREATE OR REPLACE FUNCTION rollup_concurrency(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_concurrency_minutes(a, b);
END
$$;

-- Completed jobs by creation, with their end: every raw part of a range reads the completed
-- jobs created from 30 hours before it (finishedLookback) that ended in it or later. At the
-- end of a range, the final hour a panel reads raw, the 31 hours of jobs created held 30
-- times those that ended in the hour; with the end in the index only those are fetched
-- (1M jobs: 8.4 ms, 0.5 ms). An index on the end alone was worse at a range's start,
-- where every later job ended after it: the planner combined both indexes, 40 ms.
CREATE INDEX workflow_jobs_completed_idx ON workflow_jobs (created_at, completed_at) WHERE status = 'completed';

GRANT SELECT ON rollup_sample_minute, rollup_busy_minute, rollup_sample_5min, rollup_busy_5min, rollup_concurrency_5min, rollup_hosted_hour, rollup_runner_hour, rollup_concurrency_minute
    TO ciradar_reader;

-- The hours already final are rolled up here, a day at a time, so that readers find them
-- filled as soon as the watermark lets them read them (a store never refreshed has no
-- state, and its first refresh rolls everything).
DO $$
DECLARE
    st record;
    d timestamptz;
BEGIN
    SELECT floor, watermark INTO st FROM rollup_state;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    d := st.floor;
    WHILE d < st.watermark LOOP
        PERFORM rollup_sample_hours(d, least(date_bin('1 day', d, '1970-01-01T00:00:00Z') + interval '1 day', st.watermark));
        PERFORM rollup_runner_minutes(d, least(date_bin('1 day', d, '1970-01-01T00:00:00Z') + interval '1 day', st.watermark));
        PERFORM rollup_concurrency(d, least(date_bin('1 day', d, '1970-01-01T00:00:00Z') + interval '1 day', st.watermark));
        d := date_bin('1 day', d, '1970-01-01T00:00:00Z') + interval '1 day';
    END LOOP;
END
$$;

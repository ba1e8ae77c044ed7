-- 0027: the concurrency panel's peaks per hour (issue 18). Reading every job that overlaps
-- a 90-day range and sweeping their starts and ends took seconds; peaks do not add up, so
-- the rollup keeps, per hour and per way of grouping, the most jobs running and the most
-- queued at any instant of the hour. A bucket of whole hours is the highest of its hours.
--
-- The levels are those pkg/query/concurrency.go sweeps: a job waits in the queue from its
-- creation plus any approval wait until a runner takes it (or it ends), and runs from then
-- until it completes; an interval is [start, end), and an hour's peak is the level at its
-- first instant (counting what changes then) or after any change within it. Finished jobs
-- count when created at most 30 hours before the day (the query's finishedLookback); jobs
-- not finished count whatever their age.
--
-- dim is 'type' (key 'github-hosted' or 'self-hosted'), 'labels' (the label set) or
-- 'runner_group' (a queued job, or one run without a group, is '(unassigned)'). A row is
-- kept for every key of a job that the query would read for the hour, peaks of 0 included,
-- so that the series a range shows are the same from rollups as from rows.
CREATE TABLE rollup_concurrency_hour (
    hour    timestamptz NOT NULL,
    dim     text        NOT NULL,
    key     text        NOT NULL,
    running integer     NOT NULL,
    queued  integer     NOT NULL,
    PRIMARY KEY (hour, dim, key)
);

-- rollup_concurrency recomputes every hour of every UTC day that [a, b) touches, one day at
-- a time, so that an hour's answer never depends on where a refresh began.
CREATE FUNCTION rollup_concurrency(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    d0 constant timestamptz := date_bin('1 day', a, origin);
    d1 constant timestamptz := date_bin('1 day', b - interval '1 microsecond', origin) + interval '1 day';
    d timestamptz := d0;
BEGIN
    DELETE FROM rollup_concurrency_hour WHERE hour >= d0 AND hour < d1;
    WHILE d < d1 LOOP
        INSERT INTO rollup_concurrency_hour (hour, dim, key, running, queued)
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
            -- Each job's wait and run, when not empty: [f, t), t NULL while it lasts.
            SELECT label_key, grp, created, c, false AS running, q AS f, coalesce(s, c) AS t
            FROM j WHERE coalesce(s, c) IS NULL OR coalesce(s, c) > q
            UNION ALL
            SELECT label_key, grp, created, c, true, s, c FROM j WHERE s IS NOT NULL AND (c IS NULL OR c > s)
        ), k AS MATERIALIZED (
            SELECT iv.created, iv.c, iv.running, iv.f, iv.t, g.dim, g.key
            FROM iv CROSS JOIN LATERAL (VALUES
                ('type', CASE WHEN 'self-hosted' = ANY (string_to_array(lower(iv.label_key), ',')) THEN 'self-hosted' ELSE 'github-hosted' END),
                ('labels', iv.label_key),
                ('runner_group', CASE WHEN iv.running AND iv.grp <> '' THEN iv.grp ELSE '(unassigned)' END)) g(dim, key)
        ), ev AS (
            SELECT dim, key, f AS at, CASE WHEN running THEN 1 ELSE 0 END AS dr, CASE WHEN running THEN 0 ELSE 1 END AS dq FROM k
            UNION ALL
            SELECT dim, key, t, CASE WHEN running THEN -1 ELSE 0 END, CASE WHEN running THEN 0 ELSE -1 END FROM k WHERE t IS NOT NULL
            UNION ALL
            -- Each hour's first instant, so that the level carried into it is a candidate.
            SELECT keys.dim, keys.key, h, 0, 0
            FROM (SELECT DISTINCT dim, key FROM k) keys
            CROSS JOIN generate_series(d, d + interval '23 hours', interval '1 hour') h
        ), inst AS (
            SELECT dim, key, at, sum(dr) AS dr, sum(dq) AS dq FROM ev WHERE at < d + interval '1 day' GROUP BY 1, 2, 3
        ), lvl AS (
            SELECT dim, key, at, sum(dr) OVER w AS r, sum(dq) OVER w AS q
            FROM inst WINDOW w AS (PARTITION BY dim, key ORDER BY at)
        ), peak AS (
            SELECT date_bin('1 hour', at, origin) AS hour, dim, key, max(r) AS r, max(q) AS q
            FROM lvl WHERE at >= d GROUP BY 1, 2, 3
        ), present AS (
            -- The hours whose rows the query would read the job in: created before the
            -- hour ends, and not completed before it starts.
            SELECT DISTINCT h AS hour, k.dim, k.key
            FROM k CROSS JOIN LATERAL generate_series(
                greatest(d, date_bin('1 hour', k.created, origin)),
                least(d + interval '23 hours', coalesce(date_bin('1 hour', k.c, origin), d + interval '23 hours')),
                interval '1 hour') h
        )
        SELECT p.hour, p.dim, p.key, coalesce(x.r, 0), coalesce(x.q, 0)
        FROM present p LEFT JOIN peak x ON x.hour = p.hour AND x.dim = p.dim AND x.key = p.key;
        d := d + interval '1 day';
    END LOOP;
END
$$;

GRANT SELECT ON rollup_concurrency_hour TO ciradar_reader;

-- The new rollup is empty for every hour already final: forget the state, so that the next
-- refresh rolls the whole store up again (until then, queries read the projections).
DELETE FROM rollup_state;

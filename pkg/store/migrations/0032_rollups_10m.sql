-- 0032: 10-minute twins of the hourly rollups that time-series panels read (issue 18).
--
-- Grafana asks a 7-day panel 1,000 points wide for 10-minute buckets. Hourly rollups cannot
-- fill those, so queue_time, build_results, job_states, ingest_health and cost over time
-- read a week of rows at 7 d (0.1 to 0.8 s at 1M jobs). These tables hold the same counts
-- as their hourly twins (0007, 0010, 0018, 0026, 0028), per 10 minutes, epoch-aligned;
-- pkg/query reads them for buckets of whole 10 minutes (planFine) and the hourly tables
-- for buckets of whole hours.
--
-- Every column keeps its hourly twin's name, so that a reader swaps only the table name:
-- `hour` here is the start of the 10 minutes. They are refreshed by rollup_10m, called by
-- the same refresh loop (store.RefreshRollups) over the same hours as rollup_hours, so the
-- watermark (a whole hour) says up to where they are final too.

-- rollup_queue_hour's rows, with the histogram only as 0010's packed bytea: (bucket int2,
-- count int4) pairs, big-endian, ascending by bucket. The arrays it is generated from
-- there are read by nobody.
CREATE TABLE rollup_queue_10m (
    hour              timestamptz NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    n                 bigint      NOT NULL,
    sum_s             double precision NOT NULL,
    max_s             double precision NOT NULL,
    hist              bytea       NOT NULL,
    PRIMARY KEY (hour, label_key, runner_group_name)
);

CREATE TABLE rollup_job_transitions_10m (
    hour              timestamptz NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    queued            bigint      NOT NULL,
    started           bigint      NOT NULL,
    completed         bigint      NOT NULL,
    completed_started bigint      NOT NULL,
    PRIMARY KEY (hour, label_key, runner_group_name)
);

CREATE TABLE rollup_run_10m (
    hour       timestamptz NOT NULL,
    event      text        NOT NULL,
    conclusion text        NOT NULL,
    n          bigint      NOT NULL,
    PRIMARY KEY (hour, event, conclusion)
);

CREATE TABLE rollup_delivery_10m (
    hour  timestamptz NOT NULL,
    event text        NOT NULL,
    forge text        NOT NULL,
    n     bigint      NOT NULL,
    PRIMARY KEY (hour, event, forge)
);

-- rollup_cost_hour's rows for the dimensions with few values only: 'total', 'label' and
-- 'event'. A repository's or workflow's rows per 10 minutes would be about one per job, no
-- cheaper than the jobs; cost over time by those reads rows at 10-minute buckets. Keyed by
-- dim first: every read names one.
CREATE TABLE rollup_cost_10m (
    hour       timestamptz NOT NULL,
    dim        text        NOT NULL,
    value      text        NOT NULL,
    label_key  text        NOT NULL,
    visibility text        NOT NULL,
    jobs       bigint      NOT NULL,
    minutes    bigint      NOT NULL,
    PRIMARY KEY (dim, hour, value, label_key, visibility)
);

-- rollup_10m recomputes the 10-minute rollups of [a, b) (whole hours, as the refresh loop
-- passes them) from the projections, with the definitions of rollup_hours (0028) and
-- rollup_cost (0026) and nothing else changed.
CREATE FUNCTION rollup_10m(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    -- rollup_hours' lookback (pkg/query finishedLookback)
    lookback constant interval := interval '30 hours';
BEGIN
    DELETE FROM rollup_queue_10m WHERE hour >= a AND hour < b;
    INSERT INTO rollup_queue_10m (hour, label_key, runner_group_name, n, sum_s, max_s, hist)
    SELECT h, label_key, runner_group_name, sum(c), sum(s), max(m), string_agg(int2send(k) || int4send(c), ''::bytea ORDER BY k)
    FROM (SELECT date_bin('10 minutes', j.created_at, origin) AS h, j.label_key, j.runner_group_name,
                 rollup_bucket(j.queue_s) AS k, count(*)::int AS c, sum(j.queue_s) AS s, max(j.queue_s) AS m
          FROM workflow_jobs j
          WHERE j.created_at >= a AND j.created_at < b AND j.queue_s IS NOT NULL
          GROUP BY 1, 2, 3, 4) x
    GROUP BY 1, 2, 3;

    DELETE FROM rollup_job_transitions_10m WHERE hour >= a AND hour < b;
    INSERT INTO rollup_job_transitions_10m
    SELECT t.h, j.label_key, j.runner_group_name,
           count(*) FILTER (WHERE t.kind = 1), count(*) FILTER (WHERE t.kind = 2),
           count(*) FILTER (WHERE t.kind = 3), count(*) FILTER (WHERE t.kind = 3 AND j.s_at IS NOT NULL)
    FROM (SELECT j.label_key, j.runner_group_name, s.s_at, j.completed_at,
                 CASE WHEN j.forge = 'gitlab' THEN coalesce(j.queued_at, s.s_at, j.completed_at)
                      ELSE j.created_at + make_interval(secs => j.approval_wait_s) END AS q_at
          FROM workflow_jobs j
          CROSS JOIN LATERAL (SELECT CASE WHEN j.runner_name <> '' THEN j.started_at END AS s_at) s
          WHERE j.created_at >= a - lookback AND j.created_at < b AND j.status <> 'waiting'
            AND (j.completed_at IS NULL OR j.completed_at < j.created_at + lookback)) j
    CROSS JOIN LATERAL (VALUES (1, j.q_at), (2, j.s_at), (3, j.completed_at)) v(kind, at)
    CROSS JOIN LATERAL (SELECT date_bin('10 minutes', v.at, origin) AS h, v.kind) t
    WHERE v.at >= a AND v.at < b
    GROUP BY 1, 2, 3;

    DELETE FROM rollup_run_10m WHERE hour >= a AND hour < b;
    INSERT INTO rollup_run_10m
    SELECT date_bin('10 minutes', r.created_at, origin), r.event, r.conclusion, count(*)
    FROM workflow_runs r
    WHERE r.created_at >= a AND r.created_at < b AND r.status = 'completed'
    GROUP BY 1, 2, 3;

    DELETE FROM rollup_delivery_10m WHERE hour >= a AND hour < b;
    INSERT INTO rollup_delivery_10m (hour, event, forge, n)
    SELECT date_bin('10 minutes', d.received_at, origin), d.event, d.forge, count(*)
    FROM deliveries d
    WHERE d.received_at >= a AND d.received_at < b AND d.target_type <> 'api'
    GROUP BY 1, 2, 3;

    DELETE FROM rollup_cost_10m WHERE hour >= a AND hour < b;
    -- cost_jobs (0031) with each job's run found through the primary key: as a join, the
    -- planner hashed every run of the store for one day's jobs (0.4 s a day at 1M jobs).
    -- The 10 minutes are summed per label set, visibility and event first, then per dim.
    INSERT INTO rollup_cost_10m (hour, dim, value, label_key, visibility, jobs, minutes)
    SELECT c.h, v.dim, v.value, c.label_key, c.visibility, sum(c.jobs), sum(c.minutes)
    FROM (SELECT date_bin('10 minutes', j.created_at, origin) AS h, j.label_key, j.repo_visibility AS visibility,
                 coalesce((SELECT r.event FROM workflow_runs r
                           WHERE r.run_id = j.run_id AND r.run_attempt = j.run_attempt AND r.forge = j.forge), '') AS event,
                 count(*) AS jobs, sum(ceil(greatest(extract(epoch FROM j.completed_at - j.started_at), 0) / 60)::bigint) AS minutes
          FROM workflow_jobs j
          WHERE j.created_at >= a AND j.created_at < b AND j.status = 'completed' AND j.runner_name <> ''
            AND j.started_at IS NOT NULL AND j.completed_at IS NOT NULL
          GROUP BY 1, 2, 3, 4) c
    CROSS JOIN LATERAL (VALUES ('total', ''), ('label', c.label_key), ('event', c.event)) v(dim, value)
    GROUP BY 1, 2, 3, 4, 5;
END
$$;

GRANT SELECT ON rollup_queue_10m, rollup_job_transitions_10m, rollup_run_10m, rollup_delivery_10m, rollup_cost_10m
    TO ciradar_reader;

-- The new rollups are empty for every hour already final: forget the state, so that the
-- next refresh rolls the whole store up again (until then, queries read the projections).
DELETE FROM rollup_state;

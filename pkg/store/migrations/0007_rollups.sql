-- 0007: hourly rollups, so that dashboards over long ranges read thousands of rows instead
-- of millions. Nothing on the write path changes: no trigger, no new index on the
-- projections. `ciradar serve` refreshes the rollups in the background (store.RefreshRollups)
-- and `ciradar reproject` rebuilds them whole.
--
-- Every rollup is keyed by the hour (epoch-aligned, so time zones never matter) of the time
-- its rows are counted at. rollup_state.watermark says up to which hour the rollups are
-- final: readers take hours before it from the rollups and everything at or after it from
-- the projections, so an answer is complete whatever the refresher has done so far. With no
-- state row (a fresh install, or a store never refreshed) readers use the projections only.

CREATE TABLE rollup_state (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    -- hours before this are final in every rollup table
    watermark    timestamptz NOT NULL,
    -- the oldest hour the rollups hold: below it nothing was ever rolled up
    floor        timestamptz NOT NULL,
    -- the sweep re-rolls old hours in turn, walking back from the watermark; this is where
    -- its next pass starts
    sweep_at     timestamptz NOT NULL,
    refreshed_at timestamptz NOT NULL
);

-- queue_time: jobs a runner has taken, by the hour they were created. Percentiles come from a
-- log-scale histogram (see rollup_bucket); count, sum and max are exact.
CREATE TABLE rollup_queue_hour (
    hour              timestamptz NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    n                 bigint      NOT NULL,
    sum_s             double precision NOT NULL,
    max_s             double precision NOT NULL,
    hist_b            smallint[]  NOT NULL, -- histogram bucket numbers, ascending
    hist_n            integer[]   NOT NULL, -- jobs in each of those buckets
    PRIMARY KEY (hour, label_key, runner_group_name)
);

-- job_states: transitions counted at the hour they happen: leaving approval for the queue,
-- a runner taking the job, the job completing (and how many of those a runner had taken).
CREATE TABLE rollup_job_transitions (
    hour              timestamptz NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    queued            bigint      NOT NULL,
    started           bigint      NOT NULL,
    completed         bigint      NOT NULL,
    completed_started bigint      NOT NULL,
    PRIMARY KEY (hour, label_key, runner_group_name)
);

-- build_results: completed runs (every attempt) by the hour they were created.
CREATE TABLE rollup_run_hour (
    hour       timestamptz NOT NULL,
    event      text        NOT NULL,
    conclusion text        NOT NULL,
    n          bigint      NOT NULL,
    PRIMARY KEY (hour, event, conclusion)
);

-- ingest_health: stored deliveries by the hour they were received.
CREATE TABLE rollup_delivery_hour (
    hour  timestamptz NOT NULL,
    event text        NOT NULL,
    n     bigint      NOT NULL,
    PRIMARY KEY (hour, event)
);

-- rollup_bucket is the histogram bucket of a duration in seconds: 0 holds [0, 1 s), bucket
-- k >= 1 holds [1.02^(k-1), 1.02^k). Reporting a bucket's value as 2·lo·hi/(lo+hi) is off by
-- at most (1.02-1)/(1.02+1), under 1% (0.5 s in bucket 0). pkg/query holds the same numbers.
CREATE FUNCTION rollup_bucket(s double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
AS $$ SELECT CASE WHEN s < 1 THEN 0 ELSE least(1 + floor(ln(s) / ln(1.02)), 32000) END::smallint $$;

-- rollup_hours recomputes every rollup for the hours in [a, b) from the projections, in the
-- caller's transaction: readers see the old rows or the new ones, never half.
CREATE FUNCTION rollup_hours(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    -- how long before a transition a job may have been created: the same bound the raw
    -- job_states query applies (pkg/query finishedLookback)
    lookback constant interval := interval '30 hours';
BEGIN
    DELETE FROM rollup_queue_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_queue_hour
    SELECT h, label_key, runner_group_name, sum(c), sum(s), max(m), array_agg(k ORDER BY k), array_agg(c ORDER BY k)
    FROM (SELECT date_bin('1 hour', j.created_at, origin) AS h, j.label_key, j.runner_group_name,
                 rollup_bucket(j.queue_s) AS k, count(*)::int AS c, sum(j.queue_s) AS s, max(j.queue_s) AS m
          FROM workflow_jobs j
          WHERE j.created_at >= a AND j.created_at < b AND j.queue_s IS NOT NULL
          GROUP BY 1, 2, 3, 4) x
    GROUP BY 1, 2, 3;

    DELETE FROM rollup_job_transitions WHERE hour >= a AND hour < b;
    INSERT INTO rollup_job_transitions
    SELECT t.h, j.label_key, j.runner_group_name,
           count(*) FILTER (WHERE t.kind = 1), count(*) FILTER (WHERE t.kind = 2),
           count(*) FILTER (WHERE t.kind = 3), count(*) FILTER (WHERE t.kind = 3 AND j.s_at IS NOT NULL)
    FROM (SELECT j.label_key, j.runner_group_name, j.created_at + make_interval(secs => j.approval_wait_s) AS q_at,
                 CASE WHEN j.runner_name <> '' THEN j.started_at END AS s_at, j.completed_at
          FROM workflow_jobs j
          WHERE j.created_at >= a - lookback AND j.created_at < b AND j.status <> 'waiting'
            -- a job counts whole or not at all, whatever hours a refresh covers: one that
            -- ran longer than the lookback would otherwise leave a level raised for ever
            AND (j.completed_at IS NULL OR j.completed_at < j.created_at + lookback)) j
    CROSS JOIN LATERAL (VALUES (1, j.q_at), (2, j.s_at), (3, j.completed_at)) v(kind, at)
    CROSS JOIN LATERAL (SELECT date_bin('1 hour', v.at, origin) AS h, v.kind) t
    WHERE v.at >= a AND v.at < b
    GROUP BY 1, 2, 3;

    DELETE FROM rollup_run_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_run_hour
    SELECT date_bin('1 hour', r.created_at, origin), r.event, r.conclusion, count(*)
    FROM workflow_runs r
    WHERE r.created_at >= a AND r.created_at < b AND r.status = 'completed'
    GROUP BY 1, 2, 3;

    DELETE FROM rollup_delivery_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_delivery_hour
    SELECT date_bin('1 hour', d.received_at, origin), d.event, count(*)
    FROM deliveries d
    -- the reconciler's REST API rows (target_type 'api') are not deliveries GitHub sent
    WHERE d.received_at >= a AND d.received_at < b AND d.target_type <> 'api'
    GROUP BY 1, 2;
END
$$;

GRANT SELECT ON rollup_state, rollup_queue_hour, rollup_job_transitions, rollup_run_hour, rollup_delivery_hour
    TO ciradar_reader;

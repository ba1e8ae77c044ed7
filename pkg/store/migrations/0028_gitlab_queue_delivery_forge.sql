-- 0028: two rollups learn GitLab (issue 19).
--
-- rollup_job_transitions counts a job as queued from the moment it began waiting for a
-- runner. For GitHub that is its creation (after any environment approval); a GitLab job is
-- created with its pipeline and first waits for its earlier stages, which is not queueing:
-- it enters the queue at queued_at ('pending'). A GitLab job whose hooks never said when
-- (queued_at NULL) is taken as queued from its start, or, when it never started (skipped, or
-- cancelled while held), as queued and done at its end: counted in and out at one instant, so
-- it never raises a level. pkg/query's job_states applies the same rule (queueEntry).
--
-- rollup_delivery_hour keeps the forge, so ingest_health labels and filters deliveries by it.
-- The deliveries index it is counted from includes the forge, for the same index-only scan.

ALTER TABLE rollup_delivery_hour ADD COLUMN forge text NOT NULL DEFAULT 'github';
ALTER TABLE rollup_delivery_hour DROP CONSTRAINT rollup_delivery_hour_pkey;
ALTER TABLE rollup_delivery_hour ADD PRIMARY KEY (hour, event, forge);

DROP INDEX deliveries_received_at_event_idx;
CREATE INDEX deliveries_received_at_event_idx ON deliveries (received_at) INCLUDE (event, target_type, forge);

-- 0007's rollup_hours, with the two changes above and nothing else.
CREATE OR REPLACE FUNCTION rollup_hours(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
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
    FROM (SELECT j.label_key, j.runner_group_name, s.s_at, j.completed_at,
                 CASE WHEN j.forge = 'gitlab' THEN coalesce(j.queued_at, s.s_at, j.completed_at)
                      ELSE j.created_at + make_interval(secs => j.approval_wait_s) END AS q_at
          FROM workflow_jobs j
          CROSS JOIN LATERAL (SELECT CASE WHEN j.runner_name <> '' THEN j.started_at END AS s_at) s
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
    INSERT INTO rollup_delivery_hour (hour, event, forge, n)
    SELECT date_bin('1 hour', d.received_at, origin), d.event, d.forge, count(*)
    FROM deliveries d
    -- the reconciler's REST API rows (target_type 'api') are not deliveries a forge sent
    WHERE d.received_at >= a AND d.received_at < b AND d.target_type <> 'api'
    GROUP BY 1, 2, 3;
END
$$;

-- The rolled hours hold GitLab's jobs queued from their creation and deliveries without a
-- forge: forget the state, so that the next refresh rolls the whole store up again (until
-- then, queries read the projections).
DELETE FROM rollup_state;

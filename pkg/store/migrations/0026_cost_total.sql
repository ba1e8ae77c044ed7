-- 0026: a total beside the cost rollups' dimensions (issue 18). The cost panel's over_time
-- view without a dimension wants only the totals per bucket, and read them from the 'repo'
-- rows: 200 repositories times every label set, per hour, which made a 90-day panel read
-- about two million rows. dim 'total' (value '') keeps one row per label set and
-- visibility instead, the price still being applied at query time.

CREATE OR REPLACE FUNCTION rollup_cost(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    d0 constant timestamptz := date_bin('1 day', a, origin);
    d1 constant timestamptz := date_bin('1 day', b - interval '1 microsecond', origin) + interval '1 day';
BEGIN
    DELETE FROM rollup_cost_day WHERE day >= d0 AND day < d1;
    DELETE FROM rollup_cost_hour WHERE hour >= d0 AND hour < d1;
    WITH x AS MATERIALIZED (
        SELECT g.grain, g.t, v.dim, v.value, c.label_key, c.visibility, c.minutes
        FROM cost_jobs(d0, d1) c
        CROSS JOIN LATERAL (VALUES ('repo', c.repo), ('workflow', c.workflow_name), ('label', c.label_key), ('event', c.event),
                                   ('total', '')) v(dim, value)
        CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', c.created_at, origin)),
                                   ('h', date_bin('1 hour', c.created_at, origin))) g(grain, t)
    ), rows AS MATERIALIZED (
        SELECT grain, t, dim, value, label_key, visibility, count(*) AS jobs, sum(minutes) AS minutes
        FROM x GROUP BY 1, 2, 3, 4, 5, 6
    ), days AS (
        INSERT INTO rollup_cost_day SELECT t, dim, value, label_key, visibility, jobs, minutes FROM rows WHERE grain = 'd'
    )
    INSERT INTO rollup_cost_hour SELECT t, dim, value, label_key, visibility, jobs, minutes FROM rows WHERE grain = 'h';
END
$$;

-- Every read names one dim over a span of days or hours: the primary keys, day or hour
-- first, made a 90-day read of the totals walk every dimension's rows of the 90 days.
CREATE INDEX rollup_cost_day_dim ON rollup_cost_day (dim, day);
CREATE INDEX rollup_cost_hour_dim ON rollup_cost_hour (dim, hour);

-- The rollups have no 'total' rows yet: forget the state, so that the next refresh rolls the
-- whole store up again (until then, queries read the projections).
DELETE FROM rollup_state;

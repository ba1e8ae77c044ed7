-- 0013: runner samples per pool and hour. The reconciler samples every runner each cycle
-- (a minute by default): 120 runners make 15.5 million samples in 90 days, and
-- runner_utilization over 90 days read every one of them. Its buckets over long ranges are
-- whole hours, so an hour's counts per pool answer the same ratio from a few rows. (0012 is
-- left to the receiver's write path.)

-- A pool here is what the query groups and filters by: the runner's label set, group,
-- labels and scope, taken from the inventory (runners) when the hour is rolled up, as the
-- raw query takes them when it runs. online counts the samples in the hour whose status was
-- online; busy, those of them that were busy. runner_utilization's ratio over a bucket is
-- sum(busy) / sum(online), the share of busy samples among the online ones.
CREATE TABLE rollup_sample_hour (
    hour              timestamptz NOT NULL,
    scope             text        NOT NULL,
    label_key         text        NOT NULL,
    runner_group_name text        NOT NULL,
    labels            text[]      NOT NULL,
    online            bigint      NOT NULL,
    busy              bigint      NOT NULL,
    PRIMARY KEY (hour, scope, label_key, runner_group_name, labels)
);

-- rollup_sample_hours recomputes rollup_sample_hour for the hours in [a, b).
CREATE FUNCTION rollup_sample_hours(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    DELETE FROM rollup_sample_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_sample_hour
    SELECT date_bin('1 hour', s.sampled_at, '1970-01-01T00:00:00Z'), r.scope, r.label_key, r.runner_group_name, r.labels,
           count(*), count(*) FILTER (WHERE s.busy)
    FROM runner_samples s JOIN runners r ON r.scope = s.scope AND r.runner_id = s.runner_id
    WHERE s.sampled_at >= a AND s.sampled_at < b AND s.status = 'online'
    GROUP BY 1, 2, 3, 4, 5;
END
$$;

GRANT SELECT ON rollup_sample_hour TO ciradar_reader;

-- The samples already stored are rolled up here, all at once: readers take an hour only
-- once it is before the watermark, and every refresh rolls again the hours the watermark
-- passes, so an hour still filling now is recomputed when it becomes final. A change to a
-- runner's labels or group reaches the hours already rolled up as the sweep passes them.
SELECT rollup_sample_hours('-infinity', 'infinity');

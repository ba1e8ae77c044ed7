-- 0013: runner samples per runner and hour. The reconciler samples every runner each cycle
-- (a minute by default): 120 runners make 15.5 million samples in 90 days, and
-- runner_utilization over 90 days read every one of them. Its buckets over long ranges are
-- whole hours, so an hour's counts per runner answer the same ratio from a sixtieth of the
-- rows. (0012 is left to the receiver's write path.)

-- online counts the runner's samples in the hour whose status was online; busy, those of
-- them that were busy. runner_utilization's ratio is sum(busy) / sum(online) over a bucket,
-- which is the share of busy samples among the online ones that the raw query computes.
CREATE TABLE rollup_sample_hour (
    hour      timestamptz NOT NULL,
    scope     text        NOT NULL,
    runner_id bigint      NOT NULL,
    online    bigint      NOT NULL,
    busy      bigint      NOT NULL,
    PRIMARY KEY (hour, scope, runner_id)
);

-- rollup_sample_hours recomputes rollup_sample_hour for the hours in [a, b).
CREATE FUNCTION rollup_sample_hours(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    DELETE FROM rollup_sample_hour WHERE hour >= a AND hour < b;
    INSERT INTO rollup_sample_hour
    SELECT date_bin('1 hour', s.sampled_at, '1970-01-01T00:00:00Z'), s.scope, s.runner_id, count(*), count(*) FILTER (WHERE s.busy)
    FROM runner_samples s
    WHERE s.sampled_at >= a AND s.sampled_at < b AND s.status = 'online'
    GROUP BY 1, 2, 3;
END
$$;

GRANT SELECT ON rollup_sample_hour TO ciradar_reader;

-- The samples already stored are rolled up here, all at once: readers take an hour only
-- once it is before the watermark, and every refresh rolls again the hours the watermark
-- passes, so an hour still filling now is recomputed when it becomes final.
SELECT rollup_sample_hours('-infinity', 'infinity');

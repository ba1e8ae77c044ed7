-- 0024: the raw delivery log is partitioned by receipt time, one partition per week (UTC,
-- Monday to Monday), so that retention drops whole tables instead of deleting rows.
--
-- Weekly, not daily: the default retention keeps raw deliveries for ever, and a week gives
-- 52 partitions a year where a day gives 365 (400 days of retention: 58 against 400). The
-- planner and every backend's relation cache pay per partition whenever a query cannot be
-- pruned to a few. At 1M jobs a day a week is about 21M deliveries, a size Postgres tables
-- and their indexes handle well. The price is retention's granularity: raw deliveries are
-- kept at least the retention and at most a week longer (under 8% more at 90 days).
--
-- Deduplication by X-GitHub-Delivery cannot stay a unique index on deliveries: an index
-- on a partitioned table is unique only together with the partition key, and a redelivery
-- arrives with a new receipt time. delivery_guids keeps one narrow row per delivery in one
-- unpartitioned table, written by the same statement that inserts the delivery, and is the
-- only index on the delivery id: the partitions have none (lookups by id go through it).
CREATE TABLE delivery_guids (
    delivery_id text        PRIMARY KEY,
    received_at timestamptz NOT NULL -- the delivery's partition key, to find its row
);
-- Ids and receipt times are in deliveries for the reader already; it needs neither twice.
REVOKE ALL ON delivery_guids FROM ciradar_reader;

ALTER TABLE deliveries RENAME TO deliveries_unpartitioned;

CREATE TABLE deliveries (
    delivery_id   text        NOT NULL,
    event         text        NOT NULL,
    action        text        NOT NULL DEFAULT '',
    hook_id       bigint,
    target_type   text        NOT NULL DEFAULT '',
    target_id     bigint,
    received_at   timestamptz NOT NULL,
    payload       bytea       NOT NULL,
    payload_codec smallint    NOT NULL DEFAULT 0,
    payload_dict  integer
) PARTITION BY RANGE (received_at);
-- As 0012 and 0023 set them on the old table; partitions copy them from here.
ALTER TABLE deliveries
    ALTER COLUMN delivery_id SET STORAGE MAIN,
    ALTER COLUMN event SET STORAGE MAIN,
    ALTER COLUMN action SET STORAGE MAIN,
    ALTER COLUMN target_type SET STORAGE MAIN,
    ALTER COLUMN payload SET STORAGE EXTERNAL;
-- The index 0006 made, on every partition: retention, health and ingest_health use it.
ALTER INDEX deliveries_received_at_event_idx RENAME TO deliveries_unpartitioned_received_at_event_idx;
CREATE INDEX deliveries_received_at_event_idx ON deliveries (received_at) INCLUDE (event, target_type);
-- The reader's column grants of 0014, on the new table (default privileges granted it all).
REVOKE ALL ON deliveries FROM ciradar_reader;
GRANT SELECT (delivery_id, event, action, hook_id, target_type, target_id, received_at)
    ON deliveries TO ciradar_reader;

-- The catch-all: a delivery whose week has no partition (it arrived late, for a week
-- retention already dropped or that was never made, or before `serve` made its week's)
-- lands here and is never refused. Retention deletes its old rows one by one.
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT;
-- Readers go through deliveries and its column grants; a partition of their own would
-- show them the payload.
REVOKE ALL ON deliveries_default FROM ciradar_reader;

-- ensure_delivery_partition makes the partition of the week holding t, unless it exists,
-- and says whether it made it. Rows of that week already in the default partition move
-- into it in the same transaction, so readers see each row once throughout and Postgres
-- does not refuse the new bound. The table is made apart and then attached: attaching
-- takes SHARE UPDATE EXCLUSIVE on deliveries, which inserts and reads do not wait for
-- (CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE). Only the default partition is
-- locked while it is checked, and only late deliveries go there.
-- Two callers at once (two `serve` replicas) are serialised by an advisory lock; the
-- second finds the table made.
CREATE FUNCTION ensure_delivery_partition(t timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    lo   constant timestamptz := date_trunc('week', t, 'UTC');
    hi   constant timestamptz := lo + interval '7 days';
    part constant text := 'deliveries_w' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMMDD');
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(202878392); -- 0x0c17adb8, pkg/store/partitions.go
    BEGIN
        EXECUTE format('CREATE TABLE %I (LIKE deliveries INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)', part);
    EXCEPTION WHEN duplicate_table THEN
        RETURN false; -- made by the caller that held the lock before us
    END;
    EXECUTE format('WITH moved AS (DELETE FROM deliveries_default WHERE received_at >= $1 AND received_at < $2 RETURNING *)
        INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
    EXECUTE format('ALTER TABLE deliveries ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    EXECUTE format('REVOKE ALL ON %I FROM ciradar_reader', part);
    RETURN true;
END
$$;

-- A partition for every week that holds deliveries, up to the two weeks ahead `serve`
-- keeps ready; rows beyond that (a clock far ahead) go to the default partition.
SELECT ensure_delivery_partition(w)
FROM (SELECT DISTINCT date_trunc('week', received_at, 'UTC') AS w FROM deliveries_unpartitioned
      WHERE received_at < date_trunc('week', now(), 'UTC') + interval '21 days'
      UNION
      SELECT date_trunc('week', now(), 'UTC') + n * interval '7 days' FROM generate_series(0, 2) AS n) AS weeks
ORDER BY w;

-- Every row moves with its id, payload and codec unchanged; each id is recorded once.
INSERT INTO deliveries (delivery_id, event, action, hook_id, target_type, target_id, received_at, payload, payload_codec, payload_dict)
    SELECT delivery_id, event, action, hook_id, target_type, target_id, received_at, payload, payload_codec, payload_dict
    FROM deliveries_unpartitioned;
INSERT INTO delivery_guids (delivery_id, received_at) SELECT delivery_id, received_at FROM deliveries_unpartitioned;
DROP TABLE deliveries_unpartitioned;
ANALYZE deliveries, delivery_guids;

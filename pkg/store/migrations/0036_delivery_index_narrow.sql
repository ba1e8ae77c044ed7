-- 0036: the deliveries' receipt-time index holds the time alone (issue 18, 4 KB a job).
--
-- Since 0006 (and 0028) it carried INCLUDE (event, target_type, forge), so that
-- ingest_health could count a range's deliveries by an index-only scan. That was about 80
-- bytes a delivery, 275 a job, of a store whose target is 4,096 bytes a job. The counts now
-- come from rollup_delivery_hour for every whole hour of a range; only the partial hours
-- at its ends, and ranges under the rollup's reach, read deliveries, through this index and
-- the rows it points at (BENCHMARKS.md "Session 10: bytes per job" measures what that costs).
-- Retention, health's newest delivery and the rollup refresh use the index as before.
--
-- Payload rows of codec 3 (CodecZstdBase, pkg/store/rawbase.go: a payload stored against
-- its job's first payload) need no schema change: payload_codec already names the format.
DROP INDEX deliveries_received_at_event_idx;
CREATE INDEX deliveries_received_at_idx ON deliveries (received_at);

-- 0006: ingest_health counts deliveries per bucket and event. With the event in the
-- received_at index the count is an index-only scan: it never reads the heap, where the
-- payloads live. The new index replaces the old one (retention and health use received_at,
-- which still leads), so ingest keeps the same number of indexes to maintain.
-- target_type rides along so that leaving out the reconciler's REST API rows (target_type
-- 'api') keeps the scan index-only.
CREATE INDEX IF NOT EXISTS deliveries_received_at_event_idx ON deliveries (received_at) INCLUDE (event, target_type);
DROP INDEX IF EXISTS deliveries_received_at_idx;

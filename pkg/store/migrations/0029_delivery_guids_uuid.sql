-- 0029: delivery_guids keeps a UUID delivery id as a uuid, 16 bytes, instead of its 36
-- characters of text (issue 18: bytes per delivery and per job). GitHub's X-GitHub-Delivery
-- and GitLab's X-Gitlab-Event-UUID are UUIDs; every other id (the reconciler's
-- "api:run:..." rows, closures, an Idempotency-Key, a test's "d-1") keeps its text.
-- Measured on the simulator's stream: 149 bytes a delivery with the text key, about 90
-- with the uuid (BENCHMARKS.md, "Session 9: bytes per job").
--
-- Deduplication stays exact: delivery_uuid maps an id to a uuid only when the id is a UUID
-- in its canonical spelling (lowercase, hyphenated), the spelling uuid::text gives back,
-- so the id and its uuid are one-to-one. Every other id, an uppercase UUID included, is
-- kept as text. One id therefore always lands in the same column, and the CHECKs keep it
-- so whoever writes the row.
CREATE FUNCTION delivery_uuid(id text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN id::uuid END;

ALTER TABLE delivery_guids RENAME TO delivery_guids_text;
ALTER INDEX delivery_guids_pkey RENAME TO delivery_guids_text_pkey;

-- received_at first: 8-byte aligned right after the header, then the uuid, which needs no
-- alignment, so a row is 48 bytes with no padding. A row has a guid or a delivery_id.
CREATE TABLE delivery_guids (
    received_at timestamptz NOT NULL, -- the delivery's partition key, to find its row
    guid        uuid,                 -- the id when it is a canonical UUID
    delivery_id text,                 -- any other id
    CONSTRAINT delivery_guids_one_key CHECK ((guid IS NULL) <> (delivery_id IS NULL)),
    CONSTRAINT delivery_guids_text_not_uuid CHECK (delivery_uuid(delivery_id) IS NULL)
);
-- Not partial: the few rows keyed by text add a NULL entry each, and a plain index serves
-- joins on guid without the planner having to prove guid IS NOT NULL.
CREATE UNIQUE INDEX delivery_guids_guid_key ON delivery_guids (guid);
CREATE UNIQUE INDEX delivery_guids_text_key ON delivery_guids (delivery_id) WHERE delivery_id IS NOT NULL;
REVOKE ALL ON delivery_guids FROM ciradar_reader;

INSERT INTO delivery_guids (received_at, guid, delivery_id)
    SELECT received_at, delivery_uuid(delivery_id), CASE WHEN delivery_uuid(delivery_id) IS NULL THEN delivery_id END
    FROM delivery_guids_text;
DROP TABLE delivery_guids_text;
ANALYZE delivery_guids;

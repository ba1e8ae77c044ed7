-- 0004: error signatures found in failed job logs, and where each one occurred. The
-- reconciler (issue 5) writes them; the data source reads them for error_signatures and
-- nightly_failures. Created here because the read side needed a schema to agree on.
CREATE TABLE IF NOT EXISTS error_signatures (
    signature_hash text PRIMARY KEY,
    -- the normalised error line: numbers, hashes, paths, times and ids replaced
    text           text        NOT NULL,
    first_seen     timestamptz NOT NULL,
    last_seen      timestamptz NOT NULL,
    count          bigint      NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS error_occurrences (
    signature_hash text        NOT NULL REFERENCES error_signatures (signature_hash),
    job_id         bigint      NOT NULL,
    repo           text        NOT NULL DEFAULT '',
    -- one raw line as it appeared in the log, for a human to recognise
    excerpt        text        NOT NULL DEFAULT '',
    seen_at        timestamptz NOT NULL,
    PRIMARY KEY (signature_hash, job_id)
);
-- Queries read a time range of occurrences, and nightly_failures joins them by job.
CREATE INDEX IF NOT EXISTS error_occurrences_seen_at_idx ON error_occurrences (seen_at);
CREATE INDEX IF NOT EXISTS error_occurrences_job_idx ON error_occurrences (job_id);

GRANT SELECT ON error_signatures, error_occurrences TO ciradar_reader;

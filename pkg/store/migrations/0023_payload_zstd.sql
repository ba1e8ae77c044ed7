-- 0023: CI Radar compresses raw payloads itself, with zstd and a dictionary trained on
-- webhook payloads (store/rawlog.go). A job event of about 7.5 KB stores in a few hundred
-- bytes, where Postgres's lz4 of the single value reached about a third.
--
-- Each row names how its payload is held: payload_codec 0 as received (every row from
-- before this migration: nothing is rewritten unless `ciradar compact -rewrite` is run),
-- 1 zstd with the dictionary payload_dict (NULL: none), 2 as received because compressing
-- failed. Adding the columns with constant defaults rewrites no row.
CREATE TABLE payload_dictionaries (
    id         integer     PRIMARY KEY CHECK (id > 0), -- also the zstd frame's dictionary id
    created_at timestamptz NOT NULL,
    samples    integer     NOT NULL,
    dict       bytea       NOT NULL
);
ALTER TABLE deliveries ADD COLUMN payload_codec smallint NOT NULL DEFAULT 0,
                       ADD COLUMN payload_dict  integer; -- no foreign key: a check per insert, for ids the codec only takes from that table
-- Compressed already: Postgres would spend CPU to find nothing. EXTERNAL still moves an
-- uncompressed fallback of many kilobytes out of line; a compressed payload stays inline.
ALTER TABLE deliveries ALTER COLUMN payload SET STORAGE EXTERNAL;
-- A dictionary is made of pieces of payloads (repository names, commit messages): the
-- reader may not read payloads, so it may not read dictionaries either.
REVOKE ALL ON payload_dictionaries FROM ciradar_reader;

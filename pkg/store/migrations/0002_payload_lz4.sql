-- 0002: compress raw payloads with lz4 where the server supports it. pglz cost more CPU than
-- fsync in the write path; a server built without lz4 keeps pglz and works the same.
DO $$
BEGIN
    ALTER TABLE deliveries ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available; payloads stay pglz-compressed';
END
$$;

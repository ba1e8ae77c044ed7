-- 0002: keep raw payloads compact and inline. A ~7.6 KB payload compresses to ~2.5 KB;
-- STORAGE MAIN keeps that in the row instead of moving it to the TOAST table (one heap
-- tuple instead of a tuple plus TOAST chunks and their index entries), and lz4 costs less
-- CPU than pglz. A server built without lz4 keeps pglz and works the same.
ALTER TABLE deliveries ALTER COLUMN payload SET STORAGE MAIN;
DO $$
BEGIN
    ALTER TABLE deliveries ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available; payloads stay pglz-compressed';
END
$$;
